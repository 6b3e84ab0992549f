"""Rule 2 with kept rosters: OS processes assign in one unit while another imports a changed roster again and
again; every turn is the one the rules give from the roster in force when it was taken."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from integration.helpers import UNIT, load_roster, message, numbers, roster
from sqlalchemy import select

from assigner.bootstrap import Runtime
from assigner.domain.rotation import Eligibility, carry_cursor, next_officer, roster_of
from assigner.storage.tables import AssignmentRow

ASSIGNERS = 3
PER_ASSIGNER = 300
BATCH = 10
EVERY = 60  # turns between two imports: about two batches of each assigner, so kept rosters are used too
# (checkers in order, inactive ones): reordered, officers leaving and joining, one deactivated and back.
ROSTERS: list[tuple[list[str], list[str]]] = [
    (["a", "b", "c", "d", "e"], []),
    (["e", "d", "c", "b", "a"], []),
    (["a", "c", "e", "f"], []),
    (["b", "d", "f", "g"], []),
    (["a", "b", "c", "d", "e"], ["c"]),
]

ASSIGNER = """
import json, sys, time
from assigner.bootstrap import Runtime
from assigner.schemas.declaration import parse_declaration
from assigner.services.assign import assign_declarations

runtime = Runtime().ready()
declarations = [parse_declaration(json.loads(line)) for line in open(sys.argv[1])]
for first in range(0, len(declarations), int(sys.argv[2])):
    batch = declarations[first : first + int(sys.argv[2])]
    assign_declarations(runtime.unit_of_work(), batch, runtime.clock, runtime.policy)
    time.sleep(0.02)  # SQLite's lock is not fair: without a pause one process could take every turn in a row
print(json.dumps({"hits": runtime.rosters.hits, "misses": runtime.rosters.misses}))
"""

# Imports the rosters in turn, one each time the unit's turn counter moved EVERY turns on, until told to stop;
# prints each import's roster and the turn counter as it committed (read under the unit's lock, inside the
# import's transaction).
IMPORTER = """
import json, sys, time
from pathlib import Path
from sqlalchemy import create_engine, select
from assigner.bootstrap import Runtime
from assigner.domain.model import Unit
from assigner.domain.roster import Officer, Role, RosterEntry
from assigner.services.roster import import_roster
from assigner.storage.engine import make_session_factory
from assigner.storage.tables import CursorRow, UnitRow
from assigner.storage.uow import SqlUnitOfWork

TURN = (
    select(CursorRow.turn).join(UnitRow, UnitRow.id == CursorRow.unit_id)
    .where(UnitRow.customs_office == "01B1", UnitRow.department == "00")
)

class Recording(SqlUnitOfWork):
    def commit(self):
        self.turn = self.session.scalar(TURN)
        super().commit()

runtime = Runtime().ready()
poller = create_engine(runtime.settings.resolved_database_url())  # SQLite: a read that takes no write lock

def turn():
    with poller.connect() as connection:
        return connection.scalar(TURN)

sessions = make_session_factory(runtime.engine)
rosters, stop, every = json.loads(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
index, last = 0, -every
while not stop.exists() and index < 500:
    if turn() - last < every:
        time.sleep(0.005)
        continue
    index += 1
    checkers, inactive = rosters[index % len(rosters)]
    entries = [RosterEntry(Officer(o, o, o not in inactive), Unit("01B1", "00"), Role.CHECKER) for o in checkers]
    uow = Recording(sessions)
    import_roster(uow, entries, runtime.clock, runtime.policy, "race")
    print(json.dumps({"turn": uow.turn, "roster": index % len(rosters)}), flush=True)
    last = uow.turn
"""


def start(script: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", script, *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    return out


def turns_taken(runtime: Runtime) -> list[tuple[int, str]]:
    """The unit's automatic assignments: (turn, officer) in turn order."""
    query = select(AssignmentRow.turn, AssignmentRow.officer_id).where(AssignmentRow.turn.is_not(None))
    with runtime.engine.connect() as connection:
        return sorted((turn, officer) for turn, officer in connection.execute(query))


def expected_turns(taken: list[tuple[int, str]], imports: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """The turns the rules give: from the first roster, each import applied after the turn it committed at
    (carrying the cursor as the import does), each turn to the next eligible officer of the roster then."""
    checkers, inactive = ROSTERS[0]
    position = 0
    pending = list(imports)
    expected = []
    for turn, _ in taken:
        while pending and pending[0]["turn"] < turn:
            after, inactive = ROSTERS[pending.pop(0)["roster"]]
            if after != checkers:
                position = carry_cursor(checkers, position, after)
            checkers = after
        slots = roster_of(checkers, {officer: Eligibility.INACTIVE for officer in inactive})
        found = next_officer(slots, position)
        assert found is not None
        position = found[0].position
        expected.append((turn, found[0].officer_id))
    return expected


def counts_between_imports(taken: list[tuple[int, str]], imports: list[dict[str, Any]]) -> list[Counter[str]]:
    """Each officer's turns while the roster was unchanged, roster by roster."""
    bounds = [0, *(record["turn"] for record in imports), taken[-1][0] if taken else 0]
    segments = []
    for low, high in zip(bounds, bounds[1:]):
        segments.append(Counter(officer for turn, officer in taken if low < turn <= high))
    return segments


@pytest.mark.slow
class TestAssigningWhileRostersAreImported:
    def test_every_turn_follows_the_roster_in_force_when_it_was_taken(self, runtime: Runtime, tmp_path: Path) -> None:
        first, inactive = ROSTERS[0]
        load_roster(runtime, roster(UNIT, *first, inactive=tuple(inactive)))
        env = {
            **os.environ,
            "ASSIGNER_DATABASE_URL": runtime.settings.resolved_database_url(),
            "ASSIGNER_HOME": str(tmp_path),
        }
        stop = tmp_path / "stop"
        importer = start(IMPORTER, [json.dumps(ROSTERS), str(stop), str(EVERY)], env)
        assigners = []
        for index in range(ASSIGNERS):
            path = tmp_path / f"stream{index}.jsonl"
            mine = numbers(PER_ASSIGNER, start=index * PER_ASSIGNER)
            path.write_text("".join(json.dumps(message(number)) + "\n" for number in mine))
            assigners.append(start(ASSIGNER, [str(path), str(BATCH)], env))
        caches = [json.loads(finish(process)) for process in assigners]
        stop.touch()
        imports = [json.loads(line) for line in finish(importer).splitlines()]

        taken = turns_taken(runtime)
        assert [turn for turn, _ in taken] == list(range(1, ASSIGNERS * PER_ASSIGNER + 1))
        inside = [record for record in imports if 0 < record["turn"] < len(taken)]
        assert len({record["turn"] for record in inside}) >= 3, "the imports did not race the assignments"
        assert taken == expected_turns(taken, imports)
        for (checkers, inactive), counts in zip(
            [ROSTERS[0]] + [ROSTERS[record["roster"]] for record in imports], counts_between_imports(taken, imports)
        ):
            assert set(counts) <= set(checkers) - set(inactive), "a turn went to an officer not in rotation"
            assert not counts or max(counts.values()) - min(counts.values()) <= 1
        assert all(cache["hits"] > 0 for cache in caches), f"no batch used a kept roster: {caches}"
        assert sum(cache["misses"] for cache in caches) > ASSIGNERS, "no kept roster was found out of date"
