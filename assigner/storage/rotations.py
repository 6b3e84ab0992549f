"""Loading and locking units' rotations; saving their cursors."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import cast

from sqlalchemy import Table, bindparam, or_, select, text, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from assigner.domain.groups import GroupSettings
from assigner.domain.model import Channel, Unit
from assigner.domain.rotation import Eligibility, RosterSlot, Rotation
from assigner.storage.tables import AbsenceRow, CursorRow, MembershipRow, OfficerRow, UnitRow


def unit_lock_key(unit: Unit) -> int:
    """A stable 64-bit key for a unit's PostgreSQL advisory lock."""
    digest = hashlib.blake2b(f"assigner.unit:{unit}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


# All of a batch's unit locks in one round trip, in the array's order: PostgreSQL calls a volatile
# function of the select list after the ORDER BY.
_LOCK_IN_ORDER = text(
    "SELECT pg_advisory_xact_lock(key) FROM unnest(CAST(:keys AS bigint[])) WITH ORDINALITY AS k(key, n) ORDER BY n"
)


_UNIT_COLUMNS = (
    UnitRow.id,
    UnitRow.customs_office,
    UnitRow.department,
    UnitRow.auto_channels,
    UnitRow.keep_branch_groups,
    UnitRow.keep_container_groups,
)


@cache
def parse_channels(text: str) -> frozenset[Channel]:
    """A unit's auto-assigned channels, stored as 'yellow' or 'yellow,red'."""
    return frozenset(Channel(name) for name in text.split(",") if name)


class RotationStore:
    """Units' rotations as the domain sees them."""

    def __init__(self, session: Session) -> None:
        self.session = session
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
        """Lock the known units' cursors in unit-id order (no deadlocks) and load their rotations."""
        return self.load(units, now, lock=True)

    def load(self, units: Iterable[Unit], now: datetime, lock: bool = False) -> dict[Unit, Rotation]:
        """The known units' rotations as of `now`; with `lock`, every unit named is locked, known or not."""
        units = set(units)
        if lock:
            self._lock_unit_keys(units)
        rows = self.unit_rows(units)
        if not rows:
            return {}
        by_id = {row.id: unit for unit, row in rows.items()}
        query = select(CursorRow).where(CursorRow.unit_id.in_(by_id)).order_by(CursorRow.unit_id)
        cursors = self.session.scalars(query.with_for_update() if lock else query).all()
        rosters = self._rosters(list(by_id), now)
        rotations = {}
        for cursor in cursors:
            unit = by_id[cursor.unit_id]
            channels = parse_channels(rows[unit].auto_channels)
            roster = tuple(rosters.get(cursor.unit_id, []))
            row = rows[unit]
            groups = GroupSettings(row.keep_branch_groups, row.keep_container_groups)
            rotations[unit] = Rotation(unit, roster, cursor.position, cursor.turn, channels, groups)
            self._loaded[unit] = (cursor.unit_id, cursor.turn)
        return rotations

    def _lock_unit_keys(self, units: set[Unit]) -> None:
        # A unit that does not exist yet has no cursor row to lock: without this, a batch holding a
        # declaration as unknown_department and a roster import creating that unit could miss each
        # other and leave it held. Sorted, so two transactions always lock in the same order.
        # SQLite needs none of it: BEGIN IMMEDIATE already admits one writer at a time.
        if self.session.get_bind().dialect.name != "postgresql" or not units:
            return
        keys = [unit_lock_key(unit) for unit in sorted(units)]
        self.session.execute(_LOCK_IN_ORDER, {"keys": keys})

    def _rosters(self, unit_ids: list[int], now: datetime) -> dict[int, list[RosterSlot]]:
        absent = self._absent(unit_ids, now)
        query = (
            select(MembershipRow.unit_id, MembershipRow.officer_id, MembershipRow.position, OfficerRow.active)
            .join(OfficerRow, OfficerRow.officer_id == MembershipRow.officer_id)
            .where(MembershipRow.unit_id.in_(unit_ids))
            .order_by(MembershipRow.unit_id, MembershipRow.position)
        )
        rosters: dict[int, list[RosterSlot]] = {}
        for unit_id, officer_id, position, active in self.session.execute(query):
            eligibility = Eligibility.ELIGIBLE
            if not active:
                eligibility = Eligibility.INACTIVE
            elif (unit_id, officer_id) in absent or (None, officer_id) in absent:
                eligibility = Eligibility.ABSENT
            rosters.setdefault(unit_id, []).append(RosterSlot(officer_id, position, eligibility))
        return rosters

    def _absent(self, unit_ids: list[int], now: datetime) -> set[tuple[int | None, str]]:
        query = select(AbsenceRow.unit_id, AbsenceRow.officer_id).where(
            or_(AbsenceRow.unit_id.in_(unit_ids), AbsenceRow.unit_id.is_(None)),
            # No `starts_at <= now`: an absence counts once committed, even for a transaction that
            # began (and took its `now`) just before it, while waiting for the unit's lock.
            AbsenceRow.ended_at.is_(None),
            or_(AbsenceRow.until.is_(None), AbsenceRow.until > now),
        )
        return {(unit_id, officer_id) for unit_id, officer_id in self.session.execute(query)}

    def move_cursor(self, unit: Unit, position: int, now: datetime) -> None:
        """Put a locked unit's cursor at a position (its roster changed); the turn counter stays."""
        unit_id, _ = self._loaded[unit]
        self.session.execute(
            update(CursorRow).where(CursorRow.unit_id == unit_id).values(position=position, updated_at=now)
        )

    def save(self, rotations: Iterable[Rotation], now: datetime) -> None:
        """Store the cursors of locked rotations whose turn counter moved."""
        moved = []
        for rotation in rotations:
            unit_id, loaded_turn = self._loaded[rotation.unit]
            if rotation.turn == loaded_turn:
                continue
            self._loaded[rotation.unit] = (unit_id, rotation.turn)
            moved.append(
                {"cursor_unit": unit_id, "position": rotation.position, "turn": rotation.turn, "updated_at": now}
            )
        if moved:
            cursors = cast(Table, CursorRow.__table__)
            statement = update(cursors).where(cursors.c.unit_id == bindparam("cursor_unit"))
            self.session.execute(statement, moved)  # one executemany, not a statement per unit
