"""Working hours only label a declaration after hours (docs/rules.md rule 5)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from assigner.domain.model import Channel, Declaration, Unit
from assigner.domain.working_hours import HoursBook, WorkingHours

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
NOI_BAI = "01B1"
CAT_LAI = "02CI"
NATIONAL_DAY = date(2025, 9, 2)  # a Tuesday


def registered(at: datetime, office: str = NOI_BAI) -> Declaration:
    return Declaration("105432198760", Unit(office, "00"), Channel.YELLOW, at)


def hanoi(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=HANOI)


class TestIsAfterHours:
    book = HoursBook(default=WorkingHours(holidays=frozenset({NATIONAL_DAY})))

    def test_before_the_start_is_after_hours(self) -> None:
        assert self.book.is_after_hours(registered(hanoi(2025, 6, 2, 7, 29)))

    def test_the_start_is_working_time(self) -> None:
        assert not self.book.is_after_hours(registered(hanoi(2025, 6, 2, 7, 30)))

    def test_the_last_second_before_the_end_is_working_time(self) -> None:
        assert not self.book.is_after_hours(registered(hanoi(2025, 6, 6, 16, 59, 59)))

    def test_the_end_exactly_is_after_hours(self) -> None:
        assert self.book.is_after_hours(registered(hanoi(2025, 6, 2, 17, 0)))

    def test_saturday_and_sunday_are_after_hours(self) -> None:
        assert self.book.is_after_hours(registered(hanoi(2025, 6, 7, 10, 0)))
        assert self.book.is_after_hours(registered(hanoi(2025, 6, 8, 10, 0)))

    def test_a_listed_holiday_is_after_hours(self) -> None:
        assert self.book.is_after_hours(registered(hanoi(2025, 9, 2, 10, 0)))
        assert not self.book.is_after_hours(registered(hanoi(2025, 9, 3, 10, 0)))

    def test_holidays_are_only_those_listed(self) -> None:
        assert not HoursBook().is_after_hours(registered(hanoi(2025, 9, 2, 10, 0)))

    def test_early_monday_in_hanoi_given_in_utc_on_sunday_is_after_hours(self) -> None:
        sunday_utc = datetime(2025, 6, 1, 23, 30, tzinfo=UTC)  # Monday 06:30 in Hanoi
        assert self.book.is_after_hours(registered(sunday_utc))

    def test_late_evening_in_hanoi_given_as_utc_working_time_is_after_hours(self) -> None:
        afternoon_utc = datetime(2025, 6, 2, 16, 59, tzinfo=UTC)  # Monday 23:59 in Hanoi
        assert self.book.is_after_hours(registered(afternoon_utc))

    def test_morning_in_hanoi_given_as_utc_night_is_working_time(self) -> None:
        night_utc = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)  # Monday 09:00 in Hanoi
        assert not self.book.is_after_hours(registered(night_utc))

    def test_the_local_date_decides_the_weekday(self) -> None:
        friday_night = datetime(2025, 6, 6, 20, 0, tzinfo=UTC)  # Saturday 03:00 in Hanoi
        friday_morning = datetime(2025, 6, 6, 1, 0, tzinfo=UTC)  # Friday 08:00 in Hanoi
        assert self.book.is_after_hours(registered(friday_night))
        assert not self.book.is_after_hours(registered(friday_morning))


class TestOfficeOverride:
    late_office = WorkingHours(start=time(8, 0), end=time(20, 0), weekdays=frozenset({1, 2, 3, 4, 5, 6}))
    book = HoursBook(by_office={CAT_LAI: late_office})

    def test_override_applies_to_its_office(self) -> None:
        assert self.book.is_after_hours(registered(hanoi(2025, 6, 2, 7, 45), CAT_LAI))
        assert not self.book.is_after_hours(registered(hanoi(2025, 6, 2, 18, 0), CAT_LAI))
        assert not self.book.is_after_hours(registered(hanoi(2025, 6, 7, 10, 0), CAT_LAI))

    def test_other_offices_keep_the_default(self) -> None:
        assert not self.book.is_after_hours(registered(hanoi(2025, 6, 2, 7, 45), NOI_BAI))
        assert self.book.is_after_hours(registered(hanoi(2025, 6, 2, 18, 0), NOI_BAI))
        assert self.book.is_after_hours(registered(hanoi(2025, 6, 7, 10, 0), NOI_BAI))

    def test_for_office_gives_the_override_or_the_default(self) -> None:
        assert self.book.for_office(CAT_LAI) is self.late_office
        assert self.book.for_office(NOI_BAI) == WorkingHours()

    def test_override_time_zone_is_used_for_its_office(self) -> None:
        book = HoursBook(by_office={CAT_LAI: WorkingHours(timezone="UTC")})
        at = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)  # 03:00 UTC, 10:00 in Hanoi
        assert book.is_after_hours(registered(at, CAT_LAI))
        assert not book.is_after_hours(registered(at, NOI_BAI))
