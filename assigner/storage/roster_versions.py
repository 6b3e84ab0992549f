"""Roster versions: what every write to a roster as a batch sees bumps, in the write's own transaction.

A batch sees, of each unit, its memberships (officer and position), its officers' `active` and the absences in
force there (see roster_cache.py). Each write that changes one of those calls one of these:
- a unit's memberships, or an absence from named units: `units_changed`, which adds 1 to those units' cursor
  rows (the row a batch locks), under the units' locks the writer already holds;
- an officer's `active`, an absence from every unit: `officers_changed`, which adds 1 to the one row of
  `officer_state`, so that it reaches every unit the officer is on, even one joined by a concurrent import.
Units' settings need none: a batch reads them with its cursor rows every time (RotationStore.load).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from assigner.storage.tables import CursorRow, OfficerStateRow

# In session.info: this transaction changed a roster, so what it reads of rosters is not (yet) committed.
_WROTE = "assigner.rosters_written"
_THE_ROW = 1


def units_changed(session: Session, unit_ids: Iterable[int]) -> None:
    """These units' rosters changed in this transaction: bump their versions."""
    ids = sorted(set(unit_ids))
    session.info[_WROTE] = True
    if ids:
        bump = CursorRow.roster_version + 1
        session.execute(update(CursorRow).where(CursorRow.unit_id.in_(ids)).values(roster_version=bump))


def officers_changed(session: Session) -> None:
    """Something of an officer that counts in every unit changed in this transaction: bump the officers' version."""
    session.info[_WROTE] = True
    # An upsert: the row is made by the first bump (a database emptied by hand has none).
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(OfficerStateRow).values(id=_THE_ROW, version=1)
    statement = statement.on_conflict_do_update(
        index_elements=[OfficerStateRow.id], set_={"version": OfficerStateRow.version + 1}
    )
    session.execute(statement)


def officers_version(session: Session) -> int:
    """The officers' version as committed (0 before the first bump)."""
    return session.scalar(select(func.coalesce(func.max(OfficerStateRow.version), 0))) or 0


def wrote_rosters(session: Session) -> bool:
    """Whether this transaction changed a roster (then what it reads of rosters is its own, uncommitted)."""
    return bool(session.info.get(_WROTE))
