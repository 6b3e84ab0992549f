"""Sending a supervisor command as an admin tool would: on RabbitMQ with user_id, on the embedded broker signed."""

from __future__ import annotations

from typing import Any

from kombu.connection import Connection

from assigner.broker.authentication import SIGNATURE_HEADER
from assigner.domain.authentication import sign
from assigner.broker import topology
from assigner.broker.connection import connect, is_embedded
from assigner.broker.publishing import Outgoing, Publisher, json_body
from assigner.domain.errors import InvalidInput
from assigner.settings import Settings


def broker_user(settings: Settings) -> str | None:
    """The user the broker URL logs in as (None on the embedded broker)."""
    if is_embedded(settings):
        return None
    return str(Connection(settings.broker_url).userid or "") or None


def command_message(settings: Settings, payload: dict[str, Any]) -> Outgoing:
    """The command's message: user_id = the connection's user (RabbitMQ), or signed with issued_by's key."""
    body = json_body(payload)
    if not is_embedded(settings):
        return Outgoing(body, topology.COMMANDS, properties={"user_id": broker_user(settings)})
    issued_by = str(payload["issued_by"])
    key = settings.supervisor_keys().get(issued_by)
    if key is None:
        raise InvalidInput(f"no command key for '{issued_by}': add it to the command keys file "
                           "(assigner command key) or to ASSIGNER_COMMAND_KEYS")
    return Outgoing(body, topology.COMMANDS, headers={SIGNATURE_HEADER: sign(body, key)})


def send_command(settings: Settings, payload: dict[str, Any]) -> None:
    """Publish one command to assigner.commands, persistent and confirmed by the broker."""
    message = command_message(settings, payload)
    with connect(settings) as connection:
        connection.ensure_connection(max_retries=3)
        if is_embedded(settings):  # on RabbitMQ the worker declares it; a supervisor's user may only write
            topology.queue(topology.COMMANDS, settings.queue_type)(connection.default_channel).declare()
        Publisher(connection).publish([message])
