"""What one assignment costs in process (no broker) as the roster, the units and the history grow.

Three pairs of cases, each case on a database of its own (a scratch PostgreSQL database, or an SQLite file):
the same yellow declarations assigned through `assign_declarations` in batches, after one untimed batch.
If the cost does not grow, each pair's ratio large/small stays near 1.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from assigner.bootstrap import Runtime
from assigner.devtools import samples
from assigner.devtools.bench.history import import_units, load_history
from assigner.devtools.bench.runs import scratch_runtime
from assigner.domain.model import Declaration, Status, Unit
from assigner.schemas.declaration import parse_declaration
from assigner.services.assign import assign_declarations
from assigner.storage.tables import AssignmentRow

Say = Callable[[str], None]
SEED = 42  # the timed declarations' numbers carry it in digits 3-4, so none is in the history
ONE_UNIT = Unit("01B1", "00")
HISTORY_UNITS = [Unit("01B1", "00"), Unit("01B1", "01"), Unit("02CI", "00")]
SMALL_ROSTER = 10
OFFICERS_PER_UNIT = 5


@dataclass(frozen=True)
class Cost:
    """One case: `declarations` assigned in `seconds` (the timed batches only); `assigned` of them found stored
    as assigned afterwards; `setup_seconds` making the case (roster import, history load), not timed."""

    case: str
    declarations: int
    seconds: float
    assigned: int = 0
    setup_seconds: float = 0.0

    @property
    def per_assignment_ms(self) -> float:
        """Milliseconds per declaration assigned."""
        return self.seconds * 1000 / self.declarations


@dataclass(frozen=True)
class Case:
    """What a case's database holds before the timing: units with their rosters, and a history."""

    name: str
    units: Sequence[Unit]
    officers_per_unit: int
    history: int = 0


def measure_costs(
    server_url: str | None,
    count: int = 5000,
    batch_size: int = 500,
    history: int = 1_000_000,
    progress: Say | None = None,
    *,
    large_roster: int = 10_000,
    many_units: int = 1_000,
) -> list[tuple[Cost, Cost]]:
    """(small, large) for the roster, the units and the history, each case on a fresh database made and dropped
    here: on a scratch database of the PostgreSQL server `server_url`, or SQLite files when it is None."""
    say = progress or (lambda line: None)
    pairs = []
    for small, large in cost_cases(history, large_roster, many_units):
        pairs.append((_run(server_url, small, count, batch_size, say), _run(server_url, large, count, batch_size, say)))
    return pairs


def cost_cases(history: int, large_roster: int, many_units: int) -> list[tuple[Case, Case]]:
    """The pairs: a roster, the units a batch touches, the declarations already stored."""
    return [
        (
            Case(f"1 unit of {SMALL_ROSTER} officers", [ONE_UNIT], SMALL_ROSTER),
            Case(f"1 unit of {large_roster:,} officers", [ONE_UNIT], large_roster),
        ),
        (
            Case("1 unit", [ONE_UNIT], OFFICERS_PER_UNIT),
            Case(f"{many_units:,} units", bench_units(many_units), OFFICERS_PER_UNIT),
        ),
        (
            Case("empty history", HISTORY_UNITS, OFFICERS_PER_UNIT),
            Case(f"{history:,} stored", HISTORY_UNITS, OFFICERS_PER_UNIT, history),
        ),
    ]


def bench_units(count: int) -> list[Unit]:
    """`count` distinct units with valid codes: offices C000, C001, ... of departments 00 to 09."""
    return [Unit(f"C{index // 10:03d}", f"{index % 10:02d}") for index in range(count)]


def _run(server_url: str | None, case: Case, count: int, batch_size: int, say: Say) -> Cost:
    """Make the case's database, time it, drop it."""
    with scratch_runtime(server_url) as runtime:
        setup = import_units(runtime, case.units, case.officers_per_unit)
        say(
            f"{case.name}: {len(case.units):,} unit(s) of {case.officers_per_unit:,} officers imported in {setup:.1f} s"
        )
        if case.history:
            loaded = load_history(runtime, case.history, case.units, case.officers_per_unit)
            say(f"{case.name}: {case.history:,} declarations loaded in {loaded:.1f} s")
            setup += loaded
        cost = measure(runtime, case.name, case.units, count, batch_size)
        say(f"{case.name}: {cost.per_assignment_ms:.3f} ms per assignment")
        return Cost(cost.case, cost.declarations, cost.seconds, cost.assigned, setup)


def measure(runtime: Runtime, case: str, units: Sequence[Unit], count: int, batch_size: int) -> Cost:
    """One untimed batch, then `count` new yellow declarations over `units` timed in batches of `batch_size`."""
    messages = samples.declarations(batch_size + count, units, seed=SEED, channel="yellow")
    declarations = [parse_declaration(message) for message in messages]
    _assign(runtime, declarations[:batch_size], batch_size)
    timed = declarations[batch_size:]
    started = time.perf_counter()
    _assign(runtime, timed, batch_size)
    seconds = time.perf_counter() - started
    return Cost(case, len(timed), seconds, stored_assignments(runtime, [d.key for d in timed]))


def stored_assignments(runtime: Runtime, keys: Sequence[str]) -> int:
    """How many of these declarations are stored as assigned, with an assignment row."""
    with runtime.unit_of_work() as uow:
        known = uow.declarations.known(keys)
        query = select(AssignmentRow.declaration_key).where(AssignmentRow.declaration_key.in_(sorted(set(keys))))
        with_row = set(uow.session.scalars(query))
    return sum(
        1
        for key, row in known.items()
        if row.status is Status.ASSIGNED and row.officer_id is not None and key in with_row
    )


def _assign(runtime: Runtime, declarations: Sequence[Declaration], batch_size: int) -> None:
    for first in range(0, len(declarations), batch_size):
        assign_declarations(
            runtime.unit_of_work(), declarations[first : first + batch_size], runtime.clock, runtime.policy
        )
