"""What the cost cases stand on: units with rosters, and a year of assigned declarations bulk-loaded.

The history is written with Core bulk inserts in chunks, as `assigner bench report` loads its year: every
declaration yellow and assigned by rotation (1 in 20 then reassigned by hand), 4 in 5 completed, about 1 in 3
naming a container, registered at random over 2025 in random units of those given.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text

from assigner.bootstrap import Runtime
from assigner.devtools import samples
from assigner.domain.model import Unit
from assigner.domain.roster import Officer, Role, RosterEntry
from assigner.domain.working_hours import WorkingHours
from assigner.services.roster import import_roster
from assigner.storage.tables import AssignmentRow, ContainerRow, DeclarationRow

CHUNK = 10_000
YEAR_START = datetime(2025, 1, 1, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
YEAR_SECONDS = 365 * 24 * 3600
HOURS = WorkingHours()
Loaded = Callable[[int], None]  # declarations loaded so far


def officer_id(unit: Unit, index: int) -> str:
    """The bench's id of a unit's `index`-th officer."""
    return f"off.{unit.customs_office}.{unit.department}.{index}"


def import_units(runtime: Runtime, units: Sequence[Unit], officers_per_unit: int) -> float:
    """Give each unit a roster of `officers_per_unit` checkers through the roster service; returns the seconds."""
    entries = [
        RosterEntry(Officer(officer_id(unit, index), f"Officer {index}"), unit, Role.CHECKER)
        for unit in units
        for index in range(officers_per_unit)
    ]
    started = time.perf_counter()
    import_roster(runtime.unit_of_work(), entries, runtime.clock, runtime.policy, "bench")
    return time.perf_counter() - started


def load_history(
    runtime: Runtime, rows: int, units: Sequence[Unit], officers_per_unit: int, loaded: Loaded | None = None
) -> float:
    """Insert `rows` assigned declarations over `units` (numbers 10 00…, apart from the sample's); returns the
    seconds, ANALYZE included on PostgreSQL."""
    started = time.perf_counter()
    done = 0
    for declarations, assignments, containers in _chunks(rows, units, officers_per_unit):
        with runtime.engine.begin() as connection:
            connection.execute(insert(DeclarationRow), declarations)
            connection.execute(insert(AssignmentRow), assignments)
            if containers:
                connection.execute(insert(ContainerRow), containers)
        done += len(declarations)
        if loaded is not None:
            loaded(done)
    if runtime.engine.dialect.name == "postgresql":
        with runtime.engine.begin() as connection:
            connection.execute(text("ANALYZE"))  # what autovacuum does to a live database, before timing
    return time.perf_counter() - started


Chunk = tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]


def _chunks(rows: int, units: Sequence[Unit], officers_per_unit: int) -> Iterator[Chunk]:
    rng = random.Random(2025)
    turns = {unit: 0 for unit in units}
    for first in range(0, rows, CHUNK):
        declarations: list[dict[str, Any]] = []
        assignments: list[dict[str, Any]] = []
        containers: list[dict[str, Any]] = []
        for index in range(first, min(first + CHUNK, rows)):
            unit = units[rng.randrange(len(units))]
            turns[unit] += 1
            row = _declaration(rng, index, unit, officer_id(unit, turns[unit] % officers_per_unit))
            declarations.append(row)
            assignments.append(_assignment(row, "auto", turns[unit]))
            if rng.random() < 0.05:  # reassigned by hand
                row["officer_id"] = officer_id(unit, rng.randrange(officers_per_unit))
                assignments.append(_assignment(row, "manual", None))
            if rng.random() < 0.3:
                containers.append(
                    {"declaration_key": row["declaration_key"], "container_number": samples.container_number(rng)}
                )
        yield declarations, assignments, containers


def _declaration(rng: random.Random, index: int, unit: Unit, officer: str) -> dict[str, Any]:
    number = f"10{index:09d}0"  # digits 3-4 are 00 below 10^7 rows: the sample's carry its seed there
    registered = YEAR_START + timedelta(seconds=rng.randrange(YEAR_SECONDS))
    local = registered.astimezone(YEAR_START.tzinfo)
    return {
        "declaration_key": number[:11],
        "declaration_number": number,
        "customs_office": unit.customs_office,
        "department": unit.department,
        "channel": "yellow",
        "status": "completed" if rng.random() < 0.8 else "assigned",
        "registered_at": registered,
        "received_at": registered,
        "after_hours": not HOURS.is_working_time(local.date(), local.time()),
        "declaration_type": rng.choice(["A11", "A12", "E31", "B11"]),
        "enterprise_tax_code": samples.tax_code(rng),
        "officer_id": officer,
        "assigned_at": registered,
    }


def _assignment(row: dict[str, Any], mode: str, turn: int | None) -> dict[str, Any]:
    return {
        "declaration_key": row["declaration_key"],
        "officer_id": row["officer_id"],
        "customs_office": row["customs_office"],
        "department": row["department"],
        "mode": mode,
        "turn": turn,
        "assigned_at": row["assigned_at"],
        "assigned_by": "bench" if mode == "manual" else "system",
        "command_id": None,
        "reason_code": "workload" if mode == "manual" else None,
    }
