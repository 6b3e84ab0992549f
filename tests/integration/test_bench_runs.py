"""`assigner bench report` and `assigner bench verify` on SQLite, small: what they load, verify and print."""

from __future__ import annotations

import json

import pytest

from assigner.cli import run


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


class TestBenchReport:
    def test_each_report_counts_declarations_of_the_loaded_year(self, capsys: pytest.CaptureFixture[str]) -> None:
        found = figures(capsys, "report", "--rows", "3000")
        assert (found["bench"], found["declarations"]) == ("report", 3000)
        counted = {key: value for key, value in found.items() if key.endswith(": declarations")}
        assert counted and all(isinstance(value, int) and 0 < value <= 3000 for value in counted.values())
