"""What a newcomer trips over gets one line naming the setting or the line at fault, and changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from assigner.cli import run
from assigner.domain.errors import InvalidInput, InvalidRoster
from assigner.files.roster_csv import read_roster
from assigner.services.reports import period_of

HANOI = "Asia/Ho_Chi_Minh"
NOW = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No ASSIGNER_* of the test's own environment; a home that exists."""
    import os

    for name in [name for name in os.environ if name.startswith("ASSIGNER_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("ASSIGNER_HOME", str(tmp_path / "home"))
    return tmp_path


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err.strip()


class TestSettings:
    @pytest.mark.parametrize(
        ("name", "value", "says"),
        [
            (
                "ASSIGNER_AUTO_CHANNELS",
                "yellow",
                "ASSIGNER_AUTO_CHANNELS is not valid JSON: a list or table setting is "
                "written as JSON, e.g. ASSIGNER_AUTO_CHANNELS='[\"yellow\"]'",
            ),
            ("ASSIGNER_COMMAND_KEYS", "sup.a=key", "ASSIGNER_COMMAND_KEYS is not valid JSON"),
            ("ASSIGNER_LOG_FORMAT", "xml", "log_format: Input should be 'auto', 'json' or 'console'"),
            ("ASSIGNER_BROKER_URL", "http://127.0.0.1:15672/", "broker_url: 'http://' is not a RabbitMQ URL"),
            ("ASSIGNER_BROKER_URL", "redis://127.0.0.1:6379/0", "broker_url: 'redis://' is not a RabbitMQ URL"),
            (
                "ASSIGNER_DATABASE_URL",
                "postgres://u@h/db",
                "database_url: 'postgres://' is not supported: write postgresql+psycopg://",
            ),
            (
                "ASSIGNER_DATABASE_URL",
                "mysql://u@h/db",
                "database_url: 'mysql://' is not supported: assigner runs on PostgreSQL",
            ),
        ],
    )
    def test_a_bad_value_is_one_line_naming_the_setting(
        self,
        clean_env: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        name: str,
        value: str,
        says: str,
    ) -> None:
        monkeypatch.setenv(name, value)
        assert run(["report"]) == 1
        assert says in one_line(capsys)

    def test_an_unknown_key_in_a_settings_file_is_refused(
        self,
        clean_env: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        config = clean_env / "assigner.toml"
        config.write_text("batch_size = 10\nbatchsize = 20\n")
        monkeypatch.setenv("ASSIGNER_CONFIG", str(config))
        assert run(["report"]) == 1
        assert one_line(capsys) == (
            "error: settings: unknown setting 'batchsize' (a settings file may hold only the "
            "keys of config/assigner.toml)"
        )


class TestReadOnlyCommandsOnAMistypedHome:
    @pytest.mark.parametrize("command", [["report"], ["db", "status"], ["roster", "list"]])
    def test_no_folder_and_no_database_is_made(
        self,
        clean_env: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        command: list[str],
    ) -> None:
        typo = clean_env / "assigner-hom"
        monkeypatch.setenv("ASSIGNER_HOME", str(typo))
        assert run(command) == 1
        assert one_line(capsys) == (
            f"error: no database at {typo / 'assigner.db'}: run `assigner db upgrade` first, "
            "or check ASSIGNER_HOME (or set ASSIGNER_DATABASE_URL)"
        )
        assert not typo.exists()

    def test_health_says_so_and_makes_nothing_either(
        self,
        clean_env: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        typo = clean_env / "assigner-hom"
        monkeypatch.setenv("ASSIGNER_HOME", str(typo))
        assert run(["health"]) == 1
        out = capsys.readouterr().out
        assert f"fail database: no database at {typo / 'assigner.db'}" in out
        assert "fail broker: embedded broker in" in out and "the folder does not exist" in out
        assert not typo.exists()


class TestReportPeriod:
    def test_a_day_out_of_range_is_refused_before_any_query(self) -> None:
        with pytest.raises(InvalidInput, match="out of range: days from 1900-01-01 to 9998-12-31"):
            period_of(date(1, 1, 1), None, HANOI, NOW)
        with pytest.raises(InvalidInput, match="out of range"):
            period_of(None, date(9999, 12, 31), HANOI, NOW)

    def test_the_cli_says_it_in_one_line(self, clean_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert run(["db", "upgrade"]) == 0
        capsys.readouterr()
        assert run(["report", "--from", "0001-01-01"]) == 1
        assert "out of range" in one_line(capsys)


class TestRosterFile:
    def test_a_field_over_the_csv_limit_names_its_line(self, tmp_path: Path) -> None:
        path = tmp_path / "roster.csv"
        path.write_text(
            "officer_id,name,customs_office,department,role\no1,Lan,01B1,00,checker\n"
            f"o2,{'x' * 140_000},01B1,00,checker\n"
        )
        with pytest.raises(InvalidRoster, match=r"^roster.csv line 3: field larger than field limit"):
            read_roster(path)
