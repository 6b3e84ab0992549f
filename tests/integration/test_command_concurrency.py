"""Commands raced by several OS processes, while others assign: each command once, the audit trail intact."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest
from integration.helpers import (
    SUPERVISOR,
    assign,
    command_body,
    declaration,
    load_roster,
    message,
    numbers,
    roster,
    send_command,
)
from sqlalchemy import func, select

from assigner.bootstrap import Runtime
from assigner.domain.model import Unit
from assigner.services.audit import verify_audit
from assigner.settings import Settings
from assigner.storage.roster import RosterStore
from assigner.storage.tables import AssignmentRow, CommandRow, DeclarationRow

UNIT = Unit("01B1", "00")
CHECKERS = ["a1", "a2", "a3", "a4"]
PROCESSES = 4

# Each process sends the same commands (same ids, the way a redelivery or a double click would), then
# assigns its share of new declarations; the absence lands somewhere in the middle of the stream.
SCRIPT = """
import json, sys
from datetime import timedelta
from assigner.bootstrap import Runtime
from assigner.schemas.command import parse_command
from assigner.schemas.declaration import parse_declaration
from assigner.services.assign import assign_declarations
from assigner.services.commands import carry_out

runtime = Runtime().ready()
plan = json.load(open(sys.argv[1]))
for step in plan:
    if step["kind"] == "command":
        command = parse_command(step["body"])
        carry_out(runtime.unit_of_work(), command, command.header.issued_by, step["body"], runtime.clock,
                  runtime.policy, timedelta(hours=24))
    else:
        batch = [parse_declaration(m) for m in step["messages"]]
        assign_declarations(runtime.unit_of_work(), batch, runtime.clock, runtime.policy)
"""


def reassign(index: int, number: str, to: str) -> dict[str, object]:
    return {
        "command_id": f"r-{index}",
        "command": "reassign",
        "issued_by": "sup",
        "declaration_number": number,
        "to_officer_id": to,
        "reason_code": "workload",
    }


def write_plans(folder: Path, existing: list[str]) -> list[Path]:
    commands = [reassign(i, number, CHECKERS[(i + 2) % 4]) for i, number in enumerate(existing[:12])]
    absent = {"command_id": "absent-a1", "command": "officer_absent", "issued_by": "sup", "officer_id": "a1"}
    fresh = numbers(400, start=1000)
    paths = []
    for process in range(PROCESSES):
        mine = fresh[process::PROCESSES]
        steps: list[dict[str, object]] = []
        for chunk in range(10):
            steps.append(
                {"kind": "declarations", "messages": [message(n, UNIT) for n in mine[chunk * 10 : (chunk + 1) * 10]]}
            )
            steps.append({"kind": "command", "body": commands[(chunk + process) % len(commands)]})
            if chunk == 5:
                steps.append({"kind": "command", "body": absent})
        steps += [{"kind": "command", "body": c} for c in commands]
        path = folder / f"plan{process}.json"
        path.write_text(json.dumps(steps))
        paths.append(path)
    return paths


@pytest.mark.slow
class TestConcurrentCommands:
    def test_raced_commands_are_carried_out_once_and_the_audit_trail_replays(
        self, runtime: Runtime, tmp_path: Path
    ) -> None:
        load_roster(runtime, roster(UNIT, *CHECKERS, supervisors=("sup",)))
        existing = numbers(40)
        assign(runtime, [declaration(n) for n in existing])
        env = {
            **os.environ,
            "ASSIGNER_DATABASE_URL": runtime.settings.resolved_database_url(),
            "ASSIGNER_HOME": str(tmp_path / "home"),
        }
        processes = [
            subprocess.Popen([sys.executable, "-c", SCRIPT, str(path)], env=env, stderr=subprocess.PIPE, text=True)
            for path in write_plans(tmp_path, existing)
        ]
        for process in processes:
            _, err = process.communicate(timeout=300)
            assert process.returncode == 0, err

        with runtime.engine.connect() as connection:
            commands = connection.execute(select(CommandRow.command_id, CommandRow.accepted)).all()
            manual = Counter(connection.scalars(select(AssignmentRow.command_id).where(AssignmentRow.mode == "manual")))
            held_by_a1 = connection.scalar(
                select(func.count())
                .select_from(DeclarationRow)
                .where(DeclarationRow.officer_id == "a1", DeclarationRow.status == "assigned")
            )
            autos = Counter(
                connection.scalars(select(AssignmentRow.declaration_key).where(AssignmentRow.mode == "auto"))
            )
        assert len(commands) == 13  # 12 reassignments and the absence, each once
        assert all(count == 1 for count in manual.values()), "a command was carried out twice"
        # Given to a1 before the absence: redistributed by it; after it: refused (a1 is absent).
        assert held_by_a1 == 0
        assert len(autos) == 440 and set(autos.values()) == {1}, "a declaration got two automatic assignments"
        result = verify_audit(runtime.unit_of_work())
        assert result.ok, f"entry {result.failed_seq}: {result.problem}"
        assert result.turns == 440 + _redistributed(runtime)


def _redistributed(runtime: Runtime) -> int:
    with runtime.engine.connect() as connection:
        return (
            connection.scalar(
                select(func.count()).select_from(AssignmentRow).where(AssignmentRow.mode == "redistributed")
            )
            or 0
        )


class TestAReturnRacedByANewAbsence:
    @pytest.mark.postgresql
    def test_a_return_ends_the_absence_committed_while_it_waited_for_the_locks(
        self, postgres_database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """officer_available reads the absences once it holds the units' locks: an officer_absent that committed
        just before is ended too, as the trail says (it used to end only the absence read before the locks)."""
        runtime = Runtime(Settings(database_url=postgres_database, home=tmp_path / "home")).ready()
        load_roster(runtime, roster(UNIT, *CHECKERS, supervisors=(SUPERVISOR,)))
        assert send_command(runtime, command_body("officer_absent", officer_id="a1")).accepted
        reached, absent_again = threading.Event(), threading.Event()
        units_of = RosterStore.units_of

        def slow_units_of(self: RosterStore, officer_id: str) -> list[Unit]:
            if threading.current_thread().name == "return":
                reached.set()
                assert absent_again.wait(10)
            return units_of(self, officer_id)

        monkeypatch.setattr(RosterStore, "units_of", slow_units_of)
        answers: list[bool] = []
        body = command_body("officer_available", officer_id="a1")
        back = threading.Thread(target=lambda: answers.append(send_command(runtime, body).accepted), name="return")
        back.start()
        assert reached.wait(10)
        assert send_command(runtime, command_body("officer_absent", officer_id="a1", until=None)).accepted
        absent_again.set()
        back.join()
        assert answers == [True]
        later = numbers(4, start=900)
        assign(runtime, [declaration(n) for n in later])
        verified = verify_audit(runtime.unit_of_work())
        assert verified.ok, verified.problem
        with runtime.engine.connect() as connection:
            query = select(AssignmentRow.officer_id).where(AssignmentRow.declaration_key.in_([n[:11] for n in later]))
            assert "a1" in set(connection.scalars(query))  # back: a1 takes turns again
        runtime.engine.dispose()
