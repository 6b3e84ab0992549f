"""Commands carried out or refused: what makes a command idempotent by its command_id."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from assigner.domain.commands import CommandHeader, Done
from assigner.storage.tables import CommandRow


class CommandStore:
    """Reads and writes the commands table."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def outcome(self, command_id: str) -> Done | None:
        """What became of a command already done, and its body; None if it is new."""
        row = self.session.execute(
            select(CommandRow.accepted, CommandRow.reason, CommandRow.body).where(CommandRow.command_id == command_id)
        ).first()
        return Done(row[0], row[1], row[2] or {}) if row else None

    def add(self, header: CommandHeader, rejected_because: str | None, body: dict[str, Any], now: datetime) -> None:
        """Remember a command and its outcome; a second insert of the same id waits, then fails (a race lost)."""
        self.session.execute(
            insert(CommandRow),
            [
                {
                    "command_id": header.command_id,
                    "command": header.name,
                    "issued_by": header.issued_by,
                    "accepted": rejected_because is None,
                    "reason": rejected_because,
                    "received_at": now,
                    "body": body,
                }
            ],
        )
