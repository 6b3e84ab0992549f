"""Units' rosters as read at their versions, and kept by a worker process between batches.

Why a batch that uses a kept roster gives exactly the turns it would give reading it afresh (rule 2), on
PostgreSQL, read committed:
1. Every write that changes what is kept here (memberships and positions, officers' `active`, absences and their
   ends) bumps, in its own transaction, the unit's `roster_version` (on its cursor row) or the officers' version
   (roster_versions.py lists them; the tests in test_roster_versions.py cover each). A write is committed with
   its bump or not at all, and versions only grow.
2. A batch locks its units (advisory lock, then their cursor rows FOR UPDATE), then reads the officers'
   version. The unit's version it got is the latest committed, and stays so until the batch ends: a unit-wide
   write must update that row, so it waits for the batch (the roster import and the absence commands also
   take the unit's advisory lock first).
3. A roster is kept only when read by a batch holding the lock that changed no roster itself (so nothing it
   read is uncommitted), under the versions it read before reading the roster. What it read is therefore the
   state at those versions, or newer: an officer-wide write that committed in between has bumped the officers'
   version past the key, which no batch reads again.
4. A batch uses a kept roster only when the key equals the versions it read in (2). Then no write of (1)
   committed since the roster was read, and none to the unit can commit before the batch does: the kept
   roster is what a fresh read would return. (An officer-wide change committed while the batch runs, by a
   writer not holding this unit's lock, is missed as a fresh read taken a moment earlier would miss it.)
5. Absences are kept with their `until` and judged against each batch's own `now`, as the query did.
On SQLite every transaction is BEGIN IMMEDIATE: one at a time, the same argument without the races.
A new database connection (a restart, a failover) forgets everything kept: a standby promoted without the last
commits could otherwise show a version again with another roster.
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
