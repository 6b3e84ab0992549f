"""The legal clock (rule 8): a check's due time, counted in its office's working hours from the complete dossier.

Times are counted on the office's wall clock: a working period is its local start to its local end, so a day
that changes to or from summer time counts its periods as written (Vietnam keeps no summer time).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from assigner.domain.model import Channel, Declaration
from assigner.domain.working_hours import HoursBook, WorkingHours

LONGEST_SEARCH_DAYS = 3660  # ten years of holidays and closed weekdays: past that, the hours are misconfigured


class NoWorkingTime(ValueError):
    """The working hours have no working period within the search: no due time can be counted."""


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
