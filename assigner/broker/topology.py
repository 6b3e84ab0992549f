"""The queues and exchanges of docs/contract.md, declared by the worker at start (all durable)."""

from __future__ import annotations

from typing import Any

from kombu.connection import Connection
from kombu.entity import Exchange, Queue

DECLARATIONS = "assigner.declarations"
COMMANDS = "assigner.commands"
DECLARATIONS_DLQ = "assigner.declarations.dlq"
COMMANDS_DLQ = "assigner.commands.dlq"
EVENTS = "assigner.events"
# Commands' way in of their own, bound to the queue of the same name, so that a supervisor's RabbitMQ user may
# write here and not on the default exchange (which reaches every queue, assigner.declarations among them).
COMMANDS_EXCHANGE = "assigner.commands"
# assigner.declarations is read by every worker process, which forwards each declaration to the partition queue of
# its unit (customs office and department); each partition has one consumer at a time (single active consumer).
PARTITION_PREFIX = "assigner.declarations.partition."
# Set by a worker on what it forwards: the AMQP user that sent the message to assigner.declarations ("" for none).
SENDER_HEADER = "x-assigner-sender"
ERROR_HEADER = "x-assigner-error"
DEAD_LETTERED_AT_HEADER = "x-assigner-dead-lettered-at"
DEFAULT_EXCHANGE = Exchange("", type="direct")


def dead_letter_queue(queue: str) -> str:
    """Where a queue's messages that can never be processed go."""
    return {DECLARATIONS: DECLARATIONS_DLQ, COMMANDS: COMMANDS_DLQ}[queue]


def events_exchange() -> Exchange:
    """The topic exchange events go to; routing key = event name, office, department."""
    return Exchange(EVENTS, type="topic", durable=True)


def commands_exchange() -> Exchange:
    """The direct exchange commands may be published to, with routing key assigner.commands (the queue's binding).

    Direct, not fanout: a routing key a sender chose would reach the worker, and py-amqp cannot even read one
    that is not UTF-8 (the delivery would fail on every connection, for ever)."""
    return Exchange(COMMANDS_EXCHANGE, type="direct", durable=True)


def queue(name: str, queue_type: str = "classic") -> Queue:
    """A durable queue fed through the default exchange (routing key = its name)."""
    return Queue(name, DEFAULT_EXCHANGE, routing_key=name, durable=True, queue_arguments=_arguments(queue_type))


def private_queue(name: str) -> Queue:
    """A queue exclusive to the connection that declares it, dropped with it, never holding a message (whoever
    may publish to the default exchange could otherwise fill it); it lives on that connection's node."""
    return Queue(name, exclusive=True, auto_delete=True, durable=False, queue_arguments={"x-max-length": 0})


def partition_queue(number: int) -> str:
    """The name of declaration partition `number`."""
    return f"{PARTITION_PREFIX}{number}"


def partition(number: int, queue_type: str = "classic", declared: bool = True) -> Queue:
    """Declaration partition `number`: durable, fed through the default exchange, one active consumer at a time
    (the others wait to take over: RabbitMQ's single active consumer). `declared` False: one that exists,
    consumed as it is, never declared (its arguments may be another queue type's)."""
    name = partition_queue(number)
    arguments: dict[str, Any] = {**(_arguments(queue_type) or {}), "x-single-active-consumer": True}
    return Queue(
        name, DEFAULT_EXCHANGE, routing_key=name, durable=True, queue_arguments=arguments, no_declare=not declared
    )


def _arguments(queue_type: str) -> dict[str, str] | None:
    return {"x-queue-type": queue_type} if queue_type == "quorum" else None


def declare(
    connection: Connection,
    queue_type: str = "classic",
    events_queue: str | None = None,
    partitions: int = 0,
    events_binding: str = "#",
) -> None:
    """Declare the contract's queues and exchanges (the commands' one bound to their queue) and `partitions`
    declaration partitions; bind `events_queue` (if any, of the same type: a classic queue lives on one node of
    a cluster) to every event, or to those `events_binding` matches."""
    channel = connection.default_channel
    events_exchange().declare(channel=channel)
    commands_exchange().declare(channel=channel)
    for name in (DECLARATIONS, DECLARATIONS_DLQ, COMMANDS, COMMANDS_DLQ):
        queue(name, queue_type)(channel).declare()
    for number in range(partitions):
        partition(number, queue_type)(channel).declare()
    channel.queue_bind(COMMANDS, COMMANDS_EXCHANGE, routing_key=COMMANDS)
    if events_queue:
        Queue(events_queue, events_exchange(), events_binding, durable=True, queue_arguments=_arguments(queue_type))(
            channel
        ).declare()


def depth(connection: Connection, name: str) -> int:
    """How many messages wait in a queue (declared if missing)."""
    declared = Queue(name, DEFAULT_EXCHANGE, routing_key=name, durable=True)(connection.default_channel)
    result = declared.queue_declare(passive=True)
    return int(result.message_count)


def declared_queue(connection: Connection, name: str) -> Any:
    """A passive declare's answer (message_count: ready, consumer_count); None if nobody declared the queue.

    On a channel of its own, which RabbitMQ closes when the queue does not exist.
    """
    channel = connection.channel()
    try:
        return Queue(name, DEFAULT_EXCHANGE, routing_key=name, durable=True)(channel).queue_declare(passive=True)
    except connection.channel_errors:
        return None
    finally:
        try:
            channel.close()
        except connection.channel_errors + connection.connection_errors:  # closed by the broker already
            pass
