"""`assigner report --fairness`: the statistics on a trail the services wrote, through the command line."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from integration.conftest import FrozenClock
from integration.helpers import (
    SUPERVISOR,
    UNIT,
    Cli,
    assign,
    command_body,
    declaration,
    load_roster,
    numbers,
    roster,
    send_command,
)
from matplotlib import image
from matplotlib.colors import to_rgb
from prometheus_client import REGISTRY
from sqlalchemy import update

from assigner.bootstrap import Runtime
from assigner.cli.output.fairness_chart import FLAGGED
from assigner.devtools.samples import tax_code
from assigner.storage.tables import CursorRow
from workers import metrics

TEAM = ("a", "b", "c", "d")
RNG = random.Random(11)
ENTERPRISES = [tax_code(RNG) for _ in range(5)]
DAY = ("--from", "2025-06-02", "--to", "2025-06-02")


def stream(runtime: Runtime, clock: FrozenClock, count: int = 120) -> list[str]:
    """A day of declarations from five enterprises, in batches of ten, a minute apart."""
    load_roster(runtime, roster(UNIT, *TEAM, supervisors=(SUPERVISOR,)))
    sent = numbers(count)
    for first in range(0, count, 10):
        batch = [
            declaration(n, enterprise_tax_code=ENTERPRISES[i % 5])
            for i, n in enumerate(sent[first : first + 10], first)
        ]
        assign(runtime, batch)
        clock.advance(minutes=1)
    return sent


def unit_tested(cli: Cli, *args: str) -> dict[str, Any]:
    code, out, err = cli("report", *DAY, "--fairness", "--format", "json", *args)
    assert code == 0, err
    [unit] = json.loads(out)["fairness"]["units"]
    return unit


class TestFairnessReport:
    def test_a_fair_rotation_is_not_flagged(self, runtime: Runtime, clock: FrozenClock, cli: Cli) -> None:
        stream(runtime, clock)
        unit = unit_tested(cli)
        assert unit["turns"] == 120 and unit["flagged"] is False
        assert [(o["officer_id"], o["actual"], o["expected"]) for o in unit["officers"]] == [
            (officer, 30, 30.0) for officer in TEAM
        ]
        assert len(unit["enterprises"]) == 5 and unit["thin"] == []

    def test_a_supervisor_moving_work_to_one_officer_by_hand_is_flagged(
        self, runtime: Runtime, clock: FrozenClock, cli: Cli
    ) -> None:
        sent = stream(runtime, clock)
        for number in sent[1::3][:25]:  # a quarter of the others' work, to a
            body = command_body("reassign", declaration_number=number, to_officer_id="a", reason_code="workload")
            send_command(runtime, body)
        unit = unit_tested(cli)
        a = next(o for o in unit["officers"] if o["officer_id"] == "a")
        assert a["flagged"] and a["actual"] > 45 and a["p_value"] < 0.01 and unit["flagged"]

    def test_an_enterprise_whose_declarations_all_go_to_one_officer_is_flagged(
        self, runtime: Runtime, clock: FrozenClock, cli: Cli
    ) -> None:
        sent = stream(runtime, clock)
        for number in sent[0::5]:  # ENTERPRISES[0]'s 24 declarations, all to b
            send_command(runtime, command_body("reassign", declaration_number=number, to_officer_id="b"))
        unit = unit_tested(cli)
        [found] = [e for e in unit["enterprises"] if e["flagged"]]
        assert (found["enterprise"], found["officer_id"], found["count"]) == (ENTERPRISES[0], "b", 24)

    def test_turns_when_absences_left_one_or_two_eligible_are_listed_and_the_table_names_the_test(
        self, runtime: Runtime, clock: FrozenClock, cli: Cli
    ) -> None:
        load_roster(runtime, roster(UNIT, *TEAM, supervisors=(SUPERVISOR,)))
        for officer in ("a", "b", "c"):
            body = command_body("officer_absent", officer_id=officer, redistribute=False)
            assert send_command(runtime, body).accepted
        assign(runtime, [declaration(n) for n in numbers(3)])
        unit = unit_tested(cli)
        assert [t["eligible"] for t in unit["thin"]] == [["d"], ["d"], ["d"]]
        assert unit["thin"][0]["away"] == [{"officer_id": o, "why": "absent"} for o in ("a", "b", "c")]
        code, out, _ = cli("report", *DAY, "--fairness")
        assert code == 0 and "Poisson-binomial" in out and "thin turn" in out
        code, out, _ = cli("report", *DAY, "--fairness", "--format", "csv")
        assert code == 0 and out.splitlines()[0].startswith("row,unit,officer_id") and out.count("\nthin,") == 3


def red_pixels(chart: Path) -> int:
    """How many pixels of a PNG are the chart's red of a flagged officer (FLAGGED)."""
    pixels = image.imread(chart)[:, :, :3]
    return int((abs(pixels - to_rgb(FLAGGED)).max(axis=2) < 0.02).sum())


class TestFairnessChart:
    def test_with_fairness_the_chart_draws_the_tests_and_marks_the_officer_given_work_by_hand(
        self, runtime: Runtime, clock: FrozenClock, cli: Cli, tmp_path: Path
    ) -> None:
        sent = stream(runtime, clock)
        for number in sent[1::3][:25]:  # a quarter of the others' work, to a
            send_command(runtime, command_body("reassign", declaration_number=number, to_officer_id="a"))
        chart = tmp_path / "fairness.png"
        code, out, err = cli("report", *DAY, "--fairness", "--chart", str(chart))
        assert code == 0, err
        assert err.strip() == f"chart written to {chart}" and "OFF BEYOND CHANCE" in out
        assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert red_pixels(chart) > 500  # a's bar

    def test_a_fair_units_chart_has_nothing_marked(
        self, runtime: Runtime, clock: FrozenClock, cli: Cli, tmp_path: Path
    ) -> None:
        stream(runtime, clock)
        chart = tmp_path / "fairness.png"
        code, _, err = cli("report", *DAY, "--fairness", "--chart", str(chart))
        assert code == 0, err
        height, width, _ = image.imread(chart).shape
        assert width >= 700 and height > 300 and red_pixels(chart) == 0

    def test_a_period_with_no_turn_has_no_chart_and_says_why(self, runtime: Runtime, cli: Cli, tmp_path: Path) -> None:
        chart = tmp_path / "fairness.png"
        code, _, err = cli("report", *DAY, "--fairness", "--chart", str(chart))
        assert code == 1 and err.strip() == "error: no turn in this period: no fairness test to chart"
        assert not chart.exists()


class TestWhatTheRotationDoesItself:
    def test_an_absence_redistributing_the_officers_work_is_not_a_bias(
        self, runtime: Runtime, clock: FrozenClock, cli: Cli
    ) -> None:
        stream(runtime, clock)
        assert send_command(runtime, command_body("officer_absent", officer_id="a", redistribute=True)).accepted
        unit = unit_tested(cli)
        assert not unit["flagged"]
        assert [o["actual"] for o in unit["officers"]] == [30, 30, 30, 30]  # each with the turns that took them in

    def test_a_trail_that_breaks_the_rules_is_refused_not_tested(
        self, runtime: Runtime, clock: FrozenClock, cli: Cli
    ) -> None:
        stream(runtime, clock, 20)
        with runtime.engine.begin() as connection:
            connection.execute(update(CursorRow).values(position=0))  # a turn out of order next
        assign(runtime, [declaration(n) for n in numbers(2, start=500)])
        code, out, err = cli("report", *DAY, "--fairness")
        assert code == 1 and err.startswith("error: the audit trail does not follow the rotation rules at entry")
        assert "assigner audit verify" in err and len(err.splitlines()) == 1


class TestByHandGauges:
    def test_the_workers_gauges_give_each_units_share_by_hand_this_week_and_the_baseline(
        self, runtime: Runtime, clock: FrozenClock
    ) -> None:
        sent = stream(runtime, clock)
        for number in sent[1::4][:24]:
            send_command(runtime, command_body("reassign", declaration_number=number, to_officer_id="a"))
        metrics._by_hand_counted[0] = float("-inf")  # as at a worker's start
        metrics.refresh(runtime)
        labels = {"customs_office": UNIT.customs_office, "department": UNIT.department}
        assert REGISTRY.get_sample_value("assigner_rotation_declarations_7d", labels) == 120
        assert REGISTRY.get_sample_value("assigner_by_hand_share", labels) == pytest.approx(24 / 120)
        assert REGISTRY.get_sample_value("assigner_by_hand_baseline") == pytest.approx(0.154)


class TestAbsencesInTheReport:
    def test_an_absence_entered_after_it_began_is_listed_as_back_dated_and_one_to_come_is_refused(
        self, runtime: Runtime, clock: FrozenClock, cli: Cli
    ) -> None:
        load_roster(runtime, roster(UNIT, *TEAM, supervisors=(SUPERVISOR,)))
        since = (clock() - timedelta(hours=3)).isoformat()
        assert send_command(runtime, command_body("officer_absent", officer_id="a", since=since)).accepted
        assert send_command(runtime, command_body("officer_absent", officer_id="b")).accepted
        later = (clock() + timedelta(hours=1)).isoformat()
        refused = send_command(runtime, command_body("officer_absent", officer_id="c", since=later))
        assert not refused.accepted and "is in the future" in str(refused.rejected_because)
        long_ago = (clock() - timedelta(days=8)).isoformat()
        refused = send_command(runtime, command_body("officer_absent", officer_id="c", since=long_ago))
        assert not refused.accepted and "more than 7 days ago" in str(refused.rejected_because)
        refused = send_command(runtime, command_body("officer_absent", officer_id="b", since=since))
        assert not refused.accepted and "absent already" in str(refused.rejected_because)
        code, out, err = cli("report", *DAY, "--format", "json")
        assert code == 0, err
        absences = {a["officer_id"]: a for a in json.loads(out)["absences"]}
        assert set(absences) == {"a", "b"}
        assert absences["a"]["back_dated"] is True and absences["a"]["starts_at"] == since
        assert absences["b"]["back_dated"] is False and absences["b"]["created_by"] == SUPERVISOR
        code, out, _ = cli("report", *DAY)
        assert code == 0 and "BACK-DATED" in out[out.index("Absences in the period") :]
