"""Working hours: they only label a declaration after hours (rule 5)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from zoneinfo import ZoneInfo

from assigner.domain.model import Declaration


@dataclass(frozen=True)
class WorkingHours:
    """An office's working week: ISO weekdays, start (included) to end (excluded), holidays."""

    timezone: str = "Asia/Ho_Chi_Minh"
    start: time = time(7, 30)
    end: time = time(17, 0)
    weekdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    holidays: frozenset[date] = frozenset()

    def is_working_time(self, local_day: date, local_time: time) -> bool:
        """Whether a local date and time fall inside working hours."""
        if local_day.isoweekday() not in self.weekdays or local_day in self.holidays:
            return False
        return self.start <= local_time < self.end


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
        local = declaration.registered_at.astimezone(ZoneInfo(hours.timezone))
        return not hours.is_working_time(local.date(), local.time().replace(tzinfo=None))
