"""Publishing declaration messages as an upstream system does: plain JSON bodies, persistent, confirmed."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from kombu.connection import Connection

from assigner.broker import topology
from assigner.broker.connection import connect, reach
from assigner.broker.publishing import Outgoing, Publisher
from assigner.settings import Settings

CHUNK = 500
ACCESS_REFUSED = 403


def publish_declarations(
    settings: Settings, bodies: Iterable[bytes], sent_so_far: Callable[[int], None] = lambda count: None
) -> int:
    """Publish message bodies to assigner.declarations in chunks, each confirmed by the broker before the
    next; `sent_so_far` hears each chunk's size. Returns how many were sent."""
    sent = 0
    with connect(settings) as connection:
        reach(connection, settings)
        _declare_if_allowed(connection, settings)
        publisher = Publisher(connection)
        chunk: list[Outgoing] = []
        for body in bodies:
            chunk.append(Outgoing(body, topology.DECLARATIONS))
            if len(chunk) == CHUNK:
                sent += _send(publisher, chunk, sent_so_far)
        sent += _send(publisher, chunk, sent_so_far)
    return sent


def _declare_if_allowed(connection: Connection, settings: Settings) -> None:
    """Declare assigner.declarations when the login may (the embedded broker, a test bench): an upstream's
    login may only write to it (README's permissions), and the worker declares it. On a channel of its own,
    which RabbitMQ closes when it refuses."""
    channel = connection.channel()
    try:
        topology.queue(topology.DECLARATIONS, settings.queue_type)(channel).declare()
    except connection.channel_errors as error:
        if getattr(error, "code", None) != ACCESS_REFUSED:
            raise
    finally:
        try:
            channel.close()
        except connection.channel_errors + connection.connection_errors:  # closed by the broker already
            pass


def _send(publisher: Publisher, chunk: list[Outgoing], sent_so_far: Callable[[int], None]) -> int:
    publisher.publish(chunk)
    count = len(chunk)
    sent_so_far(count)
    chunk.clear()
    return count
