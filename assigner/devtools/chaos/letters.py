"""Reading the dead letters a chaos run left: each one's message_id and its x-assigner-error reason."""

from __future__ import annotations

from datetime import datetime

from assigner.broker import topology
from assigner.broker.connection import connect
from assigner.devtools.chaos.verdict import Letter
from assigner.settings import Settings


def read_dead_letters(settings: Settings) -> list[Letter]:
    """Take every message off assigner.declarations.dlq (acknowledged: the world is removed next)."""
    letters = []
    with connect(settings) as connection:
        connection.ensure_connection(max_retries=3)
        channel = connection.channel()
        while (message := channel.basic_get(topology.DECLARATIONS_DLQ, no_ack=True)) is not None:
            headers = message.headers or {}
            reason, at = headers.get(topology.ERROR_HEADER), headers.get(topology.DEAD_LETTERED_AT_HEADER)
            letters.append(Letter(message.properties.get("message_id"), None if reason is None else str(reason),
                                  datetime.fromisoformat(str(at)).timestamp() if at else None))
    return letters
