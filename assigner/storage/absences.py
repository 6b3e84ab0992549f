"""Absences: periods an officer is out of rotation, in named units or (unit NULL) in all of them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.orm import Session

from assigner.domain.model import Absence, Unit
from assigner.storage.roster_versions import officers_changed, units_changed
from assigner.storage.tables import AbsenceRow, UnitRow


class AbsenceStore:
    """Starts, ends and finds absences."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def start(
        self,
        officer_id: str,
        units: Sequence[Unit],
        until: datetime | None,
        reason: str | None,
        by: str,
        now: datetime,
        since: datetime | None = None,
    ) -> None:
        """The officer is absent from now in these units (none given: in every unit); it replaces earlier ones there.
        `since`: when it began, if entered late (kept for the reports; the rotation changes from now)."""
        current = self.in_force(officer_id, now)
        replaced = [a.id for a in current if not units or a.unit in units]
        self._end(replaced, now)
        unit_ids: list[int | None] = [self._unit_id(unit) for unit in units] if units else [None]
        rows = [
            {
                "officer_id": officer_id,
                "unit_id": unit_id,
                "starts_at": since or now,
                "recorded_at": now,
                "until": until,
                "reason": reason,
                "created_by": by,
            }
            for unit_id in unit_ids
        ]
        self.session.execute(insert(AbsenceRow), rows)
        self._changed(unit_ids)

    def in_force(self, officer_id: str, now: datetime) -> list[Absence]:
        """The officer's absences in force now."""
        query = self._query().where(
            AbsenceRow.officer_id == officer_id,
            AbsenceRow.ended_at.is_(None),
            or_(AbsenceRow.until.is_(None), AbsenceRow.until > now),
        )
        return self._absences(query)

    def due(self, now: datetime) -> list[Absence]:
        """Absences whose `until` has come and that nobody ended yet (locked, skipping those another has locked)."""
        query = self._query().where(AbsenceRow.ended_at.is_(None), AbsenceRow.until <= now)
        # Two workers may look at once: each takes the ones the other has not locked.
        query = query.with_for_update(of=AbsenceRow, skip_locked=True)
        return self._absences(query.order_by(AbsenceRow.until, AbsenceRow.id))

    def end(self, absences: Sequence[Absence], now: datetime) -> None:
        """End absences now (an officer back early)."""
        self._end([a.id for a in absences], now)

    def close_due(self, absences: Sequence[Absence]) -> None:
        """Record that absences ended at their `until`."""
        for absence in absences:
            self.session.execute(update(AbsenceRow).where(AbsenceRow.id == absence.id).values(ended_at=absence.until))
        self._changed_by([absence.id for absence in absences])

    def _end(self, ids: list[int], now: datetime) -> None:
        if ids:
            self.session.execute(update(AbsenceRow).where(AbsenceRow.id.in_(ids)).values(ended_at=now))
            self._changed_by(ids)

    def _changed_by(self, ids: list[int]) -> None:
        """Bump the roster versions these absences count in."""
        if ids:
            self._changed(list(self.session.scalars(select(AbsenceRow.unit_id).where(AbsenceRow.id.in_(ids)))))

    def _changed(self, unit_ids: Sequence[int | None]) -> None:
        """The rosters of these units changed (None: of every unit the officer is on)."""
        if None in unit_ids:
            officers_changed(self.session)
        units_changed(self.session, [unit_id for unit_id in unit_ids if unit_id is not None])

    def _query(self) -> Any:
        return select(AbsenceRow, UnitRow.customs_office, UnitRow.department).outerjoin(
            UnitRow, and_(UnitRow.id == AbsenceRow.unit_id)
        )

    def _absences(self, query: Any) -> list[Absence]:
        found = []
        for row, office, department in self.session.execute(query):
            unit = Unit(office, department) if office is not None else None
            found.append(Absence(row.id, row.officer_id, unit, row.until))
        return found

    def _unit_id(self, unit: Unit) -> int:
        found = self.session.scalar(
            select(UnitRow.id).where(
                UnitRow.customs_office == unit.customs_office, UnitRow.department == unit.department
            )
        )
        if found is None:
            raise LookupError(f"unit {unit} is not stored")
        return found
