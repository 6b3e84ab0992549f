"""Units' cursor rows, as a batch saves them: in one statement however many units (lookups.one_of reads them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, text, update
from sqlalchemy.orm import Session

from assigner.storage.tables import CursorRow
from assigner.storage.types import UtcDateTime

# Every moved cursor of a batch in one UPDATE (PostgreSQL), from arrays: one statement, not one per unit.
_SAVE_CURSORS = text(
    "UPDATE rotation_cursors AS c SET position = v.position, turn = v.turn, updated_at = :now "
    "FROM unnest(CAST(:ids AS bigint[]), CAST(:positions AS integer[]), CAST(:turns AS integer[])) "
    "AS v(unit_id, position, turn) WHERE c.unit_id = v.unit_id"
).bindparams(bindparam("now", type_=UtcDateTime()))


def save_cursors(session: Session, moved: Sequence[tuple[int, int, int]], now: datetime) -> None:
    """Store cursors (unit id, position, turn) the transaction holds locked."""
    if not moved:
        return
    if session.get_bind().dialect.name == "postgresql":
        ids, positions, turns = (list(column) for column in zip(*moved))
        session.execute(_SAVE_CURSORS, {"ids": ids, "positions": positions, "turns": turns, "now": now})
        return
    cursors = cast(Table, CursorRow.__table__)
    statement = update(cursors).where(cursors.c.unit_id == bindparam("cursor_unit"))
    values = [{"cursor_unit": unit, "position": pos, "turn": turn, "updated_at": now} for unit, pos, turn in moved]
    session.execute(statement, values)  # SQLite: an executemany in process
