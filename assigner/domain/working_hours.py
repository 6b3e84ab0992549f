"""Working hours: they label a declaration after hours, and they are the hours the legal clock counts (rule 5)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from zoneinfo import ZoneInfo

from assigner.domain.model import Declaration

Period = tuple[time, time]  # a working period of a day: start (included) to end (excluded), local time


@dataclass(frozen=True)
class WorkingHours:
    """An office's working week in its time zone, its public holidays, and its check deadlines.

    The week is `start` to `end` on each of `weekdays` (ISO, 1 = Monday), unless `periods` (not None) lists the
    working periods of each weekday (a lunch break: two periods); a weekday `periods` leaves out is not worked.
    """

    timezone: str = "Asia/Ho_Chi_Minh"
    start: time = time(7, 30)
    end: time = time(17, 0)
    weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    holidays: frozenset[date] = frozenset()
    periods: tuple[tuple[int, Period], ...] | None = None
    # Law on Customs 2014, Article 23(2): a document check (yellow) within 2 working hours of the complete
    # dossier, a physical inspection (red) within 8.
    check_deadline_hours: float = 2.0
    inspection_deadline_hours: float = 8.0

    def periods_on(self, local_day: date) -> tuple[Period, ...]:
        """The working periods of a local date, in order; none on a holiday or a day not worked."""
        if local_day in self.holidays:
            return ()
        weekday = local_day.isoweekday()
        if self.periods is not None:
            return tuple(sorted(period for day, period in self.periods if day == weekday))
        return ((self.start, self.end),) if weekday in self.weekdays else ()

    def works_some_day(self) -> bool:
        """Whether any weekday has a working period (else no clock can ever run)."""
        if self.periods is not None:
            return any(start < end for _, (start, end) in self.periods)
        return bool(self.weekdays) and self.start < self.end

    def is_working_time(self, local_day: date, local_time: time) -> bool:
        """Whether a local date and time fall inside working hours."""
        return any(start <= local_time < end for start, end in self.periods_on(local_day))

    @property
    def zone(self) -> ZoneInfo:
        """The office's time zone."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class HoursBook:
    """Working hours for every office: a default and per-office overrides."""

    default: WorkingHours = field(default_factory=WorkingHours)
    by_office: Mapping[str, WorkingHours] = field(default_factory=dict)

    def for_office(self, customs_office: str) -> WorkingHours:
        """The working hours that apply to an office."""
        return self.by_office.get(customs_office, self.default)

    def timezone_for(self, customs_office: str | None) -> str:
        """The time zone an office's days are counted in; for several offices (None), the default's."""
        return (self.for_office(customs_office) if customs_office else self.default).timezone

    def is_after_hours(self, declaration: Declaration) -> bool:
        """Whether a declaration was registered outside its office's working hours."""
        hours = self.for_office(declaration.unit.customs_office)
        local = declaration.registered_at.astimezone(hours.zone)
        return not hours.is_working_time(local.date(), local.time().replace(tzinfo=None))
