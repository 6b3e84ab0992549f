"""Rules 1, 2 and the audit trail under load: threads of their own assigning, switching units between the two
orders, sending absences and returns, and importing rosters at once on PostgreSQL. However they interleave, the
trail must verify, before each day's key is revealed and after."""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from integration.helpers import assign, command_body, declaration, roster, send_command

from assigner.bootstrap import Runtime
from assigner.domain.draws import RotationMode
from assigner.domain.model import Unit
from assigner.domain.roster import RosterEntry
from assigner.services.audit import verify_audit
from assigner.services.draw_keys import keep_draw_keys, set_rotation_mode
from assigner.services.roster import import_roster
from assigner.settings import Settings

UNITS = {
    Unit("01B1", "00"): ["a1", "a2", "a3", "a4"],
    Unit("01B1", "01"): ["b1", "b2", "b3"],
    Unit("02CI", "00"): ["c1", "c2", "c3", "c4", "c5"],
}
THREADS, STEPS = 8, 50
OPERATIONS = ["assign"] * 6 + ["mode", "mode", "absent", "available", "import"]


class Shifted:
    """Now, moved on by `days` (to reveal the keys of today)."""

    def __init__(self) -> None:
        self.days = 0

    def __call__(self) -> datetime:
        return datetime.now(UTC) + timedelta(days=self.days)


def rosters_now(rng: random.Random, unit: Unit) -> list[RosterEntry]:
    """This unit's roster, and some others', shuffled, now and then one officer short."""
    entries: list[RosterEntry] = []
    for other, officers in UNITS.items():
        if other == unit or rng.random() < 0.3:
            order = rng.sample(officers, len(officers))
            entries += roster(other, *(order[:-1] if rng.random() < 0.3 else order), supervisors=("sup",))
    return entries


def work(runtime: Runtime, seed: int, numbers: Iterator[int], failures: list[BaseException]) -> None:
    rng, clock = random.Random(seed), runtime.clock
    try:
        for _ in range(STEPS):
            unit = rng.choice(list(UNITS))
            officer = rng.choice(UNITS[unit])
            operation = rng.choice(OPERATIONS)
            if operation == "assign":
                units = rng.choices(list(UNITS), k=rng.randint(1, 6))
                assign(runtime, [declaration(f"10{next(numbers):09d}0", u) for u in units])
            elif operation == "mode":
                set_rotation_mode(runtime.unit_of_work(), unit, rng.choice(list(RotationMode)), clock, "t")
            elif operation in ("absent", "available"):
                send_command(runtime, command_body(f"officer_{operation}", officer_id=officer))
            else:
                import_roster(runtime.unit_of_work(), rosters_now(rng, unit), clock, runtime.policy, "t")
    except BaseException as error:  # noqa: BLE001 (said by the test, in its thread's stead)
        failures.append(error)


@pytest.mark.slow
@pytest.mark.postgresql
class TestEverythingAtOnce:
    def test_the_trail_of_threads_doing_everything_at_once_verifies_before_and_after_the_reveal(
        self, postgres_database: str, tmp_path: Path
    ) -> None:
        clock = Shifted()
        runtimes = [
            Runtime(Settings(database_url=postgres_database, home=tmp_path / "home"), clock=clock).ready()
            for _ in range(THREADS)
        ]
        first = runtimes[0]
        entries = [e for unit, officers in UNITS.items() for e in roster(unit, *officers, supervisors=("sup",))]
        import_roster(first.unit_of_work(), entries, clock, first.policy, "t")
        for unit in list(UNITS)[:2]:
            set_rotation_mode(first.unit_of_work(), unit, RotationMode.DRAWN, clock, "t")
        numbers, failures = itertools.count(1), list[BaseException]()
        threads = [threading.Thread(target=work, args=(r, n, numbers, failures)) for n, r in enumerate(runtimes)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        before = verify_audit(first.unit_of_work())
        assert before.ok, before.problem
        clock.days = 3
        keep_draw_keys(first.unit_of_work(), clock, first.policy)
        after = verify_audit(first.unit_of_work())
        assert after.ok and not after.awaiting, after.problem
        for runtime in runtimes:
            runtime.engine.dispose()
