"""The report use case: what the rotation did over a period, read in one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from assigner.domain.check_times import CompletedCheck, times_to_complete
from assigner.domain.errors import InvalidInput
from assigner.domain.reports import BY_HAND_BASELINE, AbsenceLine, Period, Report, Scope, UnitFigures, add_times
from assigner.domain.working_hours import HoursBook

# Days a report may cover: a declaration's instant in UTC must exist for each bound.
EARLIEST = date(1900, 1, 1)
LATEST = date(9998, 12, 31)


class ReportCounts(Protocol):
    """The counts a report is made of."""

    def unit_figures(self, scope: Scope, start: datetime, end: datetime, now: datetime) -> list[UnitFigures]: ...

    def completed_checks(self, scope: Scope, start: datetime, end: datetime) -> Iterable[CompletedCheck]: ...

    def absences(self, scope: Scope, start: datetime, end: datetime) -> list[AbsenceLine]: ...


class ReportingUnitOfWork(AbstractContextManager["ReportingUnitOfWork"], Protocol):
    """A read-only transaction with the report's counts."""

    @property
    def reports(self) -> ReportCounts: ...


def period_of(first_day: date | None, last_day: date | None, timezone: str, now: datetime) -> Period:
    """The days asked for: --from alone runs to today, --to alone is that day, neither is today (in `timezone`)."""
    today = now.astimezone(ZoneInfo(timezone)).date()
    first = first_day or last_day or today
    last = last_day or max(first, today)
    if first > last:
        raise InvalidInput(f"the period starts ({first}) after it ends ({last})")
    if first < EARLIEST or last > LATEST:
        raise InvalidInput(f"the period {first} to {last} is out of range: days from {EARLIEST} to {LATEST}")
    return Period(first, last, timezone)


def build_report(
    uow: ReportingUnitOfWork,
    scope: Scope,
    period: Period,
    now: datetime,
    hours: HoursBook,
    by_hand_baseline: float = BY_HAND_BASELINE,
) -> Report:
    """Every unit's figures over the period, one consistent read. The checks are those of the declarations
    registered in the period: overdue as of `now` (the clock's, the one the period was read with), their times
    to complete counted in each office's working hours."""
    start, end = period.bounds()
    with uow:
        units = uow.reports.unit_figures(scope, start, end, now)
        times = times_to_complete(hours, uow.reports.completed_checks(scope, start, end))
        absences = uow.reports.absences(scope, start, end)
    add_times(units, times)
    return Report(scope, period, units, times.overall, by_hand_baseline, absences)
