"""Rules 1 and 2 with several OS processes assigning the same units at once."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from integration.conftest import FrozenClock
from integration.helpers import load_roster, message, numbers, roster
from sqlalchemy import func, select

from assigner.bootstrap import Runtime
from assigner.domain.draws import RotationMode
from assigner.domain.model import Unit
from assigner.services.audit import verify_audit
from assigner.services.draw_keys import keep_draw_keys, set_rotation_mode
from assigner.storage.tables import AssignmentRow, AuditRow, DeclarationRow

UNITS = {
    Unit("01B1", "00"): ["a1", "a2", "a3", "a4"],
    Unit("01B1", "01"): ["b1", "b2", "b3"],
    Unit("02CI", "00"): ["c1", "c2", "c3", "c4", "c5"],
}
PROCESSES = 4
DECLARATIONS = 1200


def write_streams(folder: Path) -> tuple[list[Path], list[str]]:
    """Files for each process: interleaved units, a tenth re-sent by another process, some amendments."""
    units = list(UNITS)
    all_numbers = numbers(DECLARATIONS)
    streams: list[list[dict[str, object]]] = [[] for _ in range(PROCESSES)]
    amended = []
    for index, number in enumerate(all_numbers):
        own = index % PROCESSES
        msg = message(number, units[index % len(units)])
        streams[own].append(msg)
        if index % 10 == 0:
            streams[(own + 1) % PROCESSES].append(msg)  # the same declaration, raced by another process
        if index % 25 == 0:
            amendment = {**msg, "declaration_number": number[:11] + "1"}
            streams[(own + 2) % PROCESSES].append(amendment)
            amended.append(number[:11])
    paths = []
    for index, stream in enumerate(streams):
        path = folder / f"stream{index}.jsonl"
        path.write_text("".join(json.dumps(m) + "\n" for m in stream))
        paths.append(path)
    return paths, amended


def assignments_per_key(runtime: Runtime) -> Counter[str]:
    """How many assignments each declaration got."""
    query = select(AssignmentRow.declaration_key, func.count()).group_by(AssignmentRow.declaration_key)
    with runtime.engine.connect() as connection:
        return Counter({key: count for key, count in connection.execute(query)})


def run_processes(paths: list[Path], database_url: str, home: Path) -> list[str]:
    env = {**os.environ, "ASSIGNER_DATABASE_URL": database_url, "ASSIGNER_HOME": str(home)}
    command = [sys.executable, "-c", "from assigner.cli import main; main()", "assign", "--batch-size", "20"]
    processes = [
        subprocess.Popen([*command, str(path)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for path in paths
    ]
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        outputs.append(out)
    return outputs


@pytest.mark.slow
class TestConcurrentAssign:
    def test_four_processes_give_one_assignment_each_in_roster_order(self, runtime: Runtime, tmp_path: Path) -> None:
        for unit, officers in UNITS.items():
            load_roster(runtime, roster(unit, *officers))
        paths, amended = write_streams(tmp_path)
        outputs = run_processes(paths, runtime.settings.resolved_database_url(), tmp_path)

        per_key = assignments_per_key(runtime)
        with runtime.engine.connect() as connection:
            rows = connection.execute(
                select(
                    AssignmentRow.customs_office, AssignmentRow.department, AssignmentRow.officer_id, AssignmentRow.turn
                ).order_by(AssignmentRow.turn)
            ).all()
            amendments = dict(
                connection.execute(
                    select(DeclarationRow.declaration_key, DeclarationRow.declaration_number).where(
                        DeclarationRow.declaration_key.in_(amended)
                    )
                ).all()
            )

        assert len(per_key) == DECLARATIONS
        assert set(per_key.values()) == {1}, "a declaration was assigned twice"
        by_unit: dict[Unit, list[tuple[int, str]]] = defaultdict(list)
        for office, department, officer, turn in rows:
            by_unit[Unit(office, department)].append((turn, officer))
        for unit, officers in UNITS.items():
            turns = sorted(by_unit[unit])
            assert [turn for turn, _ in turns] == list(range(1, len(turns) + 1)), f"{unit}: turns not contiguous"
            expected = [officers[i % len(officers)] for i in range(len(turns))]
            assert [officer for _, officer in turns] == expected, f"{unit}: turns left the roster order"
            counts = Counter(officer for _, officer in turns)
            assert max(counts.values()) - min(counts.values()) <= 1
        assert all(number.endswith("1") for number in amendments.values())
        assert len(amendments) == len(amended)
        if runtime.engine.dialect.name == "postgresql":
            retried = [int(re.search(r"(\d+) retried", out).group(1)) for out in outputs]  # type: ignore[union-attr]
            assert retried == [0] * PROCESSES, "a transaction was retried: lock order let a conflict through"


@pytest.mark.slow
class TestConcurrentDrawnAssign:
    def test_four_processes_on_drawn_units_serve_each_round_once_and_every_draw_verifies_after_the_reveal(
        self, runtime: Runtime, tmp_path: Path
    ) -> None:
        drawn = list(UNITS)[:2]
        for unit, officers in UNITS.items():
            load_roster(runtime, roster(unit, *officers))
        for unit in drawn:
            set_rotation_mode(runtime.unit_of_work(), unit, RotationMode.DRAWN, runtime.clock, "t")
        paths, _ = write_streams(tmp_path)
        run_processes(paths, runtime.settings.resolved_database_url(), tmp_path)  # at today's time: its key made

        per_key = assignments_per_key(runtime)
        assert len(per_key) == DECLARATIONS and set(per_key.values()) == {1}, "a declaration was assigned twice"
        query = select(AuditRow.customs_office, AuditRow.department, AuditRow.officer_id, AuditRow.details)
        with runtime.engine.connect() as connection:
            entries = connection.execute(query.where(AuditRow.action == "assigned")).all()
            commitments = connection.scalars(select(AuditRow.details).where(AuditRow.action == "draw_key_committed"))
            days = Counter(details["day"] for details in commitments)
        assert set(days.values()) == {1}, "a day's key was committed twice"
        for unit, officers in UNITS.items():
            turns = sorted((d["turn"], o, "draw" in d) for c, dep, o, d in entries if Unit(c, dep) == unit)
            assert [turn for turn, _, _ in turns] == list(range(1, len(turns) + 1))
            assert all(has_draw is (unit in drawn) for _, _, has_draw in turns)
            rounds = [[o for _, o, _ in turns[n : n + len(officers)]] for n in range(0, len(turns), len(officers))]
            assert all(sorted(r) == sorted(officers[: len(r)]) or len(r) < len(officers) for r in rounds)
            assert all(len(set(r)) == len(r) for r in rounds), f"{unit}: an officer served twice in a round"
            if unit in drawn:
                assert any(r != officers for r in rounds), f"{unit}: every round in roster order"
        before = verify_audit(runtime.unit_of_work())
        assert before.ok and sum((before.awaiting or {}).values()) == sum("draw" in d for *_, d in entries), (
            before.problem
        )
        later = FrozenClock(datetime.now(UTC) + timedelta(days=2))
        assert keep_draw_keys(runtime.unit_of_work(), later, runtime.policy)  # every day's key revealed
        after = verify_audit(runtime.unit_of_work())
        assert after.ok and not after.awaiting, after.problem


class TestSameDeclarationUnderTwoUnits:
    def test_racing_processes_sending_one_declaration_under_two_units_assign_it_once(
        self, runtime: Runtime, tmp_path: Path
    ) -> None:
        for unit, officers in UNITS.items():
            load_roster(runtime, roster(unit, *officers))
        first, second = list(UNITS)[:2]
        shared = numbers(300, start=5000)
        paths = []
        for index, unit in enumerate([first, second, first, second]):
            path = tmp_path / f"twin{index}.jsonl"
            path.write_text("".join(json.dumps(message(n, unit)) + "\n" for n in shared))
            paths.append(path)
        run_processes(paths, runtime.settings.resolved_database_url(), tmp_path)
        per_key = assignments_per_key(runtime)
        assert len(per_key) == 300 and set(per_key.values()) == {1}
