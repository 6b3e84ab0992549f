"""The report's figures, counted by the database (GROUP BY on indexed columns, never a Python loop over rows);
the one exception, the completed checks' two times, read row by row for their working hours (completed_checks)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from assigner.domain.check_times import CheckFigures, CompletedCheck
from assigner.domain.model import Status, Unit
from assigner.domain.moves import MoveMode
from assigner.domain.reports import UNRECORDED, AbsenceLine, OfficerFigures, Scope, UnitFigures
from assigner.storage.tables import (
    OPEN_WORK,
    AbsenceRow,
    AssignmentRow,
    DeclarationRow,
    HoldRow,
    MembershipRow,
    OfficerRow,
    UnitRow,
)

D = DeclarationRow
_ROTATION = D.status != Status.RECORDED.value  # in a channel assigned automatically: held, assigned or completed
_OPEN = (Status.ASSIGNED.value, Status.HELD.value)


class ReportQueries:
    """Counts over the declarations registered in [start, end) within a scope."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def unit_figures(self, scope: Scope, start: datetime, end: datetime, now: datetime) -> list[UnitFigures]:
        """Every unit with declarations in the period, with its counts and its officers' figures; a check is
        overdue if open and due by `now`."""
        where = _in_period(scope, start, end)
        units: dict[Unit, UnitFigures] = {}

        def figures(office: str, department: str) -> UnitFigures:
            unit = Unit(office, department)
            return units.setdefault(unit, UnitFigures(unit))

        for office, department, channel, count, rotation, after_hours in self._channels(where):
            unit = figures(office, department)
            unit.by_channel[channel] = int(count)
            unit.for_rotation += int(rotation or 0)
            unit.after_hours += int(after_hours or 0)
        for office, department, mode, count in self._modes(where):
            _add_mode(figures(office, department), mode, int(count))
        for office, department, code, count in self._by_hand(where, AssignmentRow.reason_code):
            figures(office, department).by_hand_reasons[code or UNRECORDED] = int(count)
        for office, department, supervisor, count in self._by_hand(where, AssignmentRow.assigned_by):
            figures(office, department).by_hand_supervisors[supervisor] = int(count)
        for office, department, reason, count in self._holds(where):
            figures(office, department).held_now[reason] = int(count)
        holders = self._holders(where, now)
        for office, department, *_, in_time, late, overdue in holders:
            unit = figures(office, department)
            unit.checks = _summed(unit.checks, CheckFigures(int(in_time or 0), int(late or 0), int(overdue or 0)))
        self._add_officers(units, where, holders)
        return [units[unit] for unit in sorted(units)]

    def completed_checks(self, scope: Scope, start: datetime, end: datetime) -> Iterator[CompletedCheck]:
        """The completed checks among the declarations registered in the period, with only the columns their time
        to complete needs; yielded as read, so to be read within the transaction."""
        dossier_complete_at = func.coalesce(D.documents_received_at, D.registered_at)
        # completed_at is stamped with status 'completed', and only then (holdings.complete). It is the condition
        # rather than the status: SQLite, with no statistics, walked every completed declaration by an index led by
        # status (ix_declarations_status_due) instead of the period's, by ix_declarations_unit_registered.
        query = select(D.customs_office, D.department, D.officer_id, dossier_complete_at, D.completed_at).where(
            _in_period(scope, start, end), D.completed_at.is_not(None), D.due_at.is_not(None)
        )
        units: dict[tuple[str, str], Unit] = {}
        for office, department, officer_id, dossier_at, completed_at in self.session.execute(query):
            assert completed_at is not None  # the query's condition
            unit = units.setdefault((office, department), Unit(office, department))
            yield CompletedCheck(unit, officer_id, dossier_at, completed_at)

    def absences(self, scope: Scope, start: datetime, end: datetime) -> list[AbsenceLine]:
        """The absences in force at some time in [start, end), in the scope's units (and those of every unit), in
        the order they began."""
        ended = func.coalesce(AbsenceRow.ended_at, AbsenceRow.until)
        query = (
            select(AbsenceRow, UnitRow.customs_office, UnitRow.department)
            .outerjoin(UnitRow, UnitRow.id == AbsenceRow.unit_id)
            .where(AbsenceRow.starts_at < end, or_(ended.is_(None), ended > start))
            .order_by(AbsenceRow.starts_at, AbsenceRow.id)
        )
        found, rostered = [], self._rostered(scope)
        for row, office, department in self.session.execute(query):
            if office is not None and not _covers(scope, office, department):
                continue
            if office is None and rostered is not None and row.officer_id not in rostered:
                continue  # away from every unit: listed where the officer is rostered
            unit = Unit(office, department) if office is not None else None
            found.append(
                AbsenceLine(
                    row.officer_id,
                    unit,
                    row.starts_at,
                    row.recorded_at,
                    row.until,
                    row.ended_at,
                    row.created_by,
                    row.reason,
                )
            )
        return found

    def _rostered(self, scope: Scope) -> set[str] | None:
        """The officers on the scope's rosters (None: every officer, for all offices)."""
        if scope.customs_office is None:
            return None
        query = select(MembershipRow.officer_id).join(UnitRow, UnitRow.id == MembershipRow.unit_id)
        query = query.where(UnitRow.customs_office == scope.customs_office)
        if scope.department is not None:
            query = query.where(UnitRow.department == scope.department)
        return set(self.session.scalars(query))

    def held_now(self) -> dict[Unit, int]:
        """How many declarations each unit holds now, whatever their date."""
        query = select(HoldRow.customs_office, HoldRow.department, func.count()).group_by(
            HoldRow.customs_office, HoldRow.department
        )
        return {Unit(office, department): int(count) for office, department, count in self.session.execute(query)}

    def overdue_now(self, now: datetime) -> dict[Unit, int]:
        """How many open declarations (assigned or held) each unit has past their due time now, whatever their date."""
        query = (
            select(D.customs_office, D.department, func.count())
            .where(OPEN_WORK, D.due_at < now)  # the partial index's own condition: it is used
            .group_by(D.customs_office, D.department)
        )
        return {Unit(office, department): int(count) for office, department, count in self.session.execute(query)}

    def _channels(self, where: Any) -> Iterable[Any]:
        rotation = func.sum(case((_ROTATION, 1), else_=0))
        after_hours = func.sum(case((and_(_ROTATION, D.after_hours), 1), else_=0))
        query = (
            select(D.customs_office, D.department, D.channel, func.count(), rotation, after_hours)
            .where(where)
            .group_by(D.customs_office, D.department, D.channel)
        )
        return self.session.execute(query).all()

    def _modes(self, where: Any) -> Iterable[Any]:
        """Per mode, how many of the period's declarations had at least one assignment made that way."""
        query = (
            select(
                D.customs_office,
                D.department,
                AssignmentRow.mode,
                func.count(func.distinct(AssignmentRow.declaration_key)),
            )
            .join(AssignmentRow, AssignmentRow.declaration_key == D.declaration_key)
            .where(where)
            .group_by(D.customs_office, D.department, AssignmentRow.mode)
        )
        return self.session.execute(query).all()

    def _by_hand(self, where: Any, per: Any) -> Iterable[Any]:
        """Per value of `per` (the reason code, or the supervisor), how many of the period's declarations were
        reassigned by hand so: each declaration once per value, whatever how many times."""
        query = (
            select(D.customs_office, D.department, per, func.count(func.distinct(AssignmentRow.declaration_key)))
            .join(AssignmentRow, AssignmentRow.declaration_key == D.declaration_key)
            .where(where, AssignmentRow.mode == MoveMode.MANUAL.value)
            .group_by(D.customs_office, D.department, per)
        )
        return self.session.execute(query).all()

    def by_hand_shares(self, since: datetime, until: datetime) -> dict[Unit, tuple[int, int]]:
        """Per unit, of the declarations registered in [since, until): how many went to the rotation, and how many
        of those a supervisor reassigned by hand (the figures behind the by-hand alert)."""
        where = _in_period(Scope(), since, until)
        shares: dict[Unit, tuple[int, int]] = {}
        rotation = select(D.customs_office, D.department, _count(_ROTATION)).where(where)
        for office, department, count in self.session.execute(rotation.group_by(D.customs_office, D.department)):
            shares[Unit(office, department)] = (int(count or 0), 0)
        manual = (
            select(D.customs_office, D.department, func.count(func.distinct(AssignmentRow.declaration_key)))
            .join(AssignmentRow, AssignmentRow.declaration_key == D.declaration_key)
            .where(where, AssignmentRow.mode == MoveMode.MANUAL.value)
            .group_by(D.customs_office, D.department)
        )
        for office, department, count in self.session.execute(manual):
            unit = Unit(office, department)
            shares[unit] = (shares.get(unit, (0, 0))[0], int(count))
        return shares

    def _holds(self, where: Any) -> Iterable[Any]:
        query = (
            select(D.customs_office, D.department, HoldRow.reason, func.count())
            .join(HoldRow, HoldRow.declaration_key == D.declaration_key)
            .where(where)
            .group_by(D.customs_office, D.department, HoldRow.reason)
        )
        return self.session.execute(query).all()

    def _add_officers(self, units: dict[Unit, UnitFigures], where: Any, holders: Iterable[Any]) -> None:
        found: dict[tuple[Unit, str], dict[str, Any]] = {}
        for unit, officer_id, name in self._rosters(units):
            found[(unit, officer_id)] = {"officer_id": officer_id, "name": name, "on_roster": True}

        def line(office: str, department: str, officer_id: str) -> dict[str, Any]:
            return found.setdefault(
                (Unit(office, department), officer_id), {"officer_id": officer_id, "name": "", "on_roster": False}
            )

        for office, department, holder, assigned, open_, completed, in_time, late, overdue in holders:
            if holder is not None:
                line(office, department, holder).update(
                    assigned=int(assigned),
                    open=int(open_ or 0),
                    completed=int(completed or 0),
                    checks=CheckFigures(int(in_time or 0), int(late or 0), int(overdue or 0)),
                )
        for office, department, officer_id, mode, count in self._turns(where):
            if mode in ("auto", "group"):
                line(office, department, officer_id)["turns" if mode == "auto" else "grouped"] = int(count)
        names = self._names([key[1] for key, values in found.items() if not values["name"]])
        for (unit, officer_id), values in found.items():  # roster order, then the others
            values["name"] = values["name"] or names.get(officer_id, "")
            if unit in units:
                units[unit].officers.append(OfficerFigures(**values))

    def _holders(self, where: Any, now: datetime) -> list[Any]:
        """Per unit and holder (None: nobody, for those recorded, held or completed while held), in one pass: the
        declarations they have, open and completed; and the checks completed in time, late, and open past due now."""
        completed = D.status == Status.COMPLETED.value
        query = (
            select(
                D.customs_office,
                D.department,
                D.officer_id,
                func.count(D.officer_id),
                _count(D.status == Status.ASSIGNED.value),
                _count(completed),
                _count(and_(completed, D.completed_at <= D.due_at)),
                _count(and_(completed, D.completed_at > D.due_at)),
                _count(and_(D.status.in_(_OPEN), D.due_at < now)),
            )
            .where(where, _ROTATION)  # a recorded declaration has no holder and no check
            .group_by(D.customs_office, D.department, D.officer_id)
        )
        return list(self.session.execute(query).all())

    def _turns(self, where: Any) -> Iterable[Any]:
        query = (
            select(D.customs_office, D.department, AssignmentRow.officer_id, AssignmentRow.mode, func.count())
            .join(AssignmentRow, AssignmentRow.declaration_key == D.declaration_key)
            .where(where, AssignmentRow.mode.in_(("auto", "group")))
            .group_by(D.customs_office, D.department, AssignmentRow.officer_id, AssignmentRow.mode)
        )
        return self.session.execute(query).all()

    def _rosters(self, units: Iterable[Unit]) -> Iterable[tuple[Unit, str, str]]:
        """The officers on the units' rosters now, in roster order."""
        wanted = {(u.customs_office, u.department) for u in units}
        if not wanted:
            return []
        query = (
            select(UnitRow.customs_office, UnitRow.department, OfficerRow.officer_id, OfficerRow.name)
            .join(MembershipRow, MembershipRow.unit_id == UnitRow.id)
            .join(OfficerRow, OfficerRow.officer_id == MembershipRow.officer_id)
            .order_by(UnitRow.customs_office, UnitRow.department, MembershipRow.position)
        )
        return [(Unit(o, d), officer, name) for o, d, officer, name in self.session.execute(query) if (o, d) in wanted]

    def _names(self, officer_ids: list[str]) -> dict[str, str]:
        if not officer_ids:
            return {}
        query = select(OfficerRow.officer_id, OfficerRow.name).where(
            OfficerRow.officer_id.in_(sorted(set(officer_ids)))
        )
        return {officer_id: name for officer_id, name in self.session.execute(query)}


def _in_period(scope: Scope, start: datetime, end: datetime) -> Any:
    conditions = [D.registered_at >= start, D.registered_at < end]
    if scope.customs_office is not None:
        conditions.append(D.customs_office == scope.customs_office)
    if scope.department is not None:
        conditions.append(D.department == scope.department)
    return and_(*conditions)


def _covers(scope: Scope, office: str, department: str) -> bool:
    if scope.customs_office is not None and office != scope.customs_office:
        return False
    return scope.department is None or department == scope.department


def _add_mode(unit: UnitFigures, mode: str, count: int) -> None:
    if mode == "auto":
        unit.by_turn = count
    elif mode == "group":
        unit.kept_in_group = count
    elif mode == "manual":
        unit.by_hand = count
    elif mode == "redistributed":
        unit.redistributed = count


def _count(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def _summed(left: CheckFigures, right: CheckFigures) -> CheckFigures:
    return CheckFigures(left.in_time + right.in_time, left.late + right.late, left.overdue_now + right.overdue_now)
