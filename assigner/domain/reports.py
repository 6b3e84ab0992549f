"""What the rotation did over a period, per unit and per officer: the figures the pilot was judged by, and the
checks against the legal clock (check_times.py)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from assigner.domain.check_times import CheckFigures, CompletionTimes, TimesToComplete
from assigner.domain.model import Unit

# The pilot's share of declarations reassigned by hand (Official Letter 9689), the default baseline.
BY_HAND_BASELINE = 0.154
# An absence entered this long after it began is back-dated.
BACK_DATED_AFTER = timedelta(minutes=5)
# The reason code of a reassignment by hand made before codes were kept.
UNRECORDED = "unrecorded"


@dataclass(frozen=True)
class Period:
    """Whole local days, first to last included, in one time zone."""

    first_day: date
    last_day: date
    timezone: str

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as an instant range: from the first day's midnight (included) to the day after the last."""
        zone = ZoneInfo(self.timezone)
        start = datetime.combine(self.first_day, time(0), zone)
        end = datetime.combine(self.last_day + timedelta(days=1), time(0), zone)
        return start, end


@dataclass(frozen=True)
class Scope:
    """Which declarations a report covers: one office, one unit, or all (None)."""

    customs_office: str | None = None
    department: str | None = None

    def __str__(self) -> str:
        if self.customs_office is None:
            return "all offices"
        if self.department is None:
            return f"office {self.customs_office}"
        return f"unit {self.customs_office}/{self.department}"


@dataclass(frozen=True)
class OfficerFigures:
    """One officer's work in one unit over the period."""

    officer_id: str
    name: str
    on_roster: bool
    assigned: int = 0  # the period's declarations the officer has now
    open: int = 0
    completed: int = 0
    turns: int = 0  # automatic assignments by a turn of the rotation
    grouped: int = 0  # kept with a branch or container group, no turn used
    checks: CheckFigures = CheckFigures()  # of those the officer has now


@dataclass
class UnitFigures:
    """One unit's figures over the period; counts are of declarations registered in it."""

    unit: Unit
    by_channel: dict[str, int] = field(default_factory=dict)
    for_rotation: int = 0  # in a channel assigned automatically (yellow by default)
    after_hours: int = 0  # of those, registered outside working hours (rule 5)
    by_turn: int = 0
    kept_in_group: int = 0
    by_hand: int = 0  # reassigned by a supervisor at least once
    redistributed: int = 0  # handed on because their officer was absent
    held_now: dict[str, int] = field(default_factory=dict)  # by reason
    officers: list[OfficerFigures] = field(default_factory=list)
    checks: CheckFigures = CheckFigures()
    by_hand_reasons: dict[str, int] = field(default_factory=dict)  # by hand, per reason code (each code it had)
    by_hand_supervisors: dict[str, int] = field(default_factory=dict)  # by hand, per supervisor who moved them

    @property
    def automatic(self) -> int:
        """Assigned by the rotation, by a turn or kept with a group."""
        return self.by_turn + self.kept_in_group

    @property
    def by_hand_share(self) -> float:
        """The part of the declarations for the rotation a supervisor reassigned (the pilot's 15.4 %)."""
        return self.by_hand / self.for_rotation if self.for_rotation else 0.0

    def over_baseline(self, baseline: float) -> bool:
        """Whether a supervisor reassigned more of the unit's declarations by hand than the baseline share."""
        return self.by_hand_share > baseline

    @property
    def held(self) -> int:
        """Held now, every reason."""
        return sum(self.held_now.values())

    @property
    def spread(self) -> int | None:
        """Max − min automatic turns among the officers on the roster (rule 2 keeps it ≤ 1); None if none."""
        return spread(officer.turns for officer in self.officers if officer.on_roster)

    def share(self, officer: OfficerFigures) -> float:
        """The officer's part of the unit's assigned declarations (0 to 1)."""
        total = sum(o.assigned for o in self.officers)
        return officer.assigned / total if total else 0.0


@dataclass(frozen=True)
class AbsenceLine:
    """An absence during the period: whose, where (None: every unit), from when to when, entered when and by
    whom."""

    officer_id: str
    unit: Unit | None
    starts_at: datetime
    recorded_at: datetime | None
    until: datetime | None
    ended_at: datetime | None
    created_by: str
    reason: str | None

    @property
    def back_dated(self) -> bool:
        """Whether it was entered well after it began (a supervisor's late entry, or a convenient one)."""
        return self.recorded_at is not None and self.recorded_at - self.starts_at > BACK_DATED_AFTER


@dataclass(frozen=True)
class Report:
    """Every unit with declarations in the period, and their sum."""

    scope: Scope
    period: Period
    units: list[UnitFigures]
    completion_times: CompletionTimes = CompletionTimes()  # over every unit's completed checks
    by_hand_baseline: float = BY_HAND_BASELINE  # the share by hand a unit is compared with
    absences: list[AbsenceLine] = field(default_factory=list)  # in force at some time in the period

    def total(self) -> UnitFigures:
        """All units added up (no officers: an officer's share only means something within a unit)."""
        total = UnitFigures(Unit("*", "*"))
        for unit in self.units:
            total.by_channel = _added(total.by_channel, unit.by_channel)
            total.held_now = _added(total.held_now, unit.held_now)
            total.for_rotation += unit.for_rotation
            total.after_hours += unit.after_hours
            total.by_turn += unit.by_turn
            total.kept_in_group += unit.kept_in_group
            total.by_hand += unit.by_hand
            total.by_hand_reasons = _added(total.by_hand_reasons, unit.by_hand_reasons)
            total.by_hand_supervisors = _added(total.by_hand_supervisors, unit.by_hand_supervisors)
            total.redistributed += unit.redistributed
        total.checks = CheckFigures(
            sum(unit.checks.in_time for unit in self.units),
            sum(unit.checks.late for unit in self.units),
            sum(unit.checks.overdue_now for unit in self.units),
            self.completion_times,
        )
        return total


def add_times(units: Iterable[UnitFigures], times: TimesToComplete) -> None:
    """Give each unit, and each of its officers, the times their completed checks took."""
    for unit in units:
        unit.checks = replace(unit.checks, times=times.units.get(unit.unit, CompletionTimes()))
        officers = []
        for officer in unit.officers:
            took = times.officers.get((unit.unit, officer.officer_id), CompletionTimes())
            officers.append(replace(officer, checks=replace(officer.checks, times=took)))
        unit.officers = officers


def spread(counts: Iterable[int]) -> int | None:
    """Max − min of the officers' counts (rule 2 keeps their automatic turns within 1); None for no officer."""
    values = list(counts)
    return max(values) - min(values) if values else None


def _added(left: Mapping[str, int], right: Mapping[str, int]) -> dict[str, int]:
    summed = dict(left)
    for key, count in right.items():
        summed[key] = summed.get(key, 0) + count
    return summed
