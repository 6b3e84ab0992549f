"""`assigner report` on a known data set, on SQLite and PostgreSQL: figures, after-hours edges, every format."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from integration.conftest import FrozenClock
from integration.helpers import (
    HANOI,
    assign,
    command_body,
    declaration,
    in_process_cli,
    load_roster,
    roster,
    send_command,
)

from assigner.bootstrap import Runtime
from assigner.domain.model import Unit
from assigner.settings import HoursSettings, Settings

A, B, C_OFFICE, UNKNOWN = Unit("01B1", "00"), Unit("01B1", "01"), Unit("02CI", "00"), Unit("01B1", "09")
HOLIDAY = date(2025, 6, 4)  # a Wednesday, listed as a public holiday for this test


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> str:
    """A registration time in Hanoi, June 2025."""
    return datetime(2025, 6, day, hour, minute, second, tzinfo=HANOI).isoformat()


# Unit A's yellow declarations, in the order they are assigned (a, b, c, a, b, c, a, b), and whether after hours.
YELLOW_A = [
    ("100000000010", at(2, 9), False),
    ("100000000020", at(2, 17), True),  # 17:00 exactly: the end is excluded
    ("100000000030", at(2, 16, 59, 59), False),
    ("100000000040", at(3, 6, 30), True),  # Tuesday 06:30 in Hanoi is Monday 23:30 in UTC
    ("100000000050", at(3, 23, 59), True),  # Tuesday 23:59 in Hanoi is 16:59 in UTC: working time there, not here
    ("100000000060", at(4, 10), True),  # a public holiday
    ("100000000070", at(7, 10), True),  # a Saturday
    ("100000000080", at(2, 7, 30), False),  # 07:30 exactly: the start is included
]


@pytest.fixture
def data(database_url: str, tmp_path: Path, clock: FrozenClock) -> Runtime:
    """The known data set: three units and an unknown department, declarations across the week, three commands."""
    settings = Settings(
        database_url=database_url, home=tmp_path / "home", working_hours=HoursSettings(holidays=[HOLIDAY])
    )
    runtime = Runtime(settings=settings, clock=clock).ready()
    load_roster(runtime, roster(A, "a", "b", "c", supervisors=("sup",)) + roster(B, "d", "e") + roster(C_OFFICE, "f"))
    batch = [declaration(number, A, registered_at=registered) for number, registered, _ in YELLOW_A]
    batch += [
        declaration("100000000090", A, "green", registered_at=at(2, 10)),
        declaration("100000000100", A, "green", registered_at=at(2, 20)),  # after hours, but not for the rotation
        declaration("100000000110", A, "red", registered_at=at(3, 10)),
        declaration("100000000120", A, registered_at=at(9, 0)),  # Monday 9 June 00:00 in Hanoi: after the week
        declaration("100000000130", A, registered_at=at(1, 23, 59)),  # Sunday 1 June: before it
        declaration(
            "200000000010", B, registered_at=at(2, 10), first_declaration_number="F", branch_index=1, branch_count=2
        ),
        declaration(
            "200000000020",
            B,
            registered_at=at(2, 10, 1),
            first_declaration_number="200000000010",
            branch_index=2,
            branch_count=2,
        ),
        declaration("200000000030", B, registered_at=at(2, 11)),
        declaration("300000000010", C_OFFICE, registered_at=at(5, 11)),
        declaration("300000000020", C_OFFICE, "green", registered_at=at(5, 12)),
        declaration("400000000010", UNKNOWN, registered_at=at(6, 9)),
    ]
    assign(runtime, batch)
    for body in (
        command_body("reassign", declaration_number="100000000010", to_officer_id="c"),
        command_body("complete", declaration_number="100000000030"),
        command_body("officer_absent", officer_id="b", units=[{"customs_office": "01B1", "department": "00"}]),
    ):
        assert send_command(runtime, body).accepted, body
    return runtime


@pytest.fixture
def report(data: Runtime, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """Run `assigner report ARGS` on the data set; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("ASSIGNER_DATABASE_URL", data.settings.resolved_database_url())
    monkeypatch.setenv("ASSIGNER_HOME", str(data.settings.home))
    cli = in_process_cli(capsys)
    return lambda *args: cli("report", *args)


def as_json(report: Any, *args: str) -> dict[str, Any]:
    code, out, err = report(*args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def unit_of(document: dict[str, Any], unit: Unit) -> dict[str, Any]:
    [found] = [
        u for u in document["units"] if (u["customs_office"], u["department"]) == (unit.customs_office, unit.department)
    ]
    return found


WEEK = ("--from", "2025-06-02", "--to", "2025-06-08")


class TestReportFigures:
    def test_a_unit_over_a_week_counts_channels_modes_after_hours_and_what_is_held(self, report: Any) -> None:
        document = as_json(report, *WEEK, "--office", "01B1", "--department", "00")
        assert document["period"] == {"from": "2025-06-02", "to": "2025-06-08", "timezone": "Asia/Ho_Chi_Minh"}
        unit = unit_of(document, A)
        assert unit["declarations"] == {"green": 2, "yellow": 8, "red": 1}
        assert unit["for_rotation"] == 8
        assert unit["after_hours"] == sum(late for _, _, late in YELLOW_A) == 5
        assert (unit["by_turn"], unit["kept_in_group"], unit["automatic"]) == (8, 0, 8)
        assert (unit["by_hand"], unit["by_hand_share"]) == (1, 0.125)
        assert unit["redistributed"] == 3  # b's three open declarations, handed on when b went absent
        assert (unit["held_now"], unit["held_reasons"]) == (0, {})
        assert [u["customs_office"] for u in document["units"]] == ["01B1"]

    def test_by_hand_is_counted_per_reason_code_and_supervisor_against_the_baseline(
        self, report: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        document = as_json(report, *WEEK, "--office", "01B1", "--department", "00")
        unit = unit_of(document, A)
        assert document["by_hand_baseline"] == 0.154
        assert (unit["by_hand_reasons"], unit["by_hand_supervisors"]) == ({"workload": 1}, {"sup": 1})
        assert unit["by_hand_over_baseline"] is False  # 12.5 %
        monkeypatch.setenv("ASSIGNER_BY_HAND_BASELINE", "0.1")
        unit = unit_of(as_json(report, *WEEK, "--office", "01B1", "--department", "00"), A)
        assert unit["by_hand_over_baseline"] is True
        code, out, _ = report(*WEEK, "--office", "01B1", "--department", "00")
        table = out[out.index("Reassigned by hand") :]
        assert code == 0 and "10.0% baseline" in table and "OVER" in table and "conflict_of_interest" in table
        code, out, _ = report(*WEEK, "--format", "csv")
        rows = csv.DictReader(io.StringIO(out))
        [first] = [row for row in rows if row["row"] == "unit" and Unit(row["customs_office"], row["department"]) == A]
        assert (first["by_hand_reasons"], first["by_hand_supervisors"], first["by_hand_over_baseline"]) == (
            "workload:1",
            "sup:1",
            "True",
        )

    def test_per_officer_figures_follow_the_turns_the_hand_moves_and_the_absence(self, report: Any) -> None:
        unit = unit_of(as_json(report, *WEEK, "--office", "01B1", "--department", "00"), A)
        officers = {o["officer_id"]: o for o in unit["officers"]}
        assert list(officers) == ["a", "b", "c"]  # roster order
        assert [officers[o]["turns"] for o in "abc"] == [3, 3, 2]
        assert unit["spread"] == 1
        assert officers["b"]["assigned"] == 0  # absent: everything handed on
        assert sum(o["assigned"] for o in officers.values()) == 8
        assert officers["c"]["completed"] == 1
        for officer in officers.values():
            assert officer["open"] + officer["completed"] == officer["assigned"]
            assert officer["share"] == pytest.approx(officer["assigned"] / 8, abs=1e-4)

    def test_a_branch_declaration_kept_with_its_lot_uses_no_turn(self, report: Any) -> None:
        unit = unit_of(as_json(report, *WEEK, "--office", "01B1", "--department", "01"), B)
        assert (unit["by_turn"], unit["kept_in_group"], unit["automatic"]) == (2, 1, 3)
        officers = {o["officer_id"]: (o["turns"], o["grouped"], o["assigned"]) for o in unit["officers"]}
        assert officers == {"d": (1, 1, 2), "e": (1, 0, 1)}
        assert unit["spread"] == 0

    def test_an_office_report_leaves_other_offices_out_and_shows_what_is_held(self, report: Any) -> None:
        document = as_json(report, *WEEK, "--office", "01B1")
        assert [(u["customs_office"], u["department"]) for u in document["units"]] == [
            ("01B1", "00"),
            ("01B1", "01"),
            ("01B1", "09"),
        ]
        held = unit_of(document, UNKNOWN)
        assert (held["for_rotation"], held["held_now"], held["held_reasons"]) == (1, 1, {"unknown_department": 1})
        total = document["total"]
        assert total["declarations"] == {"green": 2, "yellow": 12, "red": 1}
        assert (total["automatic"], total["by_hand"], total["held_now"]) == (11, 1, 1)

    def test_all_offices_by_default(self, report: Any) -> None:
        document = as_json(report, *WEEK)
        assert document["scope"] == {"customs_office": None, "department": None}
        assert unit_of(document, C_OFFICE)["declarations"] == {"green": 1, "yellow": 1, "red": 0}
        assert document["total"]["declarations"]["yellow"] == 13


class TestLocalDays:
    def test_a_day_is_a_day_in_hanoi_not_in_utc(self, report: Any) -> None:
        monday = unit_of(as_json(report, "--from", "2025-06-02", "--to", "2025-06-02", "--office", "01B1"), A)
        assert monday["declarations"]["yellow"] == 4  # 07:30, 09:00, 16:59:59 and 17:00, not Tuesday 06:30
        assert monday["after_hours"] == 1  # 17:00
        tuesday = unit_of(as_json(report, "--from", "2025-06-03", "--to", "2025-06-03", "--office", "01B1"), A)
        assert tuesday["declarations"] == {"green": 0, "yellow": 2, "red": 1}  # 06:30 and 23:59
        assert tuesday["after_hours"] == 2

    def test_to_alone_is_that_one_day_and_nothing_outside_the_period_is_counted(self, report: Any) -> None:
        holiday = unit_of(as_json(report, "--to", "2025-06-04", "--office", "01B1"), A)
        assert (holiday["declarations"]["yellow"], holiday["after_hours"]) == (1, 1)
        code, out, _ = report("--from", "2025-05-01", "--to", "2025-05-31", "--format", "json")
        assert code == 0 and json.loads(out)["units"] == []

    def test_today_in_hanoi_by_default(self, report: Any) -> None:
        today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()
        document = as_json(report)
        assert document["period"]["from"] == document["period"]["to"] == today


class TestFormats:
    def test_csv_parses_with_a_row_per_unit_per_officer_and_the_total(self, report: Any) -> None:
        code, out, err = report(*WEEK, "--office", "01B1", "--format", "csv")
        assert code == 0, err
        rows = list(csv.DictReader(io.StringIO(out)))
        units = [r for r in rows if r["row"] == "unit"]
        assert [(r["customs_office"], r["department"]) for r in units] == [
            ("01B1", "00"),
            ("01B1", "01"),
            ("01B1", "09"),
        ]
        first = units[0]
        assert (first["yellow"], first["after_hours"], first["by_hand"], first["spread"]) == ("8", "5", "1", "1")
        assert units[2]["held_reasons"] == "unknown_department:1"
        officers = [r for r in rows if r["row"] == "officer" and r["department"] == "00"]
        assert [r["officer_id"] for r in officers] == ["a", "b", "c"]
        assert [int(r["turns"]) for r in officers] == [3, 3, 2]
        [total] = [r for r in rows if r["row"] == "total"]
        assert int(total["yellow"]) == 12

    def test_the_table_names_the_period_every_unit_and_the_total(self, report: Any) -> None:
        code, out, err = report(*WEEK, "--office", "01B1")
        assert code == 0, err
        assert "office 01B1, 2025-06-02 to 2025-06-08 (Asia/Ho_Chi_Minh)" in out
        units, officers = out.split("Per officer")
        officers, _ = officers.split("Reassigned by hand")
        lines = {line.split("│")[1].strip(): line for line in units.splitlines() if line.count("│") > 5}
        assert {"01B1/00", "01B1/01", "01B1/09", "total"} <= set(lines)
        assert "1 (12.5%)" in lines["01B1/00"]
        assert "held now in 01B1/09: unknown_department 1" in out
        assert [line.split("│")[2].strip() for line in officers.splitlines() if "│ 01B1/00" in line] == ["a", "b", "c"]

    def test_the_chart_is_a_png_with_a_panel_per_unit(self, report: Any, tmp_path: Path) -> None:
        from matplotlib import image

        chart = tmp_path / "report.png"
        code, _, err = report(*WEEK, "--office", "01B1", "--chart", str(chart))
        assert code == 0, err
        assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        height, width, _ = image.imread(chart).shape
        assert width >= 700 and height > 200

    @pytest.mark.parametrize(
        ("args", "says"),
        [
            (("--from", "2025-06-05", "--to", "2025-06-01"), "starts (2025-06-05) after it ends (2025-06-01)"),
            (
                (
                    "--department",
                    "00",
                ),
                "--department needs --office",
            ),
            (
                (
                    "--office",
                    "1B1",
                ),
                "not a 4-character customs office code",
            ),
            (
                (
                    "--from",
                    "2025-13-01",
                ),
                "Invalid value for '--from'",
            ),
            (
                (
                    "--format",
                    "xml",
                ),
                "Invalid value for '--format'",
            ),
        ],
    )
    def test_bad_input_is_one_line_and_exit_non_zero(self, report: Any, args: tuple[str, ...], says: str) -> None:
        code, out, err = report(*args)
        assert code != 0 and out == ""
        assert err.count("\n") == 1 and says in err
