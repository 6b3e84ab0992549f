"""Use case of an officer's own page: their open checks with the time left on each legal clock, those they
completed lately, why each came to them, and their share of the unit's work against its median (rule 9)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from assigner.domain.legal_clock import in_office_zone, past_due, working_time_between
from assigner.domain.model import Unit, declaration_key
from assigner.domain.moves import Holding
from assigner.domain.reports import Period, Scope
from assigner.domain.working_hours import HoursBook
from assigner.services.ports import Clock, UnitOfWork
from assigner.services.reports import ReportingUnitOfWork, build_report, period_of

RECENTLY_COMPLETED = 20


@dataclass(frozen=True)
class OpenCheck:
    """One open declaration of the officer's: its due time (office zone), the wall-clock time left (negative
    once overdue) and the working time left, and the audit entry that gave it to them."""

    holding: Holding
    due_at: datetime | None
    left: timedelta | None
    working_left: timedelta | None
    why: dict[str, Any] | None

    @property
    def overdue(self) -> bool:
        """Past its due time."""
        return past_due(self.left)


@dataclass(frozen=True)
class DoneCheck:
    """A declaration the officer completed: when, against its due time."""

    holding: Holding
    completed_at: datetime
    due_at: datetime | None

    @property
    def in_time(self) -> bool | None:
        """Completed by its due time (None: it had none)."""
        return None if self.due_at is None else self.completed_at <= self.due_at


@dataclass(frozen=True)
class UnitShare:
    """The officer's declarations of the day in one unit, against the unit's median per checker."""

    unit: Unit
    mine: int
    median: float
    checkers: int
    today: Period


@dataclass(frozen=True)
class OfficerWork:
    """Everything the officer's page shows."""

    officer_id: str
    units: list[Unit]
    open: list[OpenCheck]
    done: list[DoneCheck]


def officer_work(uow: UnitOfWork, officer_id: str, clock: Clock, hours: HoursBook) -> OfficerWork:
    """An officer's own work only: open checks soonest due first, and the latest completed."""
    with uow:
        now = clock()
        units = uow.roster.units_of(officer_id)
        holdings = uow.holdings.assigned_to(officer_id, units)
        why = uow.audit.latest_assignments([h.key for h in holdings], officer_id)
        done = uow.holdings.completed_by(officer_id, RECENTLY_COMPLETED)
    open_checks = [_open_check(h, now, hours, why.get(h.key)) for h in holdings]
    open_checks.sort(key=lambda check: (check.due_at is None, check.due_at or now, check.holding.key))
    finished = [DoneCheck(h, h.completed_at, in_office_zone(hours, h)) for h in done if h.completed_at is not None]
    return OfficerWork(officer_id, units, open_checks, finished)


def own_declaration(
    uow: UnitOfWork, officer_id: str, declaration_number: str
) -> tuple[Holding | None, list[dict[str, Any]]]:
    """A declaration the officer has or had, with its audit history; (None, []) for anyone else's, so that
    nothing of another officer's work is shown."""
    key = declaration_key(declaration_number)
    with uow:
        holding = uow.holdings.by_keys([key]).get(key)
        if holding is None or holding.officer_id != officer_id:
            return None, []
        return holding, uow.audit.entries(key)


def _open_check(holding: Holding, now: datetime, hours: HoursBook, why: dict[str, Any] | None) -> OpenCheck:
    due = in_office_zone(hours, holding)
    if due is None:
        return OpenCheck(holding, None, None, None, why)
    office = hours.for_office(holding.unit.customs_office)
    return OpenCheck(holding, due, due - now, working_time_between(office, now, due), why)


def unit_share(uow: ReportingUnitOfWork, officer_id: str, unit: Unit, now: datetime, hours: HoursBook) -> UnitShare:
    """The officer's declarations of the day in a unit (its office's day), against the median of its roster."""
    today = period_of(None, None, hours.timezone_for(unit.customs_office), now)
    report = build_report(uow, Scope(unit.customs_office, unit.department), today, now, hours)
    counts = {o.officer_id: o.assigned for figures in report.units if figures.unit == unit for o in figures.officers}
    on_roster = [o for figures in report.units if figures.unit == unit for o in figures.officers if o.on_roster]
    roster_counts = [o.assigned for o in on_roster] or [0]
    return UnitShare(unit, counts.get(officer_id, 0), statistics.median(roster_counts), len(on_roster), today)
