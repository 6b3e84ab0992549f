"""Publishing persistent JSON messages and waiting until the broker has confirmed every one."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from kombu.connection import Connection
from kombu.messaging import Producer

from assigner.domain.errors import AssignerError

CONTENT_TYPE = "application/json"


def json_body(value: Any) -> bytes:
    """A message body: compact JSON, UTF-8."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class NotConfirmed(AssignerError):
    """The broker refused (nack) or did not confirm messages in time: they may not be stored."""


@dataclass(frozen=True)
class Outgoing:
    """One message to publish: body, where it goes, and its headers and properties."""

    body: bytes
    routing_key: str
    exchange: str = ""
    content_type: str = CONTENT_TYPE
    headers: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)


class _Confirms:
    """Counts the broker's acks and nacks on a channel in confirm mode (AMQP publisher confirms)."""

    def __init__(self, channel: Any) -> None:
        self.published = 0
        self.confirmed = 0
        self.nacked = 0
        channel.confirm_select()
        channel.events["basic_ack"].add(self._ack)
        channel.events["basic_nack"].add(self._nack)

    def _ack(self, delivery_tag: int, multiple: bool) -> None:
        self.confirmed = delivery_tag if multiple else self.confirmed + 1

    def _nack(self, delivery_tag: int, multiple: bool) -> None:
        self.nacked += 1
        self._ack(delivery_tag, multiple)


class Publisher:
    """Publishes on its own channel; with RabbitMQ, `publish` returns once every message is confirmed."""

    def __init__(self, connection: Connection, confirm_timeout: float = 30.0) -> None:
        self.connection = connection
        self.channel = connection.channel()
        self.producer = Producer(self.channel)
        self.confirm_timeout = confirm_timeout
        # Only AMQP has publisher confirms; the embedded transport has written the file when publish returns.
        self._confirms = _Confirms(self.channel) if connection.transport.driver_type == "amqp" else None

    def publish(self, messages: Sequence[Outgoing]) -> None:
        """Publish persistent JSON messages in order; raise NotConfirmed unless the broker took them all."""
        for message in messages:
            self.producer.publish(
                message.body,
                exchange=message.exchange,
                routing_key=message.routing_key,
                content_type=message.content_type,
                content_encoding="utf-8" if message.content_type == CONTENT_TYPE else "binary",
                delivery_mode=2,
                headers=message.headers or None,
                retry=False,
                **message.properties,
            )
        if self._confirms is not None:
            self._confirms.published += len(messages)
            self._wait_for_confirms()

    def _wait_for_confirms(self) -> None:
        confirms = self._confirms
        assert confirms is not None
        deadline = time.monotonic() + self.confirm_timeout
        while confirms.confirmed < confirms.published:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise NotConfirmed(f"{confirms.published - confirms.confirmed} message(s) not confirmed in time")
            try:
                self.connection.drain_events(timeout=min(remaining, 1.0))
            except socket.timeout:
                continue
        if confirms.nacked:
            nacked, confirms.nacked = confirms.nacked, 0
            raise NotConfirmed(f"the broker refused {nacked} message(s) (nack)")

    def keep_alive(self) -> None:
        """While idle: read what the broker sent (its heartbeats among it), and send a heartbeat when due."""
        if self._confirms is None:
            return  # the embedded transport has no connection to keep
        try:
            self.connection.drain_events(timeout=0.001)
        except socket.timeout:
            pass
        self.connection.heartbeat_check()

    def close(self) -> None:
        """Close the publishing channel."""
        self.channel.close()
