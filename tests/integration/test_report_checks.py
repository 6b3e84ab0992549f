"""The report's checks against the legal clock (rule 8), on SQLite and PostgreSQL: in time, late, overdue now,
and the median and 90th percentile time to complete in working hours, per unit, per officer and in total;
built through the real services, then read through build_report and through `assigner report`."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from integration.conftest import FrozenClock
from integration.helpers import (
    HANOI,
    SUPERVISOR,
    assign,
    command_body,
    declaration,
    in_process_cli,
    load_roster,
    roster,
    send_command,
)

from assigner.bootstrap import Runtime
from assigner.domain.completions import Completion
from assigner.domain.model import Declaration, Unit
from assigner.domain.reports import Period, Report, Scope
from assigner.services.completion import complete_checks
from assigner.services.reports import build_report

A, HELD = Unit("01B1", "00"), Unit("01B1", "09")  # 01B1/09 has no roster: its declarations are held
WEEK = Period(date(2025, 6, 2), date(2025, 6, 8), "Asia/Ho_Chi_Minh")


def hanoi(day: int, hour: int, minute: int = 0) -> datetime:
    """June 2025 in Hanoi: the 2nd is a Monday, the 6th a Friday, the 9th the next Monday."""
    return datetime(2025, 6, day, hour, minute, tzinfo=HANOI)


def registered(number: str, unit: Unit, at: datetime, channel: str = "yellow", **extra: Any) -> Declaration:
    return declaration(number, unit, channel, registered_at=at.isoformat(), **extra)


def complete(runtime: Runtime, clock: FrozenClock, number: str, by: str, at: datetime) -> None:
    clock.now = at
    assert send_command(runtime, command_body("complete", declaration_number=number, issued_by=by)).accepted


@pytest.fixture
def week(runtime: Runtime, clock: FrozenClock) -> Runtime:
    """A week of unit A (officers a and b, in turn) and a held declaration or two in 01B1/09.

    | decl | officer | dossier complete        | due           | completed      | working hours          |
    | d1   | a       | Mon 09:00               | Mon 11:00     | Mon 10:00      | 1.00 in time           |
    | d2   | b       | Mon 09:00               | Mon 11:00     | Mon 12:30      | 3.50 late              |
    | d4   | a       | Mon 09:00               | Mon 11:00     | open           | overdue                |
    | d9   | b       | Sun 1 June 20:00        | Mon 09:30     | open           | overdue, not this week |
    | d6   | a       | Tue 10:00 (reg. 08:00)  | Tue 12:00     | Tue 10:45      | 0.75 in time           |
    | d3   | b       | Fri 16:00               | Mon 9th 08:30 | Mon 9th 08:00  | 1.50 in time, weekend  |
    | d8   | a       | Fri 15:00               | Fri 17:00     | Mon 9th 09:30  | 4.00 late, weekend     |
    | d5   | b       | Mon 9th 11:00 (reg Fri) | Mon 9th 13:00 | open           | due after 12:00        |
    | h1   | held    | Mon 09:00               | Mon 11:00     | upstream 10:30 | 1.50 in time           |
    | h2   | held    | Mon 09:00               | Mon 11:00     | open           | overdue                |
    """
    load_roster(runtime, roster(A, "a", "b", supervisors=(SUPERVISOR,)))
    clock.now = hanoi(2, 9)
    monday = [registered(n, A, hanoi(2, 9)) for n in ("100000000010", "100000000020", "100000000040")]
    monday += [registered("100000000090", A, hanoi(1, 20)), registered("100000000100", A, hanoi(2, 9), "green")]
    monday += [registered("900000000010", HELD, hanoi(2, 9)), registered("900000000020", HELD, hanoi(2, 9))]
    assign(runtime, monday)
    complete(runtime, clock, "100000000010", "a", hanoi(2, 10))
    complete(runtime, clock, "100000000020", SUPERVISOR, hanoi(2, 12, 30))
    clock.now = hanoi(3, 10)
    assign(runtime, [registered("100000000060", A, hanoi(3, 8), documents_received_at=hanoi(3, 10).isoformat())])
    complete(runtime, clock, "100000000060", "a", hanoi(3, 10, 45))
    [done] = complete_checks(
        runtime.unit_of_work(),
        [Completion("900000000010", "01B1", "09", None, hanoi(2, 10, 30))],
        clock,
        runtime.policy,
    )
    assert done.events, done
    clock.now = hanoi(6, 16)
    friday = [registered("100000000030", A, hanoi(6, 16)), registered("100000000080", A, hanoi(6, 15))]
    friday += [registered("100000000050", A, hanoi(6, 10), documents_received_at=hanoi(9, 11).isoformat())]
    assign(runtime, friday)
    complete(runtime, clock, "100000000030", "b", hanoi(9, 8))
    complete(runtime, clock, "100000000080", "a", hanoi(9, 9, 30))
    clock.now = hanoi(9, 12)
    return runtime


def report_of(runtime: Runtime, scope: Scope = Scope("01B1")) -> Report:
    return build_report(runtime.unit_of_work(), scope, WEEK, runtime.clock(), runtime.policy.hours)


def figures(checks: Any) -> tuple[Any, ...]:
    return (checks.in_time, checks.late, checks.overdue_now, checks.median_hours, checks.p90_hours)


class TestCheckFigures:
    def test_each_officer_s_checks_in_time_late_overdue_and_times_in_working_hours(self, week: Runtime) -> None:
        [unit] = [u for u in report_of(week).units if u.unit == A]
        officers = {officer.officer_id: figures(officer.checks) for officer in unit.officers}
        # a: 1.00, 0.75 in time, 4.00 late, d4 overdue; nearest rank of 3: median the 2nd, p90 the 3rd
        # b: 3.50 late, 1.50 in time; d5 not due yet, d9 registered before the week; of 2: the 1st, the 2nd
        assert officers == {"a": (2, 1, 1, 1.0, 4.0), "b": (1, 1, 0, 1.5, 3.5)}

    def test_a_unit_counts_its_officers_checks_and_the_held_ones(self, week: Runtime) -> None:
        units = {u.unit: figures(u.checks) for u in report_of(week).units}
        assert units[A] == (3, 2, 1, 1.5, 4.0)  # 0.75, 1.00, 1.50, 3.50, 4.00
        assert units[HELD] == (1, 0, 1, 1.5, 1.5)  # completed upstream while held; one held past due

    def test_the_total_takes_the_times_over_every_unit(self, week: Runtime) -> None:
        total = report_of(week).total().checks
        assert figures(total) == (4, 2, 2, 1.5, 4.0)  # 0.75, 1.00, 1.50, 1.50, 3.50, 4.00: 3rd and 6th

    def test_a_weekend_between_dossier_and_completion_is_not_counted(self, week: Runtime) -> None:
        one_day = Period(date(2025, 6, 6), date(2025, 6, 6), "Asia/Ho_Chi_Minh")  # d3, d8 and d5, registered Friday
        report = build_report(week.unit_of_work(), Scope("01B1", "00"), one_day, week.clock(), week.policy.hours)
        officers = {officer.officer_id: figures(officer.checks) for officer in report.units[0].officers}
        assert officers == {"a": (0, 1, 0, 4.0, 4.0), "b": (1, 0, 0, 1.5, 1.5)}  # 66.5 and 64 hours on the wall

    def test_overdue_now_is_as_of_the_report_s_clock(self, week: Runtime, clock: FrozenClock) -> None:
        clock.now = hanoi(9, 13) + timedelta(seconds=1)  # just past d5's due time (at it, still in time)
        [unit] = [u for u in report_of(week).units if u.unit == A]
        assert [officer.checks.overdue_now for officer in unit.officers] == [1, 1]
        clock.now = hanoi(2, 10)  # back on Monday morning nothing was past due yet
        assert report_of(week).total().checks.overdue_now == 0

    def test_a_period_without_checks_has_no_times(self, week: Runtime) -> None:
        sunday = Period(date(2025, 6, 1), date(2025, 6, 1), "Asia/Ho_Chi_Minh")  # d9 alone, open
        [unit] = build_report(week.unit_of_work(), Scope(), sunday, week.clock(), week.policy.hours).units
        assert figures(unit.checks) == (0, 0, 1, None, None)


@pytest.fixture
def cli(week: Runtime, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Any:
    """`assigner report ARGS` for the week (its clock is the real one: every due time has passed)."""
    monkeypatch.setenv("ASSIGNER_DATABASE_URL", week.settings.resolved_database_url())
    monkeypatch.setenv("ASSIGNER_HOME", str(week.settings.home))
    run = in_process_cli(capsys)

    def report(*args: str) -> str:
        code, out, err = run("report", "--office", "01B1", "--from", "2025-06-02", "--to", "2025-06-08", *args)
        assert code == 0, err
        return out

    return report


class TestCheckColumns:
    def test_json_has_the_figures_per_unit_per_officer_and_in_total(self, cli: Any) -> None:
        document = json.loads(cli("--format", "json"))
        unit = document["units"][0]
        keys = ("in_time", "late", "overdue_now", "median_hours", "p90_hours")
        assert [unit[k] for k in keys] == [3, 2, 2, 1.5, 4.0]  # d5 is overdue too by now
        assert {o["officer_id"]: [o[k] for k in keys] for o in unit["officers"]} == {
            "a": [2, 1, 1, 1.0, 4.0],
            "b": [1, 1, 1, 1.5, 3.5],
        }
        assert [document["total"][k] for k in keys] == [4, 2, 3, 1.5, 4.0]

    def test_csv_has_the_columns_with_hours_to_two_decimals(self, cli: Any) -> None:
        rows = list(csv.DictReader(io.StringIO(cli("--format", "csv"))))
        keys = ("in_time", "late", "overdue_now", "median_hours", "p90_hours")
        cells = {(r["row"], r["department"], r["officer_id"]): [r[k] for k in keys] for r in rows}
        assert cells[("unit", "00", "")] == ["3", "2", "2", "1.50", "4.00"]
        assert cells[("officer", "00", "a")] == ["2", "1", "1", "1.00", "4.00"]
        assert cells[("unit", "09", "")] == ["1", "0", "1", "1.50", "1.50"]
        assert cells[("total", "", "")] == ["4", "2", "3", "1.50", "4.00"]

    def test_the_table_has_a_checks_table_with_a_row_per_unit_and_officer(self, cli: Any) -> None:
        checks = cli().split("Checks against the legal clock")[1]
        rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in checks.splitlines() if "│" in line]
        assert ["01B1/00", "all", "3", "2", "2", "1.50", "4.00"] in rows
        assert ["01B1/00", "b", "1", "1", "1", "1.50", "3.50"] in rows
        assert ["01B1/09", "all", "1", "0", "1", "1.50", "1.50"] in rows
        assert ["total", "", "4", "2", "3", "1.50", "4.00"] in rows
