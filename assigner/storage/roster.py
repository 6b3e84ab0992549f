"""Officers, roster memberships and supervisors."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from assigner.domain.model import Channel, Unit
from assigner.domain.roster import Officer
from assigner.storage.roster_versions import officers_changed, units_changed
from assigner.storage.tables import CursorRow, DeclarationRow, MembershipRow, OfficerRow, SupervisorRow, UnitRow


class RosterStore:
    """Writes and reads rosters; positions are the roster order, from 1."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def ensure_units(self, units: Iterable[Unit], channels: frozenset[Channel], now: datetime) -> list[Unit]:
        """Create the units (and their cursors) that do not exist yet; returns those created."""
        created = []
        created_ids: list[int] = []
        for unit in sorted(set(units)):
            exists = self.session.scalar(
                select(UnitRow.id).where(
                    UnitRow.customs_office == unit.customs_office, UnitRow.department == unit.department
                )
            )
            if exists is not None:
                continue
            row = UnitRow(
                customs_office=unit.customs_office,
                department=unit.department,
                auto_channels=",".join(sorted(channels)),
                created_at=now,
            )
            self.session.add(row)
            self.session.flush()
            self.session.add(CursorRow(unit_id=row.id, position=0, turn=0, updated_at=now, roster_version=0))
            created.append(unit)
            created_ids.append(row.id)
        self.session.flush()
        units_changed(self.session, created_ids)  # nothing read in this transaction of a unit it made is kept
        return created

    def upsert_officers(self, officers: Sequence[Officer], now: datetime) -> list[dict[str, object]]:
        """Create or update officers (in id order, so concurrent imports cannot deadlock); returns the changes."""
        ordered = sorted(officers, key=lambda o: o.officer_id)
        ids = [o.officer_id for o in ordered]
        stored = {
            row.officer_id: row
            for row in self.session.scalars(select(OfficerRow).where(OfficerRow.officer_id.in_(ids)))
        }
        changes: list[dict[str, object]] = []
        for officer in ordered:
            row = stored.get(officer.officer_id)
            values = {"name": officer.name, "active": officer.active, "updated_at": now}
            if row is None:
                self.session.execute(insert(OfficerRow), [{"officer_id": officer.officer_id, **values}])
                changes.append({"officer_id": officer.officer_id, "created": True, "active": officer.active})
            elif (row.name, row.active) != (officer.name, officer.active):
                change: dict[str, object] = {"officer_id": officer.officer_id}
                if row.name != officer.name:
                    change["name"] = [row.name, officer.name]
                if row.active != officer.active:
                    change["active"] = [row.active, officer.active]
                self.session.execute(
                    update(OfficerRow).where(OfficerRow.officer_id == officer.officer_id).values(values)
                )
                changes.append(change)
        if any("active" in change and "created" not in change for change in changes):
            officers_changed(self.session)  # an officer made now is on no roster yet; a name is not a roster's
        return changes

    def unit_id(self, unit: Unit) -> int:
        """The id of a stored unit."""
        found = self.session.scalar(
            select(UnitRow.id).where(
                UnitRow.customs_office == unit.customs_office, UnitRow.department == unit.department
            )
        )
        if found is None:
            raise LookupError(f"unit {unit} is not stored")
        return found

    def checkers(self, unit: Unit) -> list[str]:
        """A unit's roster: officer ids in position order."""
        query = select(MembershipRow.officer_id).where(MembershipRow.unit_id == self.unit_id(unit))
        return list(self.session.scalars(query.order_by(MembershipRow.position)))

    def units_of(self, officer_id: str) -> list[Unit]:
        """The units on whose roster an officer is, in unit order."""
        query = (
            select(UnitRow.customs_office, UnitRow.department)
            .join(MembershipRow, MembershipRow.unit_id == UnitRow.id)
            .where(MembershipRow.officer_id == officer_id)
            .order_by(UnitRow.customs_office, UnitRow.department)
        )
        return [Unit(office, department) for office, department in self.session.execute(query)]

    def supervised_by(self, officer_id: str) -> list[Unit]:
        """The units an officer supervises, in unit order (one query, however many units there are)."""
        query = (
            select(UnitRow.customs_office, UnitRow.department)
            .join(SupervisorRow, SupervisorRow.unit_id == UnitRow.id)
            .where(SupervisorRow.officer_id == officer_id)
            .order_by(UnitRow.customs_office, UnitRow.department)
        )
        return [Unit(office, department) for office, department in self.session.execute(query)]

    def supervisors(self, unit: Unit) -> list[str]:
        """A unit's supervisors, by id."""
        query = select(SupervisorRow.officer_id).where(SupervisorRow.unit_id == self.unit_id(unit))
        return list(self.session.scalars(query.order_by(SupervisorRow.officer_id)))

    def replace_checkers(self, unit: Unit, officer_ids: Sequence[str]) -> None:
        """Make the roster exactly these officers, in this order."""
        unit_id = self.unit_id(unit)
        self.session.execute(delete(MembershipRow).where(MembershipRow.unit_id == unit_id))
        rows = [
            {"unit_id": unit_id, "officer_id": officer_id, "position": position}
            for position, officer_id in enumerate(officer_ids, start=1)
        ]
        if rows:
            self.session.execute(insert(MembershipRow), rows)
        units_changed(self.session, [unit_id])

    def replace_supervisors(self, unit: Unit, officer_ids: Sequence[str]) -> None:
        """Make the unit's supervisors exactly these officers."""
        unit_id = self.unit_id(unit)
        self.session.execute(delete(SupervisorRow).where(SupervisorRow.unit_id == unit_id))
        rows = [{"unit_id": unit_id, "officer_id": officer_id} for officer_id in sorted(set(officer_ids))]
        if rows:
            self.session.execute(insert(SupervisorRow), rows)

    def names(self, officer_ids: Iterable[str]) -> dict[str, str]:
        """Officers' names by id."""
        query = select(OfficerRow.officer_id, OfficerRow.name).where(OfficerRow.officer_id.in_(set(officer_ids)))
        return {officer_id: name for officer_id, name in self.session.execute(query)}

    def assignment_counts(self, unit: Unit) -> dict[str, int]:
        """How many of a unit's declarations each officer has."""
        query = (
            select(DeclarationRow.officer_id, func.count())
            .where(
                DeclarationRow.customs_office == unit.customs_office,
                DeclarationRow.department == unit.department,
                DeclarationRow.officer_id.is_not(None),
            )
            .group_by(DeclarationRow.officer_id)
        )
        return {officer_id: count for officer_id, count in self.session.execute(query) if officer_id is not None}
