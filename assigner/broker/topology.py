"""The queues and exchange of CONTRACT.md, declared by the worker at start (all durable)."""

from __future__ import annotations

from kombu.connection import Connection
from kombu.entity import Exchange, Queue

DECLARATIONS = "assigner.declarations"
COMMANDS = "assigner.commands"
DECLARATIONS_DLQ = "assigner.declarations.dlq"
COMMANDS_DLQ = "assigner.commands.dlq"
EVENTS = "assigner.events"
ERROR_HEADER = "x-assigner-error"
DEFAULT_EXCHANGE = Exchange("", type="direct")


def events_exchange() -> Exchange:
    """The topic exchange events go to; routing key = event name, office, department."""
    return Exchange(EVENTS, type="topic", durable=True)


def queue(name: str, queue_type: str = "classic") -> Queue:
    """A durable queue fed through the default exchange (routing key = its name)."""
    arguments = {"x-queue-type": queue_type} if queue_type == "quorum" else None
    return Queue(name, DEFAULT_EXCHANGE, routing_key=name, durable=True, queue_arguments=arguments)


def declare(connection: Connection, queue_type: str = "classic", events_queue: str | None = None) -> None:
    """Declare the contract's queues and exchange; bind `events_queue` (if any) to every event."""
    channel = connection.default_channel
    events_exchange().declare(channel=channel)
    for name in (DECLARATIONS, DECLARATIONS_DLQ, COMMANDS, COMMANDS_DLQ):
        queue(name, queue_type)(channel).declare()
    if events_queue:
        Queue(events_queue, events_exchange(), routing_key="#", durable=True)(channel).declare()


def depth(connection: Connection, name: str) -> int:
    """How many messages wait in a queue (declared if missing)."""
    declared = Queue(name, DEFAULT_EXCHANGE, routing_key=name, durable=True)(connection.default_channel)
    result = declared.queue_declare(passive=True)
    return int(result.message_count)


def depth_if_declared(connection: Connection, name: str) -> int | None:
    """How many messages wait in a queue; None if nobody declared it (on a channel of its own: RabbitMQ closes it)."""
    channel = connection.channel()
    try:
        declared = Queue(name, DEFAULT_EXCHANGE, routing_key=name, durable=True)(channel)
        return int(declared.queue_declare(passive=True).message_count)
    except connection.channel_errors:
        return None
    finally:
        try:
            channel.close()
        except connection.channel_errors + connection.connection_errors:  # closed by the broker already
            pass
