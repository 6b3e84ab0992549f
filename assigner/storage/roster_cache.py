"""Units' rosters as read at their versions, and kept by a worker process between batches.

Why a kept roster gives the same turns as one read afresh (rule 2 exactly), on PostgreSQL:
- A roster is kept under its key (the unit's `roster_version`, the officers' version): roster_versions.py lists
  the writes that bump one of them, in their own transaction, for every change of what is kept here.
- It is kept only when read by a batch that holds the unit's lock (advisory lock, then its cursor row FOR
  UPDATE) and changed no roster itself: the versions it read are committed ones, and the roster it read
  after them is what they name. A unit-wide write bumps the cursor row, so it cannot commit while that batch
  holds the row; an officer-wide write committed in between bumps the officers' version past the key, so
  that key is never read again (versions only grow) and the roster is read afresh.
- A batch uses a kept roster only if its key equals the versions it read after locking the cursor row: the
  unit's version is then the latest committed one and no write to that roster can commit before the batch
  does, so the roster is exactly what a fresh read would give, except officer-wide changes that commit while
  the batch runs, which a fresh read could miss as well.
- Absences are kept with their `until` and judged against each batch's own `now`, as the query did.
On SQLite every transaction is BEGIN IMMEDIATE: one at a time, the same argument without the races.
A new database connection (a restart, a failover) forgets everything kept: a standby promoted without the
last commits could otherwise show a version again with another roster.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, event, or_, select
from sqlalchemy.orm import Session

from assigner.domain.model import Unit
from assigner.domain.rotation import Eligibility, RosterSlot
from assigner.storage.tables import AbsenceRow, MembershipRow, OfficerRow

RosterKey = tuple[int, int]  # (the unit's roster version, the officers' version)


@dataclass
class KeptRoster:
    """A unit's roster in position order (inactive officers marked), and the absences not ended of its officers
    (officer, until; None: until brought back)."""

    slots: tuple[RosterSlot, ...]
    absences: tuple[tuple[str, datetime | None], ...] = ()
    _last: tuple[frozenset[str], tuple[RosterSlot, ...]] | None = field(default=None, repr=False)

    def at(self, now: datetime) -> tuple[RosterSlot, ...]:
        """The roster as of `now`: absent officers marked, unless inactive (that comes first)."""
        if not self.absences:
            return self.slots
        absent = frozenset(officer for officer, until in self.absences if until is None or until > now)
        if not absent:
            return self.slots
        if self._last is not None and self._last[0] == absent:
            return self._last[1]
        slots = tuple(
            RosterSlot(slot.officer_id, slot.position, Eligibility.ABSENT)
            if slot.officer_id in absent and slot.eligibility is Eligibility.ELIGIBLE
            else slot
            for slot in self.slots
        )
        self._last = (absent, slots)
        return slots


class RosterCache:
    """A worker process's kept rosters, by unit id; each valid at its key only."""

    def __init__(self) -> None:
        self._kept: dict[int, tuple[RosterKey, KeptRoster]] = {}
        self.unit_ids: dict[Unit, int] = {}  # stored units' ids: a unit keeps its id (units are never deleted)
        self.hits = 0  # rosters found kept at the key asked
        self.misses = 0  # rosters asked for and not kept at that key (then read)

    def get(self, unit_id: int, key: RosterKey) -> KeptRoster | None:
        """The roster kept for this unit at exactly this key, if any."""
        found = self._kept.get(unit_id)
        if found is not None and found[0] == key:
            self.hits += 1
            return found[1]
        self.misses += 1
        return None

    def put(self, unit_id: int, key: RosterKey, roster: KeptRoster) -> None:
        """Keep a roster read at `key` (replacing any other of the unit)."""
        self._kept[unit_id] = (key, roster)

    def clear(self) -> None:
        """Forget every kept roster and unit id."""
        self._kept.clear()
        self.unit_ids.clear()

    def __len__(self) -> int:
        return len(self._kept)


def forget_rosters_on_connect(engine: Engine, cache: RosterCache) -> None:
    """Clear the cache whenever the engine makes a new connection (its first, a restart, a failover)."""

    def forget(_dbapi_connection: Any, _record: Any) -> None:
        cache.clear()

    event.listen(engine, "connect", forget)


def read_rosters(session: Session, unit_ids: Iterable[int]) -> dict[int, KeptRoster]:
    """The rosters of these units as stored, in three set-based queries whatever their number."""
    ids = sorted(set(unit_ids))
    if not ids:
        return {}
    query = (
        select(MembershipRow.unit_id, MembershipRow.officer_id, MembershipRow.position, OfficerRow.active)
        .join(OfficerRow, OfficerRow.officer_id == MembershipRow.officer_id)
        .where(MembershipRow.unit_id.in_(ids))
        .order_by(MembershipRow.unit_id, MembershipRow.position)
    )
    slots: dict[int, list[RosterSlot]] = {unit_id: [] for unit_id in ids}
    for unit_id, officer_id, position, active in session.execute(query):
        eligibility = Eligibility.ELIGIBLE if active else Eligibility.INACTIVE
        slots[unit_id].append(RosterSlot(officer_id, position, eligibility))
    absences = _absences(session, ids)
    rosters = {}
    for unit_id, unit_slots in slots.items():
        members = {slot.officer_id for slot in unit_slots}
        mine = [(o, until) for o, until in absences[unit_id] + absences[None] if o in members]
        rosters[unit_id] = KeptRoster(tuple(unit_slots), tuple(mine))
    return rosters


def _absences(session: Session, unit_ids: list[int]) -> defaultdict[int | None, list[tuple[str, datetime | None]]]:
    # Not ended, whatever their `until`: each batch judges it against its own `now`. No `starts_at`: an absence
    # counts once committed, even for a transaction that took its `now` just before, waiting for the lock.
    query = select(AbsenceRow.unit_id, AbsenceRow.officer_id, AbsenceRow.until).where(
        or_(AbsenceRow.unit_id.in_(unit_ids), AbsenceRow.unit_id.is_(None)), AbsenceRow.ended_at.is_(None)
    )
    found: defaultdict[int | None, list[tuple[str, datetime | None]]] = defaultdict(list)
    for unit_id, officer_id, until in session.execute(query):
        found[unit_id].append((officer_id, until))
    return found
