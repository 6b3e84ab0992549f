"""What both baselines stand on: a py-amqp connection, publisher confirms counted by sequence number, and the
drain they report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import amqp  # py-amqp ships no type hints
from kombu.utils.url import parse_url

from assigner.domain.errors import AssignerError

PUBLISH_CHUNK = 1000  # backlog messages between waits for their confirms
DRAIN_SECONDS = 600.0


class BaselineFailed(AssignerError):
    """A baseline could not be measured: a worker that never starts or stops early, a message lost or nacked."""


@dataclass(frozen=True)
class Drain:
    """One contender's drain of a backlog: how many messages, in how long."""

    name: str
    messages: int
    seconds: float

    @property
    def rate(self) -> float:
        """Messages per second."""
        return self.messages / self.seconds if self.seconds > 0 else 0.0


def amqp_connection(url: str) -> amqp.Connection:
    """A py-amqp connection, connected, from an amqp:// URL (read as kombu reads it)."""
    parts = parse_url(url)
    connection = amqp.Connection(
        f"{parts['hostname'] or '127.0.0.1'}:{parts['port'] or 5672}",
        userid=parts["userid"] or "guest",
        password=parts["password"] or "guest",
        virtual_host=parts["virtual_host"] or "/",
    )
    connection.connect()
    return connection


class Confirms:
    """The broker's publisher confirms on one channel, by sequence number (RabbitMQ counts publishes from 1)."""

    def __init__(self, channel: amqp.Channel, connection: amqp.Connection) -> None:
        channel.confirm_select()
        channel.events["basic_ack"].add(self._ack)
        channel.events["basic_nack"].add(self._nack)
        self.connection, self.published, self.outstanding = connection, 0, set[int]()

    def sent(self) -> int:
        """Count one message just published on the channel; returns how many so far."""
        self.published += 1
        self.outstanding.add(self.published)
        return self.published

    def wait(self) -> None:
        """Read from the broker until every message published so far is confirmed."""
        while self.outstanding:
            self.connection.drain_events(timeout=DRAIN_SECONDS)

    def _ack(self, tag: int, multiple: bool) -> None:
        if multiple:
            self.outstanding = {number for number in self.outstanding if number > tag}
        else:
            self.outstanding.discard(tag)

    def _nack(self, tag: int, multiple: bool) -> None:
        raise BaselineFailed(f"the broker refused message {tag} (multiple: {multiple})")


def persistent(body: bytes) -> amqp.Message:
    return amqp.Message(body, delivery_mode=2, content_type="application/json")


def ready(channel: amqp.Channel, queue: str) -> int:
    # Exact (the queue itself answers), but counts only messages ready, not those delivered and unacknowledged.
    return int(channel.queue_declare(queue, passive=True).message_count)


def publish_confirmed(confirms: Confirms, bodies: list[bytes], publish: Callable[[bytes], object]) -> None:
    """Publish every body, waiting for the broker's confirms after each PUBLISH_CHUNK and at the end."""
    for body in bodies:
        publish(body)
        if confirms.sent() % PUBLISH_CHUNK == 0:
            confirms.wait()
    confirms.wait()
