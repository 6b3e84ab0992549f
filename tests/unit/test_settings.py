"""Settings: config/assigner.toml, then ASSIGNER_CONFIG, then ASSIGNER_* variables."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from assigner.domain.model import Channel
from assigner.settings import Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("ASSIGNER_DATABASE_URL", "ASSIGNER_CONFIG", "ASSIGNER_BATCH_SIZE", "ASSIGNER_WORKING_HOURS__START"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ASSIGNER_HOME", str(tmp_path / "home"))


class TestSettings:
    def test_without_a_database_url_the_database_is_sqlite_in_the_home_folder(self, tmp_path: Path) -> None:
        settings = Settings()
        assert settings.resolved_database_url() == f"sqlite:///{tmp_path / 'home' / 'assigner.db'}"
        assert (tmp_path / "home").is_dir()

    def test_defaults_come_from_the_shipped_config_file(self) -> None:
        settings = Settings()
        assert settings.batch_size == 500
        assert settings.default_channels() == frozenset({Channel.YELLOW})
        hours = settings.hours_book().default
        assert (hours.start, hours.end, hours.timezone) == (time(7, 30), time(17, 0), "Asia/Ho_Chi_Minh")
        assert date(2026, 9, 2) in hours.holidays

    def test_environment_overrides_the_files(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("ASSIGNER_DATABASE_URL", "postgresql+psycopg://u@db/assigner")
        monkeypatch.setenv("ASSIGNER_BATCH_SIZE", "50")
        monkeypatch.setenv("ASSIGNER_WORKING_HOURS__START", "08:00")
        settings = Settings()
        assert settings.resolved_database_url() == "postgresql+psycopg://u@db/assigner"
        assert settings.batch_size == 50
        assert settings.working_hours.start == time(8, 0)

    def test_a_config_file_is_read_on_top_of_the_defaults_and_under_the_environment(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        config = tmp_path / "site.toml"
        config.write_text('batch_size = 200\nauto_channels = ["yellow", "red"]\n[offices.01B1]\nstart = "07:00"\n')
        monkeypatch.setenv("ASSIGNER_CONFIG", str(config))
        monkeypatch.setenv("ASSIGNER_BATCH_SIZE", "300")
        settings = Settings()
        assert settings.batch_size == 300
        assert settings.default_channels() == frozenset({Channel.YELLOW, Channel.RED})
        book = settings.hours_book()
        assert book.for_office("01B1").start == time(7, 0)
        assert book.for_office("02CI").start == time(7, 30)

    def test_an_office_override_keeps_the_default_holidays_and_weekdays(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        config = tmp_path / "site.toml"
        config.write_text('[offices.01B1]\nend = "16:30"\n')
        monkeypatch.setenv("ASSIGNER_CONFIG", str(config))
        office = Settings().hours_book().for_office("01B1")
        assert office.end == time(16, 30) and office.start == time(7, 30)
        assert date(2026, 9, 2) in office.holidays and office.weekdays == frozenset({1, 2, 3, 4, 5})

    def test_an_unknown_time_zone_is_refused(self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        config = tmp_path / "site.toml"
        config.write_text('[offices.01B1]\ntimezone = "Mars/Base"\n')
        monkeypatch.setenv("ASSIGNER_CONFIG", str(config))
        with pytest.raises(ValueError, match="unknown time zone 'Mars/Base'"):
            Settings()


class TestLegalClockSettings:
    def test_an_office_with_a_lunch_break_lists_its_periods_per_weekday(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        config = tmp_path / "site.toml"
        config.write_text(
            "[offices.02CI]\ncheck_deadline_working_hours = 3\n"
            'periods = { 1 = [["07:30", "11:30"], ["13:00", "17:00"]], 6 = [["08:00", "12:00"]] }\n'
        )
        monkeypatch.setenv("ASSIGNER_CONFIG", str(config))
        office = Settings().hours_book().for_office("02CI")
        assert office.periods_on(date(2025, 6, 2)) == ((time(7, 30), time(11, 30)), (time(13), time(17)))
        assert office.periods_on(date(2025, 6, 7)) == ((time(8), time(12)),)  # a Saturday
        assert office.periods_on(date(2025, 6, 3)) == ()  # a Tuesday it does not list
        assert office.check_deadline_hours == 3 and office.inspection_deadline_hours == 8

    def test_an_office_giving_its_own_hours_does_not_inherit_the_defaults_periods(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        config = tmp_path / "site.toml"
        config.write_text(
            '[working_hours]\nperiods = { 1 = [["07:30", "11:30"], ["13:00", "17:00"]] }\n'
            '[offices.01B1]\nstart = "06:00"\nend = "20:00"\nweekdays = [1, 2, 3, 4, 5, 6]\n'
            '[offices.02CI]\nperiods = { 6 = [] , 1 = [["08:00", "12:00"]] }\n'
        )
        monkeypatch.setenv("ASSIGNER_CONFIG", str(config))
        book = Settings().hours_book()
        assert book.for_office("01B1").periods_on(date(2025, 6, 7)) == ((time(6), time(20)),)  # a Saturday
        assert book.for_office("02CI").periods_on(date(2025, 6, 3)) == ()  # periods given: Tuesday not worked
        assert book.for_office("03TT").periods_on(date(2025, 6, 2)) == (
            (time(7, 30), time(11, 30)),
            (time(13), time(17)),
        )

    @pytest.mark.parametrize(
        "periods, error",
        [
            ('{ 8 = [["07:30", "11:30"]] }', "8 is no ISO weekday"),
            ('{ 1 = [["11:30", "07:30"]] }', "ends before it starts"),
            ('{ 1 = [["07:30", "12:00"], ["11:00", "17:00"]] }', "overlap at 11:00"),
            ("{}", "no working time in the week"),
        ],
    )
    def test_periods_that_make_no_sense_are_refused_in_one_line(
        self, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, periods: str, error: str
    ) -> None:
        config = tmp_path / "site.toml"
        config.write_text(f"[working_hours]\nweekdays = []\nperiods = {periods}\n")
        monkeypatch.setenv("ASSIGNER_CONFIG", str(config))
        with pytest.raises(ValueError, match=error):
            Settings()
