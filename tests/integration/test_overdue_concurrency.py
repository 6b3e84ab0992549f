"""Rule 8 with several OS processes flagging overdue work at once: each declaration is flagged, audited and
announced once (PostgreSQL's row locks; SQLite's one writer)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from integration.helpers import SUPERVISOR, UNIT, assign, declaration, load_roster, numbers, roster
from sqlalchemy import select

from assigner.bootstrap import Runtime
from assigner.storage.tables import AuditRow, OutboxRow

PROCESSES = 4
DECLARATIONS = 1200  # over two of the service's batches of 500
FLAG = """
import sys
from datetime import datetime, timezone
from assigner.bootstrap import Runtime
from assigner.services.overdue import flag_overdue
from assigner.settings import Settings
runtime = Runtime(Settings(), clock=lambda: datetime(2025, 6, 3, 0, 0, tzinfo=timezone.utc)).ready()
sys.stdin.readline()  # every process starts flagging at once
flagged = 0
while batch := flag_overdue(runtime.unit_of_work(), runtime.clock, runtime.policy):
    flagged += len(batch)
print(flagged)
"""


@pytest.mark.slow
class TestOverdueConcurrency:
    def test_four_processes_flag_each_overdue_declaration_once(
        self, runtime: Runtime, database_url: str, tmp_path: Path
    ) -> None:
        load_roster(runtime, roster(UNIT, "a", "b", "c", supervisors=(SUPERVISOR,)))
        for start in range(0, DECLARATIONS, 400):
            assign(runtime, [declaration(n) for n in numbers(400, start=start)])
        env = {**os.environ, "ASSIGNER_DATABASE_URL": database_url, "ASSIGNER_HOME": str(tmp_path)}
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", FLAG], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            )
            for _ in range(PROCESSES)
        ]
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        counts = [int(process.communicate(timeout=300)[0]) for process in processes]
        assert all(process.returncode == 0 for process in processes)
        assert sum(counts) == DECLARATIONS
        with runtime.engine.connect() as connection:
            overdue = OutboxRow.event == "declaration.overdue"
            events = Counter(connection.scalars(select(OutboxRow.declaration_key).where(overdue)))
            audited = Counter(connection.scalars(select(AuditRow.declaration_key).where(AuditRow.action == "overdue")))
        expected = Counter(number[:11] for number in numbers(DECLARATIONS))
        assert events == expected and audited == expected
