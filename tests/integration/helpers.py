"""Building declarations and rosters for integration tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from assigner.bootstrap import Runtime
from assigner.cli import run
from assigner.domain.model import Declaration, Unit
from assigner.domain.roster import Officer, Role, RosterEntry
from assigner.schemas.command import parse_command
from assigner.schemas.declaration import parse_declaration
from assigner.services.assign import BatchResult, assign_declarations
from assigner.services.commands import CommandResult, carry_out
from assigner.services.roster import RosterImport, import_roster

HANOI = timezone(timedelta(hours=7))
UNIT = Unit("01B1", "00")


def message(number: str, unit: Unit = UNIT, channel: str = "yellow", **extra: Any) -> dict[str, Any]:
    """A valid declaration message."""
    return {
        "declaration_number": number,
        "customs_office": unit.customs_office,
        "department": unit.department,
        "channel": channel,
        "registered_at": datetime(2025, 6, 2, 9, 0, tzinfo=HANOI).isoformat(),
        **extra,
    }


def declaration(number: str, unit: Unit = UNIT, channel: str = "yellow", **extra: Any) -> Declaration:
    """A declaration parsed from a valid message."""
    return parse_declaration(message(number, unit, channel, **extra))


def numbers(count: int, start: int = 0, prefix: str = "10") -> list[str]:
    """Distinct declaration numbers (amendment 0)."""
    return [f"{prefix}{index:09d}0" for index in range(start, start + count)]


def roster(
    unit: Unit, *officer_ids: str, inactive: tuple[str, ...] = (), supervisors: tuple[str, ...] = ()
) -> list[RosterEntry]:
    """Roster entries: checkers in this order, then supervisors."""
    entries = [RosterEntry(Officer(o, f"Officer {o}", o not in inactive), unit, Role.CHECKER) for o in officer_ids]
    entries += [RosterEntry(Officer(o, f"Officer {o}"), unit, Role.SUPERVISOR) for o in supervisors]
    return entries


def load_roster(runtime: Runtime, entries: list[RosterEntry]) -> RosterImport:
    """Import roster entries through the service."""
    return import_roster(runtime.unit_of_work(), entries, runtime.clock, runtime.policy, "test")


def assign(runtime: Runtime, declarations: list[Declaration]) -> BatchResult:
    """Assign a batch through the service."""
    return assign_declarations(runtime.unit_of_work(), declarations, runtime.clock, runtime.policy)


SUPERVISOR = "sup"
MAX_AGE = timedelta(hours=24)


def command_body(
    command: str, issued_by: str = SUPERVISOR, command_id: str | None = None, **fields: Any
) -> dict[str, Any]:
    """A command message as a supervisor's tool sends it (a fresh command_id unless given; a reassignment's
    reason_code workload unless given)."""
    if command in ("reassign", "reassign_group"):
        fields = {"reason_code": "workload", **fields}
    return {"command_id": command_id or uuid.uuid4().hex, "command": command, "issued_by": issued_by, **fields}


def send_command(
    runtime: Runtime, body: dict[str, Any], sender: str | None = None, max_age: timedelta = MAX_AGE
) -> CommandResult:
    """Parse and carry out a command through the service, sent by `sender` (its issued_by by default)."""
    return carry_out(
        runtime.unit_of_work(),
        parse_command(body),
        sender or str(body["issued_by"]),
        body,
        runtime.clock,
        runtime.policy,
        max_age,
    )


Cli = Callable[..., tuple[int, str, str]]


def in_process_cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    """`assigner ARGS...` run in this process (settings from the environment); returns (exit code, stdout, stderr)."""

    def invoke(*args: str) -> tuple[int, str, str]:
        code = run(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke
