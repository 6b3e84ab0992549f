"""Connections to the broker of the settings: RabbitMQ (ASSIGNER_BROKER_URL) or the embedded one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kombu.connection import Connection

from assigner.broker import embedded
from assigner.settings import Settings


def broker_url(settings: Settings) -> str:
    """The broker's URL: ASSIGNER_BROKER_URL, or the embedded broker's."""
    return settings.broker_url or embedded.URL


def is_embedded(settings: Settings) -> bool:
    """Whether the settings name no broker, so the embedded one (in ASSIGNER_HOME) is used."""
    return not settings.broker_url


def transport_options(settings: Settings, inflight: Path | None = None) -> dict[str, Any]:
    """kombu transport options: the embedded broker's folders, or none for RabbitMQ."""
    if is_embedded(settings):
        return embedded.transport_options(settings.home, inflight)
    return {}


def connect(settings: Settings, inflight: Path | None = None) -> Connection:
    """A new (lazy) connection; on the embedded broker, `inflight` is where fetched messages wait for their ack."""
    return Connection(
        broker_url(settings),
        heartbeat=0 if is_embedded(settings) else settings.broker_heartbeat,
        transport_options=transport_options(settings, inflight),
        connect_timeout=10,
    )


def display_url(settings: Settings) -> str:
    """The broker's URL without its password, for logs and errors."""
    if is_embedded(settings):
        return f"embedded broker in {embedded.folders(settings.home)['queue'].parent}"
    return str(Connection(settings.broker_url).as_uri())
