"""Reading the dead letters a chaos run left: each one's queue, message_id and x-assigner-error reason."""

from __future__ import annotations

from datetime import datetime

from assigner.broker import topology
from assigner.broker.connection import connect, ensure_reached
from assigner.devtools.chaos.verdict import Letter
from assigner.settings import Settings

DEAD_LETTER_QUEUES = (topology.DECLARATIONS_DLQ, topology.COMMANDS_DLQ)


def read_dead_letters(settings: Settings) -> list[Letter]:
    """Take every message off both dead-letter queues (acknowledged: the world is removed next)."""
    letters = []
    with connect(settings) as connection:
        ensure_reached(connection)
        channel = connection.channel()
        for queue in DEAD_LETTER_QUEUES:
            while (message := channel.basic_get(queue, no_ack=True)) is not None:
                headers = message.headers or {}
                reason, at = headers.get(topology.ERROR_HEADER), headers.get(topology.DEAD_LETTERED_AT_HEADER)
                letters.append(
                    Letter(
                        message.properties.get("message_id"),
                        None if reason is None else str(reason),
                        datetime.fromisoformat(str(at)).timestamp() if at else None,
                        queue,
                    )
                )
    return letters
