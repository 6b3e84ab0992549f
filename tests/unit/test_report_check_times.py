"""Times to complete a check: working hours from the complete dossier, and their median and 90th percentile by
nearest rank."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assigner.domain.check_times import (
    CheckFigures,
    CompletedCheck,
    CompletionTimes,
    in_hours,
    nearest_rank,
    times_to_complete,
)
from assigner.domain.model import Unit
from assigner.domain.reports import Period, Report, Scope, UnitFigures
from assigner.domain.working_hours import HoursBook, WorkingHours

HANOI = timezone(timedelta(hours=7))
A, B = Unit("01B1", "00"), Unit("01B1", "01")
BOOK = HoursBook()  # Monday to Friday, 07:30 to 17:00 in Asia/Ho_Chi_Minh


def hours(*values: float) -> list[timedelta]:
    return [timedelta(hours=value) for value in values]


def hanoi(day: int, hour: int, minute: int = 0) -> datetime:
    """June 2025 in Hanoi: the 2nd is a Monday, the 6th a Friday, the 9th the next Monday."""
    return datetime(2025, 6, day, hour, minute, tzinfo=HANOI)


def time_to_complete(book: HoursBook, check: CompletedCheck) -> timedelta | None:
    """One check's time to complete (the median of one)."""
    return times_to_complete(book, [check]).overall.median


durations = st.lists(st.integers(min_value=0, max_value=10_000_000).map(lambda s: timedelta(seconds=s)), max_size=60)


class TestNearestRank:
    @pytest.mark.parametrize(
        ("values", "median", "p90"),
        [
            ([1], 1, 1),
            ([2, 1], 1, 2),  # an even count: the lower middle
            ([4, 1, 3, 2], 2, 4),
            ([0.75, 1, 4], 1, 4),
            ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5, 9),  # 90 % of 10 is the 9th
            ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 6, 10),  # 90 % of 11 is 9.9: the 10th
        ],
    )
    def test_the_percentile_is_the_smallest_value_that_enough_do_not_exceed(
        self, values: list[float], median: float, p90: float
    ) -> None:
        times = CompletionTimes.of(hours(*values))
        assert (times.median, times.p90) == (timedelta(hours=median), timedelta(hours=p90))

    def test_no_duration_has_no_percentile(self) -> None:
        assert CompletionTimes.of([]) == CompletionTimes(None, None)
        assert nearest_rank([], 50) is None

    @pytest.mark.parametrize("percent", [0, 101, -5])
    def test_a_percent_outside_1_to_100_is_refused(self, percent: int) -> None:
        with pytest.raises(ValueError, match="1 to 100"):
            nearest_rank(hours(1), percent)

    @given(durations.filter(bool))
    def test_the_median_is_at_most_the_90th_percentile_and_both_are_observed(self, values: list[timedelta]) -> None:
        times = CompletionTimes.of(values)
        assert times.median is not None and times.p90 is not None
        assert min(values) <= times.median <= times.p90 <= max(values)
        assert times.median in values and times.p90 in values

    @given(durations.filter(bool))
    def test_at_least_the_percent_do_not_exceed_it_and_fewer_are_below_it(self, values: list[timedelta]) -> None:
        ordered = sorted(values)
        for percent in (50, 90):
            found = nearest_rank(ordered, percent)
            assert found is not None
            assert 100 * sum(v <= found for v in values) >= percent * len(values)
            assert 100 * sum(v < found for v in values) < percent * len(values)

    @given(durations.filter(bool), st.integers(min_value=0, max_value=10_000_000))
    def test_adding_a_larger_value_never_lowers_either(self, values: list[timedelta], more: int) -> None:
        before = CompletionTimes.of(values)
        after = CompletionTimes.of([*values, max(values) + timedelta(seconds=more)])
        assert before.median is not None and before.p90 is not None
        assert after.median is not None and after.p90 is not None
        assert after.median >= before.median and after.p90 >= before.p90

    def test_hours_have_two_decimals(self) -> None:
        assert in_hours(timedelta(minutes=100)) == 1.67 and in_hours(None) is None
        assert CheckFigures(times=CompletionTimes.of(hours(0.25, 3))).p90_hours == 3.0


class TestTimeToComplete:
    def test_it_counts_working_hours_only_so_a_weekend_adds_nothing(self) -> None:
        check = CompletedCheck(A, "a", hanoi(6, 15), hanoi(9, 9, 30))  # Friday 15:00 to Monday 09:30
        assert time_to_complete(BOOK, check) == timedelta(hours=4)  # 15:00-17:00 and 07:30-09:30

    def test_it_uses_the_office_s_own_hours(self) -> None:
        book = HoursBook(by_office={"01B1": WorkingHours(periods=((1, (hanoi(2, 8).time(), hanoi(2, 12).time())),))})
        check = CompletedCheck(A, "a", hanoi(2, 7), hanoi(3, 7))  # Monday 08:00-12:00 is all it works
        assert time_to_complete(book, check) == timedelta(hours=4)

    def test_completed_before_the_dossier_was_complete_took_no_time(self) -> None:
        assert time_to_complete(BOOK, CompletedCheck(A, "a", hanoi(2, 10), hanoi(2, 9))) == timedelta(0)

    def test_times_are_gathered_per_unit_per_officer_and_overall(self) -> None:
        checks = [
            CompletedCheck(A, "a", hanoi(2, 9), hanoi(2, 10)),  # 1 h
            CompletedCheck(A, "a", hanoi(2, 9), hanoi(2, 12)),  # 3 h
            CompletedCheck(A, "b", hanoi(2, 9), hanoi(2, 11)),  # 2 h
            CompletedCheck(A, None, hanoi(2, 9), hanoi(2, 9, 30)),  # completed while held: the unit's only
            CompletedCheck(B, "a", hanoi(2, 9), hanoi(2, 13)),  # 4 h, the same officer in another unit
        ]
        times = times_to_complete(BOOK, checks)
        assert times.officers == {
            (A, "a"): CompletionTimes(*hours(1, 3)),
            (A, "b"): CompletionTimes(*hours(2, 2)),
            (B, "a"): CompletionTimes(*hours(4, 4)),
        }
        assert times.units == {A: CompletionTimes(*hours(1, 3)), B: CompletionTimes(*hours(4, 4))}
        assert times.overall == CompletionTimes(*hours(2, 4))


class TestReportTotal:
    def test_the_total_adds_the_counts_and_takes_the_overall_times(self) -> None:
        first = UnitFigures(A, checks=CheckFigures(3, 2, 1, CompletionTimes(*hours(1, 4))))
        second = UnitFigures(B, checks=CheckFigures(1, 0, 2))
        overall = CompletionTimes(*hours(1.5, 4))
        report = Report(
            Scope("01B1"), Period(hanoi(2, 0).date(), hanoi(2, 0).date(), "Asia/Ho_Chi_Minh"), [first, second], overall
        )
        assert report.total().checks == CheckFigures(4, 2, 3, overall)
