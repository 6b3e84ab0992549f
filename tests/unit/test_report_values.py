"""The report's values: periods in local days, sums, spread and shares."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from assigner.domain.errors import InvalidInput
from assigner.domain.model import Unit
from assigner.domain.reports import OfficerFigures, Period, Report, Scope, UnitFigures
from assigner.services.reports import period_of

HANOI = "Asia/Ho_Chi_Minh"
NOW = datetime(2025, 6, 2, 18, 0, tzinfo=UTC)  # already Tuesday 3 June, 01:00, in Hanoi


class TestPeriod:
    def test_days_are_bounded_at_local_midnight(self) -> None:
        start, end = Period(date(2025, 6, 2), date(2025, 6, 3), HANOI).bounds()
        assert start.astimezone(UTC) == datetime(2025, 6, 1, 17, 0, tzinfo=UTC)
        assert end.astimezone(UTC) == datetime(2025, 6, 3, 17, 0, tzinfo=UTC)

    def test_neither_end_given_is_today_where_the_office_is(self) -> None:
        assert period_of(None, None, HANOI, NOW) == Period(date(2025, 6, 3), date(2025, 6, 3), HANOI)
        assert period_of(None, None, "UTC", NOW) == Period(date(2025, 6, 2), date(2025, 6, 2), "UTC")

    def test_from_alone_runs_to_today_and_to_alone_is_one_day(self) -> None:
        assert period_of(date(2025, 6, 1), None, HANOI, NOW).last_day == date(2025, 6, 3)
        assert period_of(None, date(2025, 5, 1), HANOI, NOW) == Period(date(2025, 5, 1), date(2025, 5, 1), HANOI)
        assert period_of(date(2025, 7, 1), None, HANOI, NOW).last_day == date(2025, 7, 1)

    def test_a_period_ending_before_it_starts_is_refused(self) -> None:
        with pytest.raises(InvalidInput, match="after it ends"):
            period_of(date(2025, 6, 5), date(2025, 6, 1), HANOI, NOW)


def unit(name: str, *turns: int, on_roster: bool = True, **counts: int) -> UnitFigures:
    figures = UnitFigures(Unit("01B1", name), **counts)
    figures.officers = [OfficerFigures(f"o{i}", "", on_roster, assigned=t, turns=t) for i, t in enumerate(turns)]
    return figures


class TestFigures:
    def test_spread_is_over_the_officers_on_the_roster_only(self) -> None:
        figures = unit("00", 5, 4, 5)
        figures.officers.append(OfficerFigures("gone", "", False, assigned=1, turns=1))
        assert figures.spread == 1
        assert unit("01").spread is None

    def test_shares_of_a_unit_add_up_to_one(self) -> None:
        figures = unit("00", 3, 1, 0)
        assert [figures.share(o) for o in figures.officers] == [0.75, 0.25, 0.0]

    def test_the_total_adds_every_unit(self) -> None:
        first = unit(
            "00",
            by_turn=5,
            kept_in_group=1,
            by_hand=2,
            for_rotation=7,
            after_hours=1,
            by_channel={"yellow": 7, "green": 3},
            held_now={"no_eligible_officer": 1},
        )
        second = unit(
            "01",
            by_turn=2,
            for_rotation=3,
            redistributed=1,
            by_channel={"yellow": 3, "red": 1},
            held_now={"no_eligible_officer": 1, "unknown_department": 1},
        )
        total = Report(Scope("01B1"), Period(date(2025, 6, 2), date(2025, 6, 2), HANOI), [first, second]).total()
        assert total.by_channel == {"yellow": 10, "green": 3, "red": 1}
        assert (total.automatic, total.by_hand, total.redistributed, total.for_rotation) == (8, 2, 1, 10)
        assert total.held_now == {"no_eligible_officer": 2, "unknown_department": 1} and total.held == 3
        assert str(Scope()) == "all offices" and str(Scope("01B1", "00")) == "unit 01B1/00"
