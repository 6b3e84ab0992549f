"""The command line, through its entry point, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from environment import POSTGRES_ADMIN_URL
from integration.helpers import message, numbers
from sqlalchemy import func, select

from assigner.cli import run
from assigner.storage.tables import AuditRow, MembershipRow, OfficerRow

ROSTER = """officer_id,name,customs_office,department,role
a,Officer A,01B1,00,checker
b,Officer B,01B1,00,checker
c,Officer C,01B1,00,checker
s,Supervisor S,01B1,00,supervisor
"""


def table_rows(out: str) -> list[list[str]]:
    """The cells of each checker row of a rich table."""
    rows = []
    for line in out.splitlines():
        if "checker" in line:
            rows.append([cell.strip() for cell in line.strip().strip("│").split("│")])
    return rows


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def table_count(database_url: str, table: type) -> int:
    from assigner.storage.engine import make_engine

    engine = make_engine(database_url)
    with engine.connect() as connection:
        found = connection.scalar(select(func.count()).select_from(table)) or 0
    engine.dispose()
    return found


class TestRosterImport:
    def test_import_then_reimport_changes_nothing_the_second_time(self, cli, tmp_path: Path, database_url: str) -> None:
        path = write(tmp_path / "roster.csv", ROSTER)
        code, out, _ = cli("roster", "import", str(path))
        assert code == 0 and "new unit" in out and "4 officer(s) created" in out
        audit_rows = table_count(database_url, AuditRow)
        code, out, _ = cli("roster", "import", str(path))
        assert code == 0 and "0 officer(s) created or updated" in out
        assert table_count(database_url, AuditRow) == audit_rows

    def test_reimport_reorders_and_removes(self, cli, tmp_path: Path) -> None:
        cli("roster", "import", str(write(tmp_path / "r1.csv", ROSTER)))
        reordered = (
            ROSTER.replace("a,Officer A,01B1,00,checker\n", "")
            .replace("c,Officer C,01B1,00,checker\n", "c,Officer C,01B1,00,checker\na,Officer A,01B1,00,checker\n")
            .replace("b,Officer B,01B1,00,checker\n", "")
        )
        code, out, _ = cli("roster", "import", str(write(tmp_path / "r2.csv", reordered)))
        assert code == 0
        code, out, _ = cli("roster", "list")
        assert [(row[1], row[2]) for row in table_rows(out)] == [("1", "c"), ("2", "a")]

    def test_bad_row_is_one_line_naming_row_and_field_and_writes_nothing(
        self, cli, tmp_path: Path, database_url: str
    ) -> None:
        bad = ROSTER + "d,Officer D,1B1,00,checker\n"
        code, out, err = cli("roster", "import", str(write(tmp_path / "bad.csv", bad)))
        assert code == 1
        assert err.count("\n") == 1 and err.startswith("error: bad.csv line 6: customs_office")
        assert table_count(database_url, OfficerRow) == 0
        assert table_count(database_url, MembershipRow) == 0

    def test_bad_role_is_rejected(self, cli, tmp_path: Path) -> None:
        code, _, err = cli("roster", "import", str(write(tmp_path / "r.csv", ROSTER.replace("supervisor", "boss"))))
        assert code == 1 and "line 5: role" in err


class TestAssignCommand:
    def test_summary_counts_every_outcome_and_names_rejected_lines(self, cli, tmp_path: Path) -> None:
        cli("roster", "import", str(write(tmp_path / "roster.csv", ROSTER)))
        first, second, third = numbers(3)
        lines = [
            json.dumps(message(first)),
            json.dumps(message(second)),
            json.dumps(message(first)),  # duplicate
            json.dumps(message(first[:11] + "1")),  # amendment
            json.dumps(message(third, channel="green")),
            "{not json",
            json.dumps(message("1234", channel="yellow")),
            json.dumps(message(numbers(1, start=9)[0], department="07")),  # unknown department: held
        ]
        code, out, _ = cli("assign", str(write(tmp_path / "d.jsonl", "\n".join(lines) + "\n")))
        assert code == 3  # some lines rejected: a cron job notices
        summary = {line.split()[0]: int(line.split()[1].replace(",", "")) for line in out.splitlines()[:7]}
        assert summary == {
            "assigned": 2,
            "held": 1,
            "recorded": 1,
            "amendments": 1,
            "duplicates": 1,
            "released": 0,
            "rejected": 2,
        }
        assert "line 6: not JSON" in out
        assert "line 7: declaration_number" in out
        assert "unknown_department 1" in out
        code, out, _ = cli("roster", "list", "--office", "01B1")
        assigned = {row[2]: (row[6], row[7]) for row in table_rows(out)}
        assert assigned == {"a": ("1", ""), "b": ("1", ""), "c": ("0", "▶")}

    def test_a_file_of_only_rejected_lines_exits_4_and_a_clean_one_0(self, cli, tmp_path: Path) -> None:
        cli("roster", "import", str(write(tmp_path / "roster.csv", ROSTER)))
        code, out, _ = cli("assign", str(write(tmp_path / "bad.jsonl", "{not json\n[1]\n")))
        assert code == 4
        assert out.splitlines()[6].split()[:2] == ["rejected", "2"] and "line 1: not JSON" in out
        code, _, _ = cli("assign", str(write(tmp_path / "good.jsonl", json.dumps(message(numbers(1)[0])) + "\n")))
        assert code == 0

    def test_an_unmigrated_database_is_a_one_line_error(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.setenv("ASSIGNER_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
        path = write(tmp_path / "d.jsonl", json.dumps(message(numbers(1)[0])) + "\n")
        assert run(["assign", str(path)]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "run `assigner db upgrade`" in err


class TestConsoleScript:
    def test_python_m_assigner_runs_the_same_commands(self, tmp_path: Path) -> None:
        env_db = f"sqlite:///{tmp_path / 'x.db'}"
        env = {"ASSIGNER_DATABASE_URL": env_db, "ASSIGNER_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
        upgrade = subprocess.run(
            [sys.executable, "-m", "assigner", "db", "upgrade"], env=env, capture_output=True, text=True
        )
        assert upgrade.returncode == 0 and "(head)" in upgrade.stdout
        bad = subprocess.run(
            [sys.executable, "-m", "assigner", "roster", "list", "--office", "x"],
            env=env,
            capture_output=True,
            text=True,
        )
        assert bad.returncode == 1 and bad.stderr.startswith("error: 'x' is not a 4-character")
        assert "Traceback" not in bad.stderr


class TestBench:
    @pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
    def test_bench_assigns_evenly_on_a_scratch_database_and_prints_figures(
        self, backend: str, capsys: pytest.CaptureFixture[str], request: pytest.FixtureRequest
    ) -> None:
        args = ["bench", "assign", "--count", "301", "--batch-size", "50", "--json"]
        if backend == "postgresql":
            request.getfixturevalue("postgres_url")  # fails in CI, skips elsewhere, when the server is missing
            args += ["--postgres", POSTGRES_ADMIN_URL]
        assert run(args) == 0
        figures = json.loads(capsys.readouterr().out)
        assert (figures["bench"], figures["database"]) == ("assign", backend)
        assert (figures["declarations"], figures["assigned"]) == (301, 301)
        units = figures["units"]
        assert [unit["unit"] for unit in units] == ["01B1/00", "01B1/01", "02CI/00"]
        assert sum(unit["assigned"] for unit in units) == 301 and all(unit["spread"] in (0, 1) for unit in units)
        assert figures["peak_rss_mib"] > 0


class TestSample:
    def test_sample_writes_valid_distinct_declarations(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        from assigner.files.declaration_lines import read_declarations

        path = tmp_path / "s.jsonl"
        assert run(["sample", str(path), "--count", "200", "--unit", "01B1/00", "--channel", "red"]) == 0
        items = [item for _, item in read_declarations(path)]
        assert len({item.key for item in items}) == 200  # type: ignore[union-attr]
        assert {(str(item.unit), item.channel.value) for item in items} == {("01B1/00", "red")}  # type: ignore[union-attr]
        assert run(["sample", str(path), "--unit", "01B1"]) == 1
        assert "--unit 01B1" in capsys.readouterr().err


class TestDatabaseRefusal:
    def test_a_declaration_the_database_refuses_is_rejected_and_its_batch_goes_on(
        self, cli, tmp_path: Path, database_url: str
    ) -> None:
        from assigner.storage.engine import make_engine

        refused = numbers(1, start=2)[0]
        engine = make_engine(database_url)
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql(
                    f"ALTER TABLE declarations ADD CONSTRAINT no_{refused} CHECK (declaration_number <> '{refused}')"
                )
            else:
                connection.exec_driver_sql(
                    f"CREATE TRIGGER no_{refused} BEFORE INSERT ON declarations "
                    f"WHEN NEW.declaration_number = '{refused}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
        try:
            cli("roster", "import", str(write(tmp_path / "roster.csv", ROSTER)))
            lines = "".join(json.dumps(message(n)) + "\n" for n in numbers(5))
            code, out, _ = cli("assign", str(write(tmp_path / "d.jsonl", lines)))
        finally:
            with engine.begin() as connection:
                if engine.dialect.name == "postgresql":
                    connection.exec_driver_sql(f"ALTER TABLE declarations DROP CONSTRAINT no_{refused}")
            engine.dispose()
        assert code == 3
        assert out.split()[:2] == ["assigned", "4"]
        assert "line 3: refused by the database" in out


class TestOneLineErrors:
    @pytest.mark.parametrize(
        "args, env, code, start",
        [
            (["bogus"], {}, 2, "error: No such command 'bogus'"),
            (["assign", "/nonexistent.jsonl"], {}, 2, "error: Invalid value for 'file'"),
            (["assign", "."], {}, 2, "error: Invalid value for 'file'"),
            (["roster", "list", "--department", "x"], {}, 1, "error: 'x' is not a 2-digit department"),
            (["db", "upgrade"], {"ASSIGNER_BATCH_SIZE": "abc"}, 1, "error: settings: batch_size"),
            (
                ["db", "upgrade"],
                {"ASSIGNER_CONFIG": "/nonexistent.toml"},
                1,
                "error: ASSIGNER_CONFIG: no settings file",
            ),
            (["db", "upgrade"], {"ASSIGNER_WORKING_HOURS__TIMEZONE": "Mars/Base"}, 1, "error: settings: working_hours"),
            (["sample", "."], {}, 1, "error: Is a directory"),
        ],
    )
    def test_bad_input_is_one_line_on_stderr_with_a_non_zero_exit(
        self,
        args: list[str],
        env: dict[str, str],
        code: int,
        start: str,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        monkeypatch.setenv("ASSIGNER_HOME", str(tmp_path))
        monkeypatch.delenv("ASSIGNER_DATABASE_URL", raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        assert run(args) == code
        err = capsys.readouterr().err
        assert err.startswith(start) and err.count("\n") == 1, err

    def test_a_bad_settings_file_is_one_line(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        (tmp_path / "bad.toml").write_text("batch_size = [\n")
        monkeypatch.setenv("ASSIGNER_CONFIG", str(tmp_path / "bad.toml"))
        assert run(["db", "status"]) == 1
        err = capsys.readouterr().err
        assert err.startswith("error: settings file:") and err.count("\n") == 1
