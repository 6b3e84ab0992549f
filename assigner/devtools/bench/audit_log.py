"""`assigner bench verify`: an audit log of N entries written through the real audit store, then verified."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from assigner.bootstrap import Runtime
from assigner.services.audit import verify_audit
from assigner.services.audit_export import export_audit, verify_export
from assigner.services.audit_walk import Verification

UNITS = [f"{office:02d}B1/00" for office in range(1, 11)]
OFFICERS = 5
BATCH = 500
START = datetime(2025, 1, 1, tzinfo=UTC)
# The auditor's verifier: tools/ of the checkout the bench runs in (it is not installed with the package).
VERIFIERS = (
    Path.cwd() / "tools" / "verify_audit.py",
    Path(__file__).resolve().parents[3] / "tools" / "verify_audit.py",
)


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


@dataclass(frozen=True)
class ExportTimes:
    """How long the export took, and checking it: by the product, and by the standard-library verifier (None
    when tools/verify_audit.py is not found: it is in a checkout, not in the package), with what each said."""

    export_seconds: float
    megabytes: float
    product_seconds: float
    product: Verification
    stdlib_seconds: float | None
    stdlib_said: str


def time_export(runtime: Runtime, folder: Path) -> ExportTimes:
    """Export the whole log to a file in `folder`, then verify the file both ways."""
    path = folder / "audit-export.jsonl"
    started = time.perf_counter()
    with path.open("w", encoding="utf-8") as out:
        out.writelines(line + "\n" for line in export_audit(runtime.unit_of_work(), runtime.clock))
    exported = time.perf_counter()
    with path.open("rb") as lines:
        product = verify_export(lines)
    checked = time.perf_counter()
    found = [verifier for verifier in VERIFIERS if verifier.is_file()]
    stdlib_seconds, said = None, "tools/verify_audit.py is not here: run the bench in a checkout"
    if found:  # -I -S: the interpreter alone, no site-packages, as an auditor runs it
        ran = subprocess.run([sys.executable, "-I", "-S", str(found[0]), str(path)], capture_output=True, text=True)
        stdlib_seconds, said = time.perf_counter() - checked, (ran.stdout + ran.stderr).strip()
    megabytes = path.stat().st_size / 2**20
    return ExportTimes(exported - started, megabytes, checked - exported, product, stdlib_seconds, said)


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
