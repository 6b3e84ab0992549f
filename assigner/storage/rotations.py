"""Loading and locking units' rotations; saving their cursors."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from functools import cache

from sqlalchemy import select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from assigner.domain.draws import Drawer, ModeState
from assigner.domain.groups import GroupSettings
from assigner.domain.model import Channel, Unit
from assigner.domain.rotation import Rotation
from assigner.storage.cursor_rows import save_cursors
from assigner.storage.draw_keys import DrawKeyStore
from assigner.storage.lookups import one_of
from assigner.storage.roster_cache import KeptRoster, RosterCache, RosterKey, read_rosters
from assigner.storage.roster_versions import officers_version, wrote_rosters
from assigner.storage.tables import CursorRow, UnitRow
from assigner.storage.unit_locks import lock_units

_CURSOR_COLUMNS = (
    CursorRow.unit_id,
    CursorRow.position,
    CursorRow.turn,
    CursorRow.roster_version,
    CursorRow.mode,
    CursorRow.served,
)
# Read with the cursor each batch: nothing in the code changes them, so an administrator's change must count.
_SETTINGS = (
    UnitRow.customs_office,
    UnitRow.department,
    UnitRow.auto_channels,
    UnitRow.keep_branch_groups,
    UnitRow.keep_container_groups,
)

_UNIT_COLUMNS = (UnitRow.id, *_SETTINGS)


def _as_named(found: list[tuple[int, str, str]], by_id: dict[int, Unit]) -> bool:
    """Whether the units read (id, office, department) are those asked for by id, each of them (a unit is
    never deleted)."""
    return len(found) == len(by_id) and all(Unit(office, dept) == by_id[id_] for id_, office, dept in found)


@cache
def parse_channels(text: str) -> frozenset[Channel]:
    """A unit's auto-assigned channels, stored as 'yellow' or 'yellow,red'."""
    return frozenset(Channel(name) for name in text.split(",") if name)


class RotationStore:
    """Units' rotations as the domain sees them."""

    def __init__(self, session: Session, cache: RosterCache | None = None, keys: DrawKeyStore | None = None) -> None:
        self.session = session
        self.cache = cache  # the process's kept rosters; None: every roster read afresh
        self.keys = keys  # the days' keys, for units that draw their turns
        self._drawer: Drawer | None = None  # this transaction's: read at its first draw, the same for every draw
        self._loaded: dict[Unit, tuple[int, int]] = {}  # unit -> (unit id, turn as loaded)

    def all_units(self, customs_office: str | None = None, department: str | None = None) -> list[Unit]:
        """Every stored unit, optionally of one office and/or department."""
        query = select(UnitRow.customs_office, UnitRow.department).order_by(UnitRow.customs_office, UnitRow.department)
        if customs_office:
            query = query.where(UnitRow.customs_office == customs_office)
        if department:
            query = query.where(UnitRow.department == department)
        return [Unit(office, dept) for office, dept in self.session.execute(query)]

    def unit_rows(self, units: Iterable[Unit]) -> dict[Unit, Row[int, str, str, str, bool, bool]]:
        """The stored units among those given: the columns a rotation needs, as plain rows (no ORM objects)."""
        wanted = set(units)
        if not wanted:
            return {}
        # By office, one bound list, then the departments here: a pair-wise IN of hundreds of units costs
        # more to build and plan than the few extra rows it saves.
        offices = sorted({unit.customs_office for unit in wanted})
        rows = self.session.execute(select(*_UNIT_COLUMNS).where(UnitRow.customs_office.in_(offices)))
        found = {Unit(row.customs_office, row.department): row for row in rows}
        return {unit: row for unit, row in found.items() if unit in wanted}

    def lock(self, units: Iterable[Unit], now: datetime) -> dict[Unit, Rotation]:
        """Lock the known units' cursors in unit-id order (no deadlocks) and load their rotations; those that
        draw their turns read the day's key and the chain's head at their first draw, the locks held."""
        rotations = self.load(units, now, lock=True)
        for rotation in rotations.values():
            if rotation.drawn:
                rotation.drawer = lambda: self._drawer_at(now)
        return rotations

    def _drawer_at(self, now: datetime) -> Drawer:
        if self._drawer is None:
            if self.keys is None:
                raise RuntimeError("units draw their turns, and this unit of work has no keys")
            self._drawer = self.keys.drawer(now)
        return self._drawer

    def load(self, units: Iterable[Unit], now: datetime, lock: bool = False) -> dict[Unit, Rotation]:
        """The known units' rotations as of `now`; with `lock`, every unit named is locked, known or not.

        Rosters come from the process's cache when kept at the versions read here (roster_cache.py says why
        that is exact); those read afresh are kept only when read under the lock."""
        units = set(units)
        if lock:
            lock_units(self.session, units)
        kept_ids = set(self.cache.unit_ids) & units if self.cache is not None else set()
        by_id = {unit_id: unit for unit, unit_id in self._unit_ids(units).items()}
        fresh_ids = not kept_ids
        if not by_id:
            return {}
        query = select(*_CURSOR_COLUMNS, *_SETTINGS).join(UnitRow, UnitRow.id == CursorRow.unit_id)
        query = query.where(one_of(self.session, CursorRow.unit_id, by_id)).order_by(CursorRow.unit_id)
        cursors = self.session.execute(query.with_for_update(of=CursorRow) if lock else query).all()
        if (
            self.cache is not None
            and self.cache.unit_ids
            and not fresh_ids
            and not _as_named([(row.unit_id, row.customs_office, row.department) for row in cursors], by_id)
        ):
            # Ids kept from another database than this one (emptied, replaced): start again, once. With ids just
            # read, a unit still missing has no cursor row (a hand edit): it is not loaded, as without the cache.
            self.cache.clear()
            return self.load(units, now, lock)
        rosters = self._rosters({row.unit_id: row.roster_version for row in cursors}, keep=lock)
        rotations = {}
        for row in cursors:
            unit = by_id[row.unit_id]
            groups = GroupSettings(row.keep_branch_groups, row.keep_container_groups)
            roster = rosters[row.unit_id].at(now)
            channels = parse_channels(row.auto_channels)
            state = ModeState(row.mode)
            served = frozenset(json.loads(row.served)) if state is not ModeState.SEQUENTIAL else frozenset()
            rotations[unit] = Rotation(unit, roster, row.position, row.turn, channels, groups, state, served)
            self._loaded[unit] = (row.unit_id, row.turn)
        return rotations

    def _unit_ids(self, units: set[Unit]) -> dict[Unit, int]:
        """The stored units' ids: those the process knows (a unit's id never changes), the others read."""
        known = self.cache.unit_ids if self.cache is not None else {}
        ids = {unit: unit_id for unit in units if (unit_id := known.get(unit)) is not None}  # another thread may clear
        keep = self.cache is not None and not wrote_rosters(self.session)  # not a unit made in this transaction
        for unit, row in self.unit_rows(units - ids.keys()).items():
            ids[unit] = row.id
            if keep:
                known[unit] = row.id
        return ids

    def _rosters(self, versions: dict[int, int], keep: bool) -> dict[int, KeptRoster]:
        """The units' rosters (by unit id: its roster version just read): kept ones at those versions, the others
        read (and kept)."""
        cache = None if self.cache is None or wrote_rosters(self.session) else self.cache
        if cache is None:
            return read_rosters(self.session, versions)
        officers = officers_version(self.session)
        rosters: dict[int, KeptRoster] = {}
        missed: dict[int, RosterKey] = {}
        for unit_id, version in versions.items():
            key = (version, officers)
            kept = cache.get(unit_id, key)
            if kept is None:
                missed[unit_id] = key
            else:
                rosters[unit_id] = kept
        read = read_rosters(self.session, missed)
        for unit_id, roster in read.items():
            if keep:
                cache.put(unit_id, missed[unit_id], roster)
            rosters[unit_id] = roster
        return rosters

    def move_cursor(self, unit: Unit, position: int, now: datetime) -> None:
        """Put a locked unit's cursor at a position (its roster changed); the turn counter stays."""
        unit_id, _ = self._loaded[unit]
        self.session.execute(
            update(CursorRow).where(CursorRow.unit_id == unit_id).values(position=position, updated_at=now)
        )

    def save(self, rotations: Iterable[Rotation], now: datetime) -> None:
        """Store the cursors of locked rotations whose turn counter moved, in one statement however many."""
        moved = []
        for rotation in rotations:
            unit_id, loaded_turn = self._loaded[rotation.unit]
            if rotation.turn == loaded_turn:
                continue
            self._loaded[rotation.unit] = (unit_id, rotation.turn)
            served = json.dumps(sorted(rotation.served))
            moved.append((unit_id, rotation.position, rotation.turn, rotation.state.value, served))
        save_cursors(self.session, moved, now)

    def any_drawn(self) -> bool:
        """Whether some unit draws its turns."""
        query = select(CursorRow.unit_id).where(CursorRow.mode != ModeState.SEQUENTIAL.value).limit(1)
        return self.session.scalar(query) is not None

    def set_mode(self, unit: Unit, state: ModeState, served: frozenset[str], now: datetime) -> None:
        """Set a locked unit's mode state and who its round has served (domain/draws.switched)."""
        unit_id, _ = self._loaded[unit]
        values = {"mode": state.value, "served": json.dumps(sorted(served)), "updated_at": now}
        self.session.execute(update(CursorRow).where(CursorRow.unit_id == unit_id).values(**values))
