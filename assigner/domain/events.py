"""The events that tell other systems what happened (docs/contract.md, "Events"); a decision's own are made in
decision_records.py."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from assigner.domain.model import Unit
from assigner.domain.moves import Holding, Move


def new_event_id() -> str:
    """A fresh, unique event id."""
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Event:
    """One event to publish to `assigner.events`: its routing key and its JSON body."""

    event_id: str
    name: str
    routing_key: str
    body: dict[str, Any] = field(compare=False)
    declaration_key: str | None = None
    command_id: str | None = None


def move_event(
    move: Move,
    command_id: str,
    reason: str | None,
    now: datetime,
    event_id: str,
    due_at: datetime | None = None,
    reason_code: str | None = None,
) -> Event:
    """A command's change to one declaration: reassigned (it had an officer), assigned (it was held), or held.

    `due_at` is the declaration's legal clock in its office's zone: a move does not restart it; `reason_code`,
    why a supervisor moved it by hand."""
    holding = move.holding
    fields: dict[str, Any]
    if move.officer_id is None:
        name, fields = "declaration.held", {"reason": "no_eligible_officer"}
    elif holding.officer_id is None:
        turn = move.turn.number if move.turn else None
        fields = {
            "officer_id": move.officer_id,
            "mode": move.mode.value,
            "after_hours": holding.after_hours,
            "turn": turn,
            "due_at": moment(due_at),
        }
        if reason_code is not None:
            fields["reason_code"] = reason_code
        name = "declaration.assigned"
    else:
        name = "declaration.reassigned"
        fields = {
            "officer_id": move.officer_id,
            "previous_officer_id": move.previous_officer_id,
            "command_id": command_id,
            "reason": reason,
            "mode": move.mode.value,
            "turn": move.turn.number if move.turn else None,
            "due_at": moment(due_at),
        }
        if reason_code is not None:
            fields["reason_code"] = reason_code
    return declaration_event(name, holding.declaration_number, holding.unit, fields, now, event_id, command_id)


def completed_event(
    holding: Holding, by: str, now: datetime, event_id: str, due_at: datetime | None, command_id: str | None
) -> Event:
    """declaration.completed: the check is finished (`by` the officer, a supervisor or upstream); in time when it
    ended by its due time (rule 8)."""
    fields = {
        "officer_id": holding.officer_id,
        "completed_at": now.isoformat(),
        "completed_by": by,
        "due_at": moment(due_at),
        "in_time": None if due_at is None else now <= due_at,
        "command_id": command_id,
    }
    return declaration_event(
        "declaration.completed", holding.declaration_number, holding.unit, fields, now, event_id, command_id
    )


def overdue_event(holding: Holding, now: datetime, event_id: str, due_at: datetime) -> Event:
    """declaration.overdue: an open declaration passed its due time, published once (rule 8)."""
    fields = {"officer_id": holding.officer_id, "status": holding.status.value, "due_at": due_at.isoformat()}
    return declaration_event("declaration.overdue", holding.declaration_number, holding.unit, fields, now, event_id)


def moment(at: datetime | None) -> str | None:
    """A time as the events write it (ISO 8601, with its offset); None stays None."""
    return at.isoformat() if at is not None else None


def sealed_event(seal: Mapping[str, Any], event_id: str) -> Event:
    """audit.sealed: a transaction's audit entries were sealed into the chain; `head` is the chain's head after
    them (the seal's hash), to be kept where the unit cannot rewrite it (docs/audit-format.md)."""
    name = "audit.sealed"
    body = {
        "event": name,
        "event_id": event_id,
        "occurred_at": seal["sealed_at"].isoformat(),
        "seq": seal["seq"],
        "head": seal["hash"],
        "previous_head": seal["prev_hash"],
        "entries": seal["entries"],
    }
    return Event(event_id, name, name, body)


def daily_head_event(
    day: date, zone: str, seal: Mapping[str, Any], entries: int, now: datetime, event_id: str
) -> Event:
    """audit.daily_head: the chain's head at the end of `day` (in `zone`): the last seal before its midnight, and
    how many entries the log had then."""
    name = "audit.daily_head"
    body = {
        "event": name,
        "event_id": event_id,
        "occurred_at": now.isoformat(),
        "day": day.isoformat(),
        "zone": zone,
        "seq": seal["seq"],
        "head": seal["hash"],
        "entries": entries,
    }
    return Event(event_id, name, name, body)


def draw_key_event(name: str, key: Mapping[str, Any], now: datetime, event_id: str) -> Event:
    """audit.draw_key_committed: a day's key for drawn turns is made, its SHA-256 (`commitment`) published before
    any draw uses it; audit.draw_key_revealed: the day is over, here is the `key` (domain/draws.py)."""
    body = {"event": name, "event_id": event_id, "occurred_at": now.isoformat(), **key}
    return Event(event_id, name, name, body)


def command_event(command_id: str, rejected_because: str | None, now: datetime, event_id: str) -> Event:
    """command.accepted, or command.rejected with its reason."""
    name = "command.accepted" if rejected_because is None else "command.rejected"
    body: dict[str, Any] = {
        "event": name,
        "event_id": event_id,
        "occurred_at": now.isoformat(),
        "command_id": command_id,
    }
    if rejected_because is not None:
        body["reason"] = rejected_because
    return Event(event_id, name, name, body, command_id=command_id)


def declaration_event(
    name: str,
    number: str,
    unit: Unit,
    fields: dict[str, Any],
    now: datetime,
    event_id: str,
    command_id: str | None = None,
) -> Event:
    """An event about one declaration: its number and unit, then `fields`; routed by name and unit."""
    body: dict[str, Any] = {
        "event": name,
        "event_id": event_id,
        "occurred_at": now.isoformat(),
        "declaration_number": number,
        "customs_office": unit.customs_office,
        "department": unit.department,
        **fields,
    }
    routing_key = f"{name}.{unit.customs_office}.{unit.department}"
    return Event(event_id, name, routing_key, body, number[:11], command_id)
