"""Connections to the broker of the settings: RabbitMQ (ASSIGNER_BROKER_URL) or the embedded one."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from amqp.exceptions import AccessRefused, NotAllowed
from kombu.connection import Connection
from kombu.exceptions import OperationalError

from assigner.broker import amqp_properties, embedded
from assigner.domain.errors import AssignerError, first_line
from assigner.settings import Settings

amqp_properties.install()  # before any connection reads a delivery


class BrokerUnreachable(AssignerError):
    """The broker of the settings cannot be used: away, or refusing the login or the vhost."""


class BrokerRefused(BrokerUnreachable):
    """The broker answered and refused: a wrong user, password or vhost. Waiting will not mend it."""


def broker_url(settings: Settings) -> str:
    """The broker's URL: ASSIGNER_BROKER_URL, or the embedded broker's."""
    return settings.broker_url or embedded.URL


def broker_nodes(settings: Settings) -> list[str]:
    """The broker nodes ASSIGNER_BROKER_URL names: one URL, or several separated by ';' (kombu's failover form,
    a RabbitMQ cluster's nodes); a connection goes to the next when one is away."""
    return [url.strip() for url in broker_url(settings).split(";") if url.strip()]


def ensure_reached(connection: Connection, timeout: float = 10) -> None:
    """Connect now, trying each node of a failover URL once (kombu moves to the next on each retry)."""
    connection.ensure_connection(max_retries=max(1, len(connection.alt)), interval_start=0, timeout=timeout)


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
    """The broker's URL without its password, for logs and errors (each node of a failover URL)."""
    if is_embedded(settings):
        return f"embedded broker in {embedded.folders(settings.home)['queue'].parent}"
    return ";".join(str(Connection(node).as_uri()) for node in broker_nodes(settings))


def reach(connection: Connection, settings: Settings) -> None:
    """Connect now, once; raise BrokerUnreachable saying, in one line, what is wrong with which setting."""
    where = display_url(settings)
    try:
        ensure_reached(connection)
    except AccessRefused as error:
        raise BrokerRefused(
            f"broker {where}: the login was refused: check the user and password of ASSIGNER_BROKER_URL"
        ) from error
    except NotAllowed as error:
        vhost = connection.virtual_host
        raise BrokerRefused(
            f"broker {where}: vhost '{vhost}' does not exist or the user may not use it: create "
            f"it (rabbitmqctl add_vhost) and grant the user (rabbitmqctl set_permissions), or fix "
            "ASSIGNER_BROKER_URL"
        ) from error
    except (OperationalError, OSError) as error:
        cause = error.__cause__ or error.__context__ or error
        if isinstance(cause, socket.gaierror) or "Name or service not known" in str(error):
            raise BrokerUnreachable(
                f"broker {where}: host '{connection.hostname}' is not known (a typo in ASSIGNER_BROKER_URL?)"
            ) from error
        raise BrokerUnreachable(
            f"broker {where} unreachable: {first_line(error)} (is RabbitMQ running? check ASSIGNER_BROKER_URL)"
        ) from error
