"""`assigner bench report`: a year of synthetic declarations bulk-loaded (the yellow ones with their legal clock),
then reports timed on it."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text

from assigner.bootstrap import Runtime
from assigner.domain.legal_clock import due_at
from assigner.domain.model import Unit
from assigner.domain.reports import Period, Scope
from assigner.domain.roster import Officer, Role, RosterEntry
from assigner.domain.working_hours import WorkingHours
from assigner.services.reports import build_report
from assigner.services.roster import import_roster
from assigner.storage.tables import AssignmentRow, DeclarationRow

OFFICES = [f"{n:02d}B1" for n in range(1, 11)]  # 10 offices of 2 departments, 5 officers each
DEPARTMENTS = ["01", "02"]
OFFICERS_PER_UNIT = 5
YEAR = 2025
CHUNK = 10_000
HOURS = WorkingHours()  # the default week; the year's holidays are not in it
HANOI = ZoneInfo(HOURS.timezone)


def units() -> list[Unit]:
    """The bench's units."""
    return [Unit(office, department) for office in OFFICES for department in DEPARTMENTS]


def load_year(runtime: Runtime, rows: int, progress: Callable[[int], None]) -> None:
    """Import the rosters, then insert `rows` declarations registered over the year (and their assignments)."""
    entries = [
        RosterEntry(Officer(_officer(unit, i), f"Officer {i} of {unit}"), unit, Role.CHECKER)
        for unit in units()
        for i in range(OFFICERS_PER_UNIT)
    ]
    import_roster(runtime.unit_of_work(), entries, runtime.clock, runtime.policy, "bench")
    done = 0
    for declarations, assignments in _chunks(rows):
        with runtime.engine.begin() as connection:
            connection.execute(insert(DeclarationRow), declarations)
            if assignments:
                connection.execute(insert(AssignmentRow), assignments)
        done += len(declarations)
        progress(done)
    if runtime.engine.dialect.name == "postgresql":
        with runtime.engine.begin() as connection:
            connection.execute(text("ANALYZE"))  # what autovacuum does to a live database, before timing


def time_reports(runtime: Runtime, repeat: int = 5) -> list[tuple[str, float, float, int]]:
    """(what, best s, median s, declarations counted) for the reports an office and an auditor run."""
    month = Period(date(YEAR, 6, 1), date(YEAR, 6, 30), "Asia/Ho_Chi_Minh")
    year = Period(date(YEAR, 1, 1), date(YEAR, 12, 31), "Asia/Ho_Chi_Minh")
    cases = [
        ("one office, one month", Scope(OFFICES[0]), month),
        ("one unit, one month", Scope(OFFICES[0], DEPARTMENTS[0]), month),
        ("all offices, one month", Scope(), month),
        ("one office, the whole year", Scope(OFFICES[0]), year),
    ]
    figures = []
    for label, scope, period in cases:
        times, counted = [], 0
        for _ in range(repeat):
            started = time.perf_counter()
            report = build_report(runtime.unit_of_work(), scope, period, runtime.clock(), runtime.policy.hours)
            times.append(time.perf_counter() - started)
            counted = sum(sum(u.by_channel.values()) for u in report.units)
        figures.append((label, min(times), statistics.median(times), counted))
    return figures


def _chunks(rows: int) -> Iterator[tuple[list[dict[str, Any]], list[dict[str, Any]]]]:
    rng = random.Random(2025)
    clock_rng = random.Random(8)  # apart, so the declarations drawn are the same as before the legal clock
    start = datetime(YEAR, 1, 1, tzinfo=HANOI)
    seconds = 365 * 24 * 3600
    all_units = units()
    turns = {unit: 0 for unit in all_units}
    for first in range(0, rows, CHUNK):
        declarations, assignments = [], []
        for index in range(first, min(first + CHUNK, rows)):
            unit = all_units[rng.randrange(len(all_units))]
            registered = start + timedelta(seconds=rng.randrange(seconds))
            declaration, made = _declaration(rng, index, unit, registered, turns)
            if made:
                _legal_clock(clock_rng, declaration)
            declarations.append(declaration)
            assignments += made
        yield declarations, assignments


def _declaration(
    rng: random.Random, index: int, unit: Unit, registered: datetime, turns: dict[Unit, int]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    number = f"10{index:09d}0"
    draw = rng.random()
    channel = "green" if draw < 0.65 else ("yellow" if draw < 0.95 else "red")
    local = registered.astimezone(HANOI)
    after_hours = not HOURS.is_working_time(local.date(), local.time())
    row: dict[str, Any] = {
        "declaration_key": number[:11],
        "declaration_number": number,
        "customs_office": unit.customs_office,
        "department": unit.department,
        "channel": channel,
        "status": "recorded",
        "registered_at": registered,
        "received_at": registered,
        "after_hours": after_hours,
        "officer_id": None,
        "assigned_at": None,
        "documents_received_at": None,
        "due_at": None,
        "completed_at": None,
    }
    if channel != "yellow":
        return row, []
    turns[unit] += 1
    officer = _officer(unit, turns[unit] % OFFICERS_PER_UNIT)
    row.update(status="completed" if rng.random() < 0.8 else "assigned", officer_id=officer, assigned_at=registered)
    made = [_assignment(row, officer, "auto", turns[unit])]
    if rng.random() < 0.05:  # reassigned by hand
        other = _officer(unit, rng.randrange(OFFICERS_PER_UNIT))
        row["officer_id"] = other
        made.append(_assignment(row, other, "manual", None))
    return row, made


def _legal_clock(rng: random.Random, row: dict[str, Any]) -> None:
    """A yellow declaration's clock: a dossier completed later than registration now and then, the due time
    2 working hours on, and a completion from minutes to two days later (many late, as a bench needs)."""
    dossier = row["registered_at"]
    if rng.random() < 0.2:
        dossier += timedelta(minutes=rng.randrange(1, 180))
        row["documents_received_at"] = dossier
    row["due_at"] = due_at(HOURS, dossier, timedelta(hours=HOURS.check_deadline_hours))
    if row["status"] == "completed":
        row["completed_at"] = dossier + timedelta(minutes=rng.randrange(5, 2 * 24 * 60))


def _assignment(row: dict[str, Any], officer: str, mode: str, turn: int | None) -> dict[str, Any]:
    return {
        "declaration_key": row["declaration_key"],
        "officer_id": officer,
        "customs_office": row["customs_office"],
        "department": row["department"],
        "mode": mode,
        "turn": turn,
        "assigned_at": row["registered_at"],
        "assigned_by": "bench" if mode == "manual" else "system",
        "command_id": None,
    }


def _officer(unit: Unit, index: int) -> str:
    return f"off.{unit.customs_office}.{unit.department}.{index}"
