"""The legal clock (docs/rules.md rule 8): a check is due 2 working hours after the complete dossier."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assigner.domain.legal_clock import (
    NoWorkingTime,
    WorkingCalendar,
    deadline_for,
    due_at,
    working_periods,
    working_time_between,
)
from assigner.domain.model import Channel
from assigner.domain.working_hours import WorkingHours

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
TWO_HOURS = timedelta(hours=2)
DEFAULT = WorkingHours()
LUNCH_DAY = ((time(7, 30), time(11, 30)), (time(13), time(17)))
LUNCH = WorkingHours(periods=tuple((day, period) for day in range(1, 6) for period in LUNCH_DAY))


def hanoi(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=HANOI)


class TestExamples:
    def test_friday_afternoon_is_due_on_monday_morning(self) -> None:
        assert due_at(DEFAULT, hanoi(2025, 6, 6, 16, 30), TWO_HOURS) == hanoi(2025, 6, 9, 9, 0)

    def test_saturday_is_due_two_hours_into_monday(self) -> None:
        assert due_at(DEFAULT, hanoi(2025, 6, 7, 10, 0), TWO_HOURS) == hanoi(2025, 6, 9, 9, 30)

    def test_within_the_day(self) -> None:
        assert due_at(DEFAULT, hanoi(2025, 6, 2, 9, 15), TWO_HOURS) == hanoi(2025, 6, 2, 11, 15)

    def test_the_lunch_break_does_not_count(self) -> None:
        assert due_at(LUNCH, hanoi(2025, 6, 2, 10, 30), TWO_HOURS) == hanoi(2025, 6, 2, 14, 0)

    def test_a_holiday_does_not_count(self) -> None:
        national_day = WorkingHours(holidays=frozenset({date(2025, 9, 1), date(2025, 9, 2)}))
        assert due_at(national_day, hanoi(2025, 8, 29, 16, 0), TWO_HOURS) == hanoi(2025, 9, 3, 8, 30)

    def test_a_start_given_in_utc_counts_in_the_office_zone(self) -> None:
        friday_utc = datetime(2025, 6, 6, 9, 30, tzinfo=UTC)  # 16:30 in Hanoi
        assert due_at(DEFAULT, friday_utc, TWO_HOURS) == hanoi(2025, 6, 9, 9, 0)

    def test_ending_at_the_close_is_due_at_the_close(self) -> None:
        assert due_at(DEFAULT, hanoi(2025, 6, 2, 15, 0), TWO_HOURS) == hanoi(2025, 6, 2, 17, 0)

    def test_working_time_between_skips_the_night_and_the_weekend(self) -> None:
        assert working_time_between(DEFAULT, hanoi(2025, 6, 6, 16, 30), hanoi(2025, 6, 9, 9, 0)) == TWO_HOURS

    def test_working_time_between_is_zero_backwards(self) -> None:
        assert working_time_between(DEFAULT, hanoi(2025, 6, 9, 9), hanoi(2025, 6, 6, 9)) == timedelta()

    def test_hours_with_no_working_time_say_so(self) -> None:
        with pytest.raises(NoWorkingTime):
            due_at(WorkingHours(weekdays=frozenset()), hanoi(2025, 6, 2, 9), TWO_HOURS)

    def test_deadlines_follow_the_law_by_channel(self) -> None:
        assert deadline_for(DEFAULT, Channel.YELLOW) == TWO_HOURS
        assert deadline_for(DEFAULT, Channel.RED) == timedelta(hours=8)
        assert deadline_for(DEFAULT, Channel.GREEN) is None


@st.composite
def office_hours(draw: st.DrawFn) -> WorkingHours:
    """Working weeks with up to three periods a day (lunch breaks), closed days, holidays, another zone."""
    periods: list[tuple[int, tuple[time, time]]] = []
    for day in range(1, 8):
        cuts = sorted(draw(st.sets(st.integers(0, 24 * 4 - 1), max_size=6)))
        for start, end in zip(cuts[::2], cuts[1::2]):
            periods.append((day, (_quarter(start), _quarter(end))))
    if not periods:
        periods.append((draw(st.integers(1, 7)), (time(8), time(12))))
    holidays = draw(st.frozensets(st.dates(date(2025, 1, 1), date(2025, 12, 31)), max_size=40))
    timezone = draw(st.sampled_from(["Asia/Ho_Chi_Minh", "UTC", "Asia/Tokyo", "America/Sao_Paulo"]))
    return WorkingHours(timezone, holidays=holidays, periods=tuple(periods))


def _quarter(index: int) -> time:
    return time(index // 4, index % 4 * 15)


starts = st.datetimes(datetime(2025, 1, 1), datetime(2025, 12, 31), timezones=st.just(UTC))
deadlines = st.integers(1, 16 * 60).map(lambda minutes: timedelta(minutes=minutes))


class TestProperties:
    @settings(max_examples=300, deadline=None)
    @given(office_hours(), starts, deadlines)
    def test_the_due_time_is_never_between_working_periods(
        self, hours: WorkingHours, start: datetime, deadline: timedelta
    ) -> None:
        due = due_at(hours, start, deadline).astimezone(hours.zone)
        local = due.replace(tzinfo=None)
        assert any(begin <= local.time() <= end for begin, end in hours.periods_on(local.date()))

    @settings(max_examples=300, deadline=None)
    @given(office_hours(), starts, deadlines)
    def test_exactly_the_deadline_of_working_time_passes(
        self, hours: WorkingHours, start: datetime, deadline: timedelta
    ) -> None:
        due = due_at(hours, start, deadline)
        assert due >= start
        assert working_time_between(hours, start, due) == deadline

    @settings(max_examples=300, deadline=None)
    @given(office_hours(), starts, starts, deadlines)
    def test_a_later_start_is_never_due_earlier(
        self, hours: WorkingHours, first: datetime, second: datetime, deadline: timedelta
    ) -> None:
        earlier, later = sorted((first, second))
        assert due_at(hours, earlier, deadline) <= due_at(hours, later, deadline)

    @settings(max_examples=200, deadline=None)
    @given(office_hours(), starts)
    def test_periods_are_working_time_and_in_order(self, hours: WorkingHours, start: datetime) -> None:
        previous_end = None
        for index, (begin, end) in enumerate(working_periods(hours, start)):
            assert begin < end
            assert previous_end is None or previous_end <= begin
            assert hours.is_working_time(begin.date(), begin.time())
            previous_end = end
            if index == 20:
                break


spans = st.lists(st.tuples(starts, st.integers(-3 * 24 * 60, 40 * 24 * 60)), min_size=1, max_size=30)


class TestWorkingCalendar:
    @settings(max_examples=300, deadline=None)
    @given(office_hours(), spans)
    def test_it_counts_what_working_time_between_counts(
        self, hours: WorkingHours, pairs: list[tuple[datetime, int]]
    ) -> None:
        calendar = WorkingCalendar(hours)  # one for all the pairs, as a report keeps it: days counted both ways
        for start, minutes in pairs:
            end = start + timedelta(minutes=minutes)
            assert calendar.between(start, end) == working_time_between(hours, start, end), (start, end)

    def test_the_weekend_and_the_lunch_break_are_left_out(self) -> None:
        calendar = WorkingCalendar(LUNCH)
        assert calendar.between(hanoi(2025, 6, 6, 16), hanoi(2025, 6, 9, 14)) == timedelta(hours=6)
        assert calendar.between(hanoi(2025, 6, 2, 11), hanoi(2025, 6, 2, 12)) == timedelta(minutes=30)
        assert calendar.between(hanoi(2025, 6, 9, 9), hanoi(2025, 6, 6, 9)) == timedelta()
