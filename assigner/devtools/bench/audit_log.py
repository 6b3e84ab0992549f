"""`assigner bench verify`: an audit log of N entries written through the real audit store, then verified."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from assigner.bootstrap import Runtime
from assigner.services.audit import Verification, verify_audit

UNITS = [f"{office:02d}B1/00" for office in range(1, 11)]
OFFICERS = 5
BATCH = 500
START = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class VerifyTimes:
    """How long writing and verifying the log took, and what each verify said."""

    entries: int
    load_seconds: float
    full_seconds: float
    full: Verification
    since_seconds: float
    since: Verification


def write_log(runtime: Runtime, entries: int, progress: Callable[[int], None]) -> str:
    """A roster import then `entries - 1` turns over 10 units, in transactions of 500, each batch sealed;
    returns the head of the last batch written before 99 % of them (for --since)."""
    turns = {unit: 0 for unit in UNITS}
    written, head = 0, ""
    while written < entries:
        rows = [_roster_import()] if written == 0 else []
        rows += [_turn(turns, written + index) for index in range(min(BATCH, entries - written) - len(rows))]
        if not head and written and written + len(rows) > entries * 0.99:
            head = verify_head(runtime)
        with runtime.unit_of_work() as uow:
            uow.audit.append(rows)
            uow.commit()  # seals the batch, as every transaction does
        written += len(rows)
        progress(written)
    return head or verify_head(runtime)


def time_verify(runtime: Runtime, entries: int, head: str, load_seconds: float) -> VerifyTimes:
    """A full verify, then one since the head taken at 99 %."""
    started = time.perf_counter()
    full = verify_audit(runtime.unit_of_work())
    middle = time.perf_counter()
    since = verify_audit(runtime.unit_of_work(), since=head)
    return VerifyTimes(entries, load_seconds, middle - started, full, time.perf_counter() - middle, since)


def verify_head(runtime: Runtime) -> str:
    """The log's head: the last seal's hash."""
    with runtime.unit_of_work() as uow:
        return uow.audit.head()


def _roster_import() -> dict[str, Any]:
    units = [
        {
            "unit": unit,
            "created": True,
            "roster_before": [],
            "roster": _roster(unit),
            "added": _roster(unit),
            "removed": [],
            "reordered": False,
            "supervisors_changed": False,
        }
        for unit in UNITS
    ]
    officers = [{"officer_id": officer, "created": True, "active": True} for unit in UNITS for officer in _roster(unit)]
    return {
        "occurred_at": START,
        "actor": "bench",
        "action": "roster_import",
        "details": {"units": units, "officers": officers},
    }


def _turn(turns: dict[str, int], index: int) -> dict[str, Any]:
    unit = UNITS[index % len(UNITS)]
    turns[unit] += 1
    turn = turns[unit]
    position = (turn - 1) % OFFICERS + 1
    number = f"10{index:09d}0"
    office, department = unit.split("/")
    return {
        "occurred_at": START + timedelta(seconds=index),
        "actor": "system",
        "action": "assigned",
        "mode": "auto",
        "declaration_key": number[:11],
        "declaration_number": number,
        "customs_office": office,
        "department": department,
        "officer_id": _roster(unit)[position - 1],
        "reason": "rotation",
        "details": {
            "channel": "yellow",
            "after_hours": False,
            "turn": turn,
            "position": position,
            "cursor_from": 0 if turn == 1 else (turn - 2) % OFFICERS + 1,
            "skipped": [],
        },
    }


def _roster(unit: str) -> list[str]:
    return [f"off.{unit}.{index}" for index in range(OFFICERS)]
