"""Sending a supervisor command as an admin tool would: on RabbitMQ with user_id, on the embedded broker signed."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kombu.connection import Connection
from kombu.entity import Queue
from kombu.message import Message
from kombu.messaging import Consumer

from assigner.broker import topology
from assigner.broker.command_keys import SIGNATURE_HEADER
from assigner.broker.connection import connect, is_embedded, reach
from assigner.broker.publishing import Outgoing, Publisher, json_body
from assigner.domain.authentication import sign
from assigner.domain.errors import InvalidInput
from assigner.schemas.command import parse_command
from assigner.schemas.declaration import InvalidMessage
from assigner.settings import Settings


def broker_user(settings: Settings) -> str | None:
    """The user the broker URL logs in as (None on the embedded broker)."""
    if is_embedded(settings):
        return None
    return str(Connection(settings.broker_url).userid or "") or None


def command_payload(
    name: str, issued_by: str, now: datetime, command_id: str | None = None, reason: str | None = None, **fields: Any
) -> dict[str, Any]:
    """A command's body as the contract has it (a new UUID for its id unless given), issued now; InvalidInput
    says what is wrong with it."""
    payload: dict[str, Any] = {
        "command_id": command_id or str(uuid.uuid4()),
        "command": name,
        "issued_by": issued_by,
        "issued_at": now.isoformat(),
        **fields,
    }
    if reason is not None:
        payload["reason"] = reason
    try:
        parse_command(payload)
    except InvalidMessage as error:
        raise InvalidInput(f"{name}: {error}") from error
    return payload


def command_message(settings: Settings, payload: dict[str, Any]) -> Outgoing:
    """The command's message: user_id = the connection's user (RabbitMQ), or signed with issued_by's key."""
    body = json_body(payload)
    if not is_embedded(settings):  # through the commands' own exchange: a supervisor needs no write on amq.default
        return Outgoing(
            body, topology.COMMANDS, exchange=topology.COMMANDS_EXCHANGE, properties={"user_id": broker_user(settings)}
        )
    issued_by = str(payload["issued_by"])
    key = settings.supervisor_keys().get(issued_by)
    if key is None:
        raise InvalidInput(
            f"no command key for '{issued_by}': add it to the command keys file "
            "(assigner command key) or to ASSIGNER_COMMAND_KEYS"
        )
    return Outgoing(body, topology.COMMANDS, headers={SIGNATURE_HEADER: sign(body, key)})


ANSWERS_PREFIX = "assigner.answers."


@dataclass(frozen=True)
class Answer:
    """The worker's answer to a command: command.accepted, or command.rejected and why."""

    accepted: bool
    reason: str | None


def send_command(settings: Settings, payload: dict[str, Any], wait: float | None = None) -> Answer | None:
    """Publish one command to assigner.commands (on RabbitMQ through the exchange of that name), persistent and
    confirmed by the broker; with `wait`, then wait up to that many seconds for its answer on assigner.events
    (None if none came in time).

    The answer is read from a queue of this call's own, bound to the command events before the command is
    published: on RabbitMQ the user needs the configure and read permissions on `assigner.answers.*`
    and the read permission on assigner.events."""
    message = command_message(settings, payload)
    with connect(settings) as connection:
        reach(connection, settings)
        if is_embedded(settings):  # on RabbitMQ the worker declares it; a supervisor's user may only write
            topology.queue(topology.COMMANDS, settings.queue_type)(connection.default_channel).declare()
        answers = _answer_queue(connection, settings) if wait is not None else None  # bound before publishing
        try:
            Publisher(connection).publish([message])
            return _answer(connection, answers, str(payload["command_id"]), wait) if answers and wait else None
        finally:
            if answers is not None and is_embedded(settings):  # RabbitMQ drops an exclusive queue itself
                answers.delete()


def _answer_queue(connection: Connection, settings: Settings) -> Queue:
    """A queue of this sender's own (`assigner.answers.<random>`), bound to command.accepted and
    command.rejected; on RabbitMQ exclusive, so the broker drops it with the connection."""
    name = f"{ANSWERS_PREFIX}{uuid.uuid4().hex}"
    queue = Queue(
        name,
        topology.events_exchange(),
        routing_key="command.*",
        durable=False,
        exclusive=not is_embedded(settings),
        auto_delete=not is_embedded(settings),
    )
    bound = queue(connection.default_channel)
    if is_embedded(settings):
        bound.declare()
    else:  # the worker declares assigner.events; a supervisor's user may not (no configure permission on it)
        bound.queue_declare()
        bound.queue_bind()
    return bound


def _answer(connection: Connection, queue: Queue, command_id: str, wait: float) -> Answer | None:
    found: list[Answer] = []

    def take(body: Any, message: Message) -> None:
        event = body if isinstance(body, dict) else json.loads(body)
        if event.get("command_id") == command_id:
            found.append(Answer(event.get("event") == "command.accepted", event.get("reason")))
        message.ack()

    deadline = time.monotonic() + wait
    with Consumer(connection, [queue], callbacks=[take], accept=["json"], auto_declare=False):
        while not found and time.monotonic() < deadline:
            try:
                connection.drain_events(timeout=min(1.0, max(deadline - time.monotonic(), 0.01)))
            except TimeoutError:
                continue
    return found[0] if found else None
