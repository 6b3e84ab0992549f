"""The legal clock (rule 8): a check's due time, counted in its office's working hours from the complete dossier.

Times are counted on the office's wall clock: a working period is its local start to its local end, so a day
that changes to or from summer time counts its periods as written (Vietnam keeps no summer time).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from assigner.domain.model import Channel, Declaration
from assigner.domain.moves import Holding
from assigner.domain.working_hours import HoursBook, WorkingHours

LONGEST_SEARCH_DAYS = 3660  # ten years of holidays and closed weekdays: past that, the hours are misconfigured
ONE_DAY = timedelta(days=1)


class NoWorkingTime(ValueError):
    """The working hours have no working period within the search: no due time can be counted."""


def in_office_zone(hours: HoursBook, holding: Holding) -> datetime | None:
    """A declaration's due time in its office's zone (as events and pages show it)."""
    if holding.due_at is None:
        return None
    return holding.due_at.astimezone(hours.for_office(holding.unit.customs_office).zone)


def past_due(left: timedelta | None) -> bool:
    """Whether a check with this much time left is overdue: strictly past its due time (at the due time itself it
    is still in time, as completion counts it)."""
    return left is not None and left < timedelta()


def deadline_for(hours: WorkingHours, channel: Channel) -> timedelta | None:
    """How many working hours the law gives a channel's check: documents (yellow), goods (red); green: none."""
    if channel is Channel.YELLOW:
        return timedelta(hours=hours.check_deadline_hours)
    if channel is Channel.RED:
        return timedelta(hours=hours.inspection_deadline_hours)
    return None


def check_due(book: HoursBook, declaration: Declaration) -> datetime | None:
    """When a declaration's check is due, in its office's zone; None for a channel the law sets no time for."""
    hours = book.for_office(declaration.unit.customs_office)
    deadline = deadline_for(hours, declaration.channel)
    return None if deadline is None else due_at(hours, declaration.dossier_complete_at, deadline)


def due_at(hours: WorkingHours, start: datetime, working: timedelta) -> datetime:
    """The moment `working` working time has passed since `start`, in the office's zone: inside a working
    period or at its end, never in the hours between."""
    remaining = working
    for begin, end in working_periods(hours, start):
        if end - begin >= remaining:
            return _aware(hours, begin + remaining)
        remaining -= end - begin
    raise NoWorkingTime(f"no working time in {LONGEST_SEARCH_DAYS} days from {start.isoformat()}")


def working_time_between(hours: WorkingHours, start: datetime, end: datetime) -> timedelta:
    """The working time from `start` to `end` (zero when `end` is not later)."""
    local_end = end.astimezone(hours.zone).replace(tzinfo=None)
    total = timedelta()
    if end <= start:
        return total
    for begin, finish in working_periods(hours, start):
        if begin >= local_end:
            break
        total += min(finish, local_end) - begin
    return total


class WorkingCalendar:
    """working_time_between for many checks of one office: each instant is placed on a running count of working
    time (each local day's working time summed once, then kept), and the time between two is a difference. The
    same result, for spans under LONGEST_SEARCH_DAYS, at a fraction of the cost; one calendar per report."""

    def __init__(self, hours: WorkingHours) -> None:
        self.hours = hours
        self._zone = hours.zone
        self._periods: dict[date, tuple[tuple[datetime, datetime], ...]] = {}
        self._before: dict[date, timedelta] = {}  # working time from the first day counted to each day's start
        self._first = self._last = date.min

    def between(self, start: datetime, end: datetime) -> timedelta:
        """The working time from `start` to `end` (zero when `end` is not later)."""
        if end <= start:
            return timedelta()
        return max(timedelta(), self._elapsed(end) - self._elapsed(start))

    def _elapsed(self, moment: datetime) -> timedelta:
        local = moment.astimezone(self._zone)
        day = local.date()
        wall = datetime.combine(day, local.time())
        elapsed = self._before_day(day)
        for begin, end in self._periods_on(day):
            if wall <= begin:
                break
            elapsed += min(wall, end) - begin
        return elapsed

    def _periods_on(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        found = self._periods.get(day)
        if found is None:
            found = tuple(
                (datetime.combine(day, start), datetime.combine(day, end))
                for start, end in self.hours.periods_on(day)
                if start < end  # as working_periods yields them (the settings refuse any other)
            )
            self._periods[day] = found
        return found

    def _day_total(self, day: date) -> timedelta:
        total = timedelta()
        for begin, end in self._periods_on(day):
            total += end - begin
        return total

    def _before_day(self, day: date) -> timedelta:
        found = self._before.get(day)
        if found is not None:
            return found
        if not self._before:
            self._first = self._last = day
            self._before[day] = timedelta()
        while self._last < day:  # days are counted on from the ones known, once each
            self._before[self._last + ONE_DAY] = self._before[self._last] + self._day_total(self._last)
            self._last += ONE_DAY
        while self._first > day:
            self._before[self._first - ONE_DAY] = self._before[self._first] - self._day_total(self._first - ONE_DAY)
            self._first -= ONE_DAY
        return self._before[day]


def working_periods(hours: WorkingHours, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The working periods from `start` on, as local wall times (the first one cut at `start`)."""
    local_start = start.astimezone(hours.zone).replace(tzinfo=None)
    if not hours.works_some_day():
        return
    day = local_start.date()
    for _ in range(LONGEST_SEARCH_DAYS):
        for period_start, period_end in hours.periods_on(day):
            begin, end = datetime.combine(day, period_start), datetime.combine(day, period_end)
            if end > local_start:
                yield max(begin, local_start), end
        day += timedelta(days=1)


def _aware(hours: WorkingHours, local: datetime) -> datetime:
    return local.replace(tzinfo=hours.zone)
