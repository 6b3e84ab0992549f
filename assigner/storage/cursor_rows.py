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
    "UPDATE rotation_cursors AS c SET position = v.position, turn = v.turn, mode = v.mode, served = v.served, "
    "updated_at = :now FROM unnest(CAST(:ids AS bigint[]), CAST(:positions AS integer[]), "
    "CAST(:turns AS integer[]), CAST(:modes AS text[]), CAST(:served AS text[])) "
    "AS v(unit_id, position, turn, mode, served) WHERE c.unit_id = v.unit_id"
).bindparams(bindparam("now", type_=UtcDateTime()))


def save_cursors(session: Session, moved: Sequence[tuple[int, int, int, str, str]], now: datetime) -> None:
    """Store cursors (unit id, position, turn, mode state, served this round as JSON) the transaction holds
    locked."""
    if not moved:
        return
    if session.get_bind().dialect.name == "postgresql":
        ids, positions, turns, modes, served = (list(column) for column in zip(*moved))
        arrays = {"ids": ids, "positions": positions, "turns": turns, "modes": modes, "served": served, "now": now}
        session.execute(_SAVE_CURSORS, arrays)
        return
    cursors = cast(Table, CursorRow.__table__)
    statement = update(cursors).where(cursors.c.unit_id == bindparam("cursor_unit"))
    values = [
        {"cursor_unit": unit, "position": pos, "turn": turn, "mode": mode, "served": served, "updated_at": now}
        for unit, pos, turn, mode, served in moved
    ]
    session.execute(statement, values)  # SQLite: an executemany in process
