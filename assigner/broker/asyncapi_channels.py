"""The channels of the AsyncAPI document (assigner.broker.asyncapi): the queues and exchanges of
assigner.broker.topology, each with the one operation a client does on it, and who may do it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from assigner.broker import topology
from assigner.broker.command_keys import SIGNATURE_HEADER
from assigner.schemas.event import DeclarationEvent
from assigner.schemas.kinds import Route

AMQP_BINDING_VERSION = "0.3.0"
PERSISTENT = 2


@dataclass(frozen=True)
class Operation:
    """What a client does on a channel: `send` (publish to it) or `receive` (consume from it)."""

    name: str
    action: Literal["send", "receive"]
    title: str
    description: str
    binding: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Channel:
    """A queue, or a routing key on an exchange, and its operation; parameters name the address's {parts}."""

    name: str
    address: str
    title: str
    description: str
    binding: dict[str, Any]
    operation: Operation
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)


def _queue(name: str) -> dict[str, Any]:
    return {"is": "queue", "queue": {"name": name, "durable": True, "exclusive": False, "autoDelete": False}}


def _exchange(name: str, kind: str) -> dict[str, Any]:
    return {"is": "routingKey", "exchange": {"name": name, "type": kind, "durable": True, "autoDelete": False}}


def _sending(user_id: str | None = None) -> dict[str, Any]:
    binding: dict[str, Any] = {"deliveryMode": PERSISTENT}
    if user_id is not None:
        binding["userId"] = user_id
    return binding


_RECEIVING = {"ack": True}
_EVENT_NAME = {"description": "the event's name", "location": "$message.payload#/event"}

_COMMANDS_RULE = (
    f"Publish it persistent (delivery mode 2), `application/json`, with the AMQP property `user_id` set to your own "
    f"RabbitMQ user, which must be the command's `issued_by` (a supervisor's user is named as their officer id): "
    f"RabbitMQ checks that `user_id` is the connection's user, and the command is carried out only if `issued_by` "
    f"supervises every unit it touches. Otherwise it is refused, audited and dead-lettered to "
    f"`{topology.COMMANDS_DLQ}`. On the embedded broker, which vouches for nobody, a command instead carries the "
    f"header `{SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of the exact body bytes>` made with the supervisor's key, "
    f"and `issued_at`. `command_id` makes a command idempotent; the answer is the event `command.accepted` or "
    f"`command.rejected` on `{topology.EVENTS}`."
)

DECLARATIONS = Channel(
    "declarations",
    topology.DECLARATIONS,
    "Declarations",
    f"The queue `{topology.DECLARATIONS}`: declaration messages from upstream systems, published to the default "
    f"exchange with the queue's name as routing key; and check-completed messages (AMQP property `type` "
    f"`check.completed`), by which the clearance system ends a declaration's legal clock.",
    _queue(topology.DECLARATIONS),
    Operation(
        "sendDeclaration",
        "send",
        "Send a declaration",
        "An upstream system publishes each declaration persistent (delivery mode 2), `application/json`, UTF-8. "
        "Who may send: a RabbitMQ user with write on the default exchange (`amq.default`). When the setting "
        "`declaration_senders` (`ASSIGNER_DECLARATION_SENDERS`, a JSON list of AMQP users) names any, a declaration "
        "is taken only if its AMQP property `user_id` is one of them (RabbitMQ checks that `user_id` is the "
        "connection's user); one with another `user_id`, or none, is dead-lettered with the reason. Empty (the "
        "default): anyone who may publish to the queue.",
        _sending(),
    ),
)
COMMANDS_EXCHANGE = Channel(
    "commandsExchange",
    topology.COMMANDS,
    "Commands, through their exchange",
    f"The direct exchange `{topology.COMMANDS_EXCHANGE}`, bound to the queue `{topology.COMMANDS}` with the "
    f"routing key `{topology.COMMANDS}` (any other routing key reaches no queue): commands' own way in, so that a "
    f"supervisor's RabbitMQ user needs write here and not on the default exchange, which reaches every queue.",
    _exchange(topology.COMMANDS_EXCHANGE, "direct"),
    Operation(
        "sendCommand",
        "send",
        "Send a supervisor's command",
        f"A supervisor (their tool, the console, `assigner command`) publishes to the exchange "
        f"`{topology.COMMANDS_EXCHANGE}` with routing key `{topology.COMMANDS}`. {_COMMANDS_RULE}",
        _sending(user_id="$message.payload#/issued_by"),
    ),
)
COMMANDS = Channel(
    "commands",
    topology.COMMANDS,
    "Commands, straight to their queue",
    f"The queue `{topology.COMMANDS}`. Commands reach it through the exchange `{topology.COMMANDS_EXCHANGE}` or, as "
    f"before that exchange, through the default exchange with the queue's name as routing key. A message bound "
    f"into it from any other exchange (say `{topology.EVENTS}`) is no command: it is dead-lettered, unanswered.",
    _queue(topology.COMMANDS),
    Operation(
        "sendCommandToQueue",
        "send",
        "Send a supervisor's command through the default exchange",
        f"As sendCommand, with the same messages and rules (`user_id` = `issued_by`, or the signature on the "
        f"embedded broker), for a sender allowed to write on the default exchange (existing senders), with routing "
        f"key `{topology.COMMANDS}`.",
        _sending(user_id="$message.payload#/issued_by"),
    ),
)
DECLARATION_EVENTS = Channel(
    "declarationEvents",
    "{event}.{customs_office}.{department}",
    "Events about a declaration",
    f"The topic exchange `{topology.EVENTS}`, one persistent JSON event per outcome about a declaration, with "
    f"routing key: the event's name, then the office, then the department (e.g. `declaration.assigned.01B1.00`). "
    f"Bind a queue of your own with a pattern: `declaration.#` for every one, `declaration.*.01B1.*` for an "
    f"office's. Each carries the AMQP properties `message_id` = `event_id` and `type` = the event's name; a "
    f"redelivered message may publish its event again with the same `event_id` (at least once), never a second "
    f"assignment.",
    _exchange(topology.EVENTS, "topic"),
    Operation(
        "receiveDeclarationEvents",
        "receive",
        "Receive the events about declarations",
        "A downstream system consumes them from a queue of its own bound to the exchange; it acknowledges each "
        "after handling it, and takes an `event_id` seen before as a repeat.",
        _RECEIVING,
    ),
    {
        "event": _EVENT_NAME,
        "customs_office": {
            "description": "the declaration's customs office code",
            "examples": ["01B1"],
            "location": "$message.payload#/customs_office",
        },
        "department": {
            "description": "the declaration's department code",
            "examples": ["00"],
            "location": "$message.payload#/department",
        },
    },
)
NAMED_EVENTS = Channel(
    "namedEvents",
    "{event}",
    "Events about no one declaration",
    f"The topic exchange `{topology.EVENTS}`, events about no one declaration (the answers to commands, the audit "
    f"chain's heads), with the event's name alone as routing key (e.g. `command.accepted`, `audit.sealed`). Each "
    f"carries the AMQP properties "
    f"`message_id` = `event_id` and `type` = the event's name.",
    _exchange(topology.EVENTS, "topic"),
    Operation(
        "receiveNamedEvents",
        "receive",
        "Receive the events about no one declaration",
        "A supervisor's tool waiting for its command's answer binds a queue of its own to `command.*`; an auditor "
        "keeping the chain's heads, to `audit.*`.",
        _RECEIVING,
    ),
    {"event": _EVENT_NAME},
)
DECLARATIONS_DLQ = Channel(
    "declarationsDeadLetters",
    topology.DECLARATIONS_DLQ,
    "Declarations' dead letters",
    f"The queue `{topology.DECLARATIONS_DLQ}`: the messages of `{topology.DECLARATIONS}` that can never be "
    f"processed (not JSON, JSON no database can store, failing the schema, an invalid code, a sender not among "
    f"`declaration_senders`, a body over `max_message_bytes`), each as received, with `{topology.ERROR_HEADER}` "
    f"saying why.",
    _queue(topology.DECLARATIONS_DLQ),
    Operation(
        "receiveDeclarationDeadLetters",
        "receive",
        "Receive the declarations that can never be processed",
        "An operator or the upstream's maintainers read them, fix the cause and send again.",
        _RECEIVING,
    ),
)
COMMANDS_DLQ = Channel(
    "commandsDeadLetters",
    topology.COMMANDS_DLQ,
    "Commands' dead letters",
    f"The queue `{topology.COMMANDS_DLQ}`: the messages of `{topology.COMMANDS}` that are no command the worker may "
    f"carry out (not JSON, failing the schema, a body over `max_message_bytes`, an unauthenticated or unauthorised "
    f"sender, bound in from another exchange), each as received, with `{topology.ERROR_HEADER}` saying why.",
    _queue(topology.COMMANDS_DLQ),
    Operation(
        "receiveCommandDeadLetters",
        "receive",
        "Receive the messages refused as commands",
        "An operator reads them, with the audit trail of the refusal.",
        _RECEIVING,
    ),
)

CHANNELS: tuple[Channel, ...] = (
    DECLARATIONS,
    COMMANDS_EXCHANGE,
    COMMANDS,
    DECLARATION_EVENTS,
    NAMED_EVENTS,
    DECLARATIONS_DLQ,
    COMMANDS_DLQ,
)
DEAD_LETTER_CHANNELS = (DECLARATIONS_DLQ, COMMANDS_DLQ)


def channels_of(route: Route, model: type[object]) -> tuple[Channel, ...]:
    """The channels a message of this route and model travels on."""
    if route is Route.DECLARATIONS:
        return (DECLARATIONS,)
    if route is Route.COMMANDS:
        return (COMMANDS_EXCHANGE, COMMANDS)
    if route is Route.EVENTS:
        return (DECLARATION_EVENTS,) if issubclass(model, DeclarationEvent) else (NAMED_EVENTS,)
    raise ValueError(f"route {route}: no channel yet (add one to CHANNELS and here)")
