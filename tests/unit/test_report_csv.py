"""The report's CSV: a text cell a spreadsheet would run as a formula is written with a leading quote; the checks'
times have two decimals, blank when none was completed."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

from assigner.cli.output.report_formats import report_json, write_csv
from assigner.domain.check_times import CheckFigures, CompletionTimes
from assigner.domain.model import Unit
from assigner.domain.reports import OfficerFigures, Period, Report, Scope, UnitFigures

STARTS = ["=1+1", "+1", "-1", "@SUM(1)", "\t=1"]  # OWASP's list of a formula's first characters (and CR)


def written(names: list[str]) -> str:
    officers = [OfficerFigures(f"o{i}", name, True, assigned=1, turns=1) for i, name in enumerate(names)]
    unit = UnitFigures(Unit("01B1", "00"), officers=officers)
    out = io.StringIO()
    write_csv(Report(Scope(), Period(date(2025, 6, 2), date(2025, 6, 2), "Asia/Ho_Chi_Minh"), [unit]), out)
    return out.getvalue()


def rows_of(names: list[str]) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(written(names))))


class TestCsvCells:
    def test_every_formula_start_is_quoted_and_other_text_and_numbers_are_left_as_they_are(self) -> None:
        rows = [row for row in rows_of([*STARTS, "Nguyen Van A", "a=b"]) if row["row"] == "officer"]
        assert [row["name"] for row in rows] == [f"'{name}" for name in STARTS] + ["Nguyen Van A", "a=b"]
        assert {row["assigned"] for row in rows} == {"1"}

    def test_a_carriage_return_at_the_start_is_quoted_too(self) -> None:
        assert ",'\r=1," in written(["\r=1"])


class TestCheckCells:
    def test_times_have_two_decimals_and_are_blank_or_null_when_no_check_was_completed(self) -> None:
        timed = CheckFigures(2, 1, 0, CompletionTimes(timedelta(hours=1.5), timedelta(minutes=200)))
        officers = [OfficerFigures("a", "A", True, checks=timed), OfficerFigures("b", "B", True)]
        unit = UnitFigures(Unit("01B1", "00"), officers=officers, checks=CheckFigures(overdue_now=3))
        report = Report(Scope(), Period(date(2025, 6, 2), date(2025, 6, 2), "Asia/Ho_Chi_Minh"), [unit])
        out = io.StringIO()
        write_csv(report, out)
        keys = ["in_time", "late", "overdue_now", "median_hours", "p90_hours"]
        rows = {(r["row"], r["officer_id"]): [r[k] for k in keys] for r in csv.DictReader(io.StringIO(out.getvalue()))}
        assert rows[("officer", "a")] == ["2", "1", "0", "1.50", "3.33"]
        assert rows[("officer", "b")] == ["0", "0", "0", "", ""]
        assert rows[("unit", "")] == rows[("total", "")] == ["0", "0", "3", "", ""]
        document = report_json(report)
        assert [document["units"][0]["officers"][0][k] for k in keys] == [2, 1, 0, 1.5, 3.33]
        assert [document["total"][k] for k in keys] == [0, 0, 3, None, None]
