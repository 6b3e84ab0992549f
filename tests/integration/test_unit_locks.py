"""A unit is locked by name, even before it exists, so a hold and a roster import cannot miss each other."""

from __future__ import annotations

import threading

import pytest
from integration.helpers import assign, declaration, load_roster, numbers, roster

from assigner.bootstrap import Runtime
from assigner.domain.model import Unit

NEW_UNIT = Unit("03CC", "02")


@pytest.fixture
def database_url(postgres_database: str) -> str:
    """PostgreSQL only: SQLite admits one writer at a time (BEGIN IMMEDIATE), so there is nothing to race."""
    return postgres_database


@pytest.mark.postgresql
class TestUnitLocks:
    def test_a_batch_for_a_unit_not_yet_created_waits_for_the_import_creating_it(self, runtime: Runtime) -> None:
        importer = runtime.unit_of_work().__enter__()
        importer.rotations.lock([NEW_UNIT], runtime.clock())  # the import's first step, its transaction open
        finished = threading.Event()
        outcome: list[str] = []

        def assign_in_parallel() -> None:
            result = assign(runtime, [declaration(numbers(1)[0], NEW_UNIT)])
            outcome.append(result.decisions[0].outcome.value)
            finished.set()

        worker = threading.Thread(target=assign_in_parallel)
        worker.start()
        try:
            waited = not finished.wait(1.0)
        finally:
            importer.__exit__(None, None, None)  # the import gives up; the batch goes on and holds
            worker.join(30)
        assert waited, "the batch did not wait for the unit's lock"
        assert outcome == ["held"]
        released = load_roster(runtime, roster(NEW_UNIT, "x"))
        assert [d.officer_id for d in released.released] == ["x"]
