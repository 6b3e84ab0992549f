"""`assigner bench report` and `assigner bench verify` on SQLite, small: what they load, verify and print."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from integration.helpers import declaration

from assigner.bootstrap import Runtime
from assigner.cli import run
from assigner.domain.model import Unit
from assigner.files.roster_csv import read_roster
from assigner.services.assign import assign_declarations
from assigner.services.roster import import_roster
from assigner.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def figures(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, object]:
    """Run `assigner bench ARGS --json`; its one JSON document."""
    assert run(["bench", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


class TestBenchVerify:
    def test_full_and_since_verify_both_hold_and_since_reads_only_the_last_batches(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        found = figures(capsys, "verify", "--entries", "2400")
        assert (found["bench"], found["database"], found["entries"]) == ("verify", "sqlite", 2400)
        assert found["full_verify_ok"] and found["full_verify_entries"] == 2400
        assert found["turns_re_derived"] == 2399  # every entry but the roster import is a turn
        assert found["since_ok"] and found["since_entries"] == 400  # after the head before the batch crossing 99 %
        assert len(found["head"]) == 64
        assert found["export_verify_ok"] and found["export_verify_head"] == found["head"]
        assert found["stdlib_verifier_said"] == (
            f"OK: 2,400 entries chained, 2,399 turns re-derived from the rotation rules; head {found['head']}"
        )


class TestBenchReport:
    def test_each_report_counts_declarations_of_the_loaded_year(self, capsys: pytest.CaptureFixture[str]) -> None:
        found = figures(capsys, "report", "--rows", "3000")
        assert (found["bench"], found["declarations"]) == ("report", 3000)
        counted = {key: value for key, value in found.items() if key.endswith(": declarations")}
        assert counted and all(isinstance(value, int) and 0 < value <= 3000 for value in counted.values())


class TestBenchConsole:
    def test_an_officers_and_a_supervisors_pages_are_timed_on_the_data_of_a_home(
        self, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        home = tmp_path / "home"
        monkeypatch.setenv("ASSIGNER_HOME", str(home))
        assert run(["db", "upgrade"]) == 0
        runtime = Runtime(Settings(home=home)).ready()
        entries = read_roster(ROOT / "samples" / "roster.csv")
        import_roster(runtime.unit_of_work(), entries, runtime.clock, runtime.policy, "test")
        stream = [declaration(f"1000000{n:04d}0", Unit("01B1", "00")) for n in range(8)]  # 4 checkers
        assign_declarations(runtime.unit_of_work(), stream, runtime.clock, runtime.policy)
        runtime.engine.dispose()
        capsys.readouterr()
        found = figures(
            capsys, "console", "--home", str(home), "--rounds", "2", "--officer", "off.0001", "--unit", "01B1/00"
        )
        pages = {(page["as"], page["page"]): page for page in found["pages"]}  # type: ignore[attr-defined]
        assert set(pages) == {
            ("off.0001", "/my-work"),
            ("off.0001", "/my-work/live"),
            ("sup.01b1", "/"),
            ("sup.01b1", "/units/01B1/00"),
            ("sup.01b1", "/units/01B1/00/live"),
        }
        assert pages[("off.0001", "/my-work")]["table_rows"] >= 1 + 2  # a header row, and their two of the eight
        assert pages[("sup.01b1", "/units/01B1/00")]["table_rows"] >= 8  # the unit's eight open, and more tables
        assert all(page["median_ms"] > 0 for page in pages.values())

    def test_a_home_without_data_is_one_line(self, tmp_path: Path) -> None:
        assert run(["bench", "console", "--home", str(tmp_path / "empty")]) != 0
