"""Checks against the legal clock (rule 8), as the reports count them: in time, late, overdue now, and how many
working hours they took from the complete dossier, as a median and a 90th percentile."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from assigner.domain.legal_clock import WorkingCalendar
from assigner.domain.model import Unit
from assigner.domain.working_hours import HoursBook

MEDIAN = 50
NINETIETH = 90
HOUR = timedelta(hours=1)


def nearest_rank(ordered: Sequence[timedelta], percent: int) -> timedelta | None:
    """The `percent`-th percentile of durations sorted ascending, by nearest rank: the smallest of them that at
    least `percent` % do not exceed. It is always one of the durations (the median of an even count is the lower
    of the two middle ones), so "90 % of the checks took at most this long" holds as said; None for none."""
    if not 0 < percent <= 100:
        raise ValueError(f"a percentile is of 1 to 100 %, not {percent}")
    if not ordered:
        return None
    rank = -(-percent * len(ordered) // 100)  # ceil(percent/100 × n), in integers: no rounding error
    return ordered[rank - 1]


def in_hours(duration: timedelta | None) -> float | None:
    """A duration as hours, to 2 decimals (None stays None)."""
    return None if duration is None else round(duration / HOUR, 2)


@dataclass(frozen=True)
class CompletionTimes:
    """The time checks took to complete, in working hours: median and 90th percentile (None: no completed check)."""

    median: timedelta | None = None
    p90: timedelta | None = None

    @classmethod
    def of(cls, durations: Iterable[timedelta]) -> CompletionTimes:
        """The median and 90th percentile, by nearest rank, of some durations."""
        ordered = sorted(durations)
        return cls(nearest_rank(ordered, MEDIAN), nearest_rank(ordered, NINETIETH)) if ordered else cls()


@dataclass(frozen=True)
class CheckFigures:
    """A unit's or an officer's checks (declarations with a due time) among those registered in the period."""

    in_time: int = 0  # completed at or before the due time
    late: int = 0  # completed after it
    overdue_now: int = 0  # open (assigned or held) and past the due time at the report's now
    times: CompletionTimes = CompletionTimes()  # of the completed ones

    @property
    def median_hours(self) -> float | None:
        """The median time to complete, in working hours (2 decimals)."""
        return in_hours(self.times.median)

    @property
    def p90_hours(self) -> float | None:
        """The 90th percentile time to complete, in working hours (2 decimals)."""
        return in_hours(self.times.p90)


@dataclass(frozen=True, slots=True)
class CompletedCheck:
    """A completed check: whose it was at completion (None: completed while held), and its two ends."""

    unit: Unit
    officer_id: str | None
    dossier_complete_at: datetime  # documents received, else registered
    completed_at: datetime


@dataclass(frozen=True)
class TimesToComplete:
    """Completion times per unit, per officer in a unit, and over all of them."""

    units: dict[Unit, CompletionTimes]
    officers: dict[tuple[Unit, str], CompletionTimes]
    overall: CompletionTimes


def times_to_complete(book: HoursBook, checks: Iterable[CompletedCheck]) -> TimesToComplete:
    """Each check's time to complete, the working time in its office's hours from the complete dossier to
    completion (zero if not after: legal_clock.working_time_between), gathered per unit, per officer and overall,
    then their percentiles."""
    calendars: dict[str, WorkingCalendar] = {}
    by_unit: dict[Unit, list[timedelta]] = {}
    by_officer: dict[tuple[Unit, str], list[timedelta]] = {}
    every: list[timedelta] = []
    for check in checks:
        office = check.unit.customs_office
        if office not in calendars:
            calendars[office] = WorkingCalendar(book.for_office(office))
        took = calendars[office].between(check.dossier_complete_at, check.completed_at)
        every.append(took)
        by_unit.setdefault(check.unit, []).append(took)
        if check.officer_id is not None:
            by_officer.setdefault((check.unit, check.officer_id), []).append(took)
    return TimesToComplete(
        {unit: CompletionTimes.of(durations) for unit, durations in by_unit.items()},
        {key: CompletionTimes.of(durations) for key, durations in by_officer.items()},
        CompletionTimes.of(every),
    )
