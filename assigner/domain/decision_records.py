"""What one decision changes, its audit entry and its event, as plain values: storage only persists them.

This is the one place that turns an outcome into writes, an entry (rule 6) and an event (docs/contract.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from assigner.domain.decisions import Decision, Outcome
from assigner.domain.events import Event, declaration_event, moment, new_event_id
from assigner.domain.groups import branch_lot
from assigner.domain.model import SYSTEM, Declaration, Status

Fields = dict[str, Any]

# Outcomes that take a held declaration out of its hold: assigned, or held again in a corrected unit.
_LEAVES_HOLD = (Outcome.ASSIGNED, Outcome.HELD)


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """Everything one decision writes, by field name; what is None is not written."""

    key: str
    declaration: Fields | None = None  # the declaration's fields after it; None: unchanged (a re-sent copy)
    first: bool = False  # seen for the first time: `declaration` is a new row, else it updates the stored one
    version: Fields | None = None  # a newer amendment to keep (its number and payload)
    containers: list[Fields] | None = None  # its containers, replacing those stored; None: those stored stay
    late_version: Fields | None = None  # an earlier amendment arriving after a later one: kept if not yet stored
    assignment: Fields | None = None
    hold: Fields | None = None
    leaves_hold: bool = False  # its stored hold ends (assigned, or held again in another unit)
    audit: Fields | None = None
    event: Event | None = None
    resent: bool = False  # a copy of what is stored: its declaration's latest event is published again


def records_for(
    decisions: Sequence[Decision], now: datetime, new_id: Callable[[], str] = new_event_id
) -> list[DecisionRecord]:
    """The records of a batch's decisions, in decision order (so their entries and events are in that order)."""
    return [record_of(decision, now, new_id) for decision in decisions]


def record_of(decision: Decision, now: datetime, new_id: Callable[[], str] = new_event_id) -> DecisionRecord:
    """What `decision`, taken at `now`, writes; `new_id` names its event."""
    declaration, previous = decision.declaration, decision.previous
    if decision.outcome is Outcome.DUPLICATE:
        late = previous is not None and declaration.amendment < previous.amendment
        return DecisionRecord(declaration.key, late_version=_version(declaration, now) if late else None, resent=True)
    newer = previous is None or declaration.amendment > previous.amendment
    return DecisionRecord(
        declaration.key,
        declaration=_row(decision, now),
        first=previous is None,
        version=_version(declaration, now) if newer else None,
        containers=_containers(declaration) if newer else None,
        assignment=_assignment(decision, now) if decision.outcome is Outcome.ASSIGNED else None,
        hold=_hold(decision, now) if decision.outcome is Outcome.HELD else None,
        leaves_hold=previous is not None and previous.status is Status.HELD and decision.outcome in _LEAVES_HOLD,
        audit=_entry(decision, now),
        event=_event(decision, now, new_id()),
    )


def _row(decision: Decision, now: datetime) -> Fields:
    declaration = decision.declaration
    row: Fields = {
        "declaration_key": declaration.key,
        "declaration_number": declaration.declaration_number,
        "customs_office": decision.unit.customs_office,
        "department": decision.unit.department,
        "channel": declaration.channel.value,
        "status": (decision.status or Status.RECORDED).value,
        "registered_at": declaration.registered_at,
        "after_hours": decision.after_hours,
        "declaration_type": declaration.declaration_type,
        "enterprise_tax_code": declaration.enterprise_tax_code,
        "first_declaration_number": declaration.first_declaration_number,
        "branch_lot": branch_lot(declaration.first_declaration_number, declaration.declaration_number),
        "branch_index": declaration.branch_index,
        "branch_count": declaration.branch_count,
        "officer_id": decision.officer_id,
    }
    assigned = decision.outcome is Outcome.ASSIGNED
    if decision.previous is None:
        row.update(
            documents_received_at=declaration.documents_received_at,
            due_at=decision.due_at,
            received_at=now,
            assigned_at=now if assigned else None,
        )
        return row
    if declaration.documents_received_at is not None:  # an amendment without it keeps it
        row["documents_received_at"] = declaration.documents_received_at
    if decision.starts_clock:  # again: first routed to a checked channel, or in a corrected unit
        row["due_at"], row["overdue_at"] = decision.due_at, None
    if assigned:
        row["assigned_at"] = now
    return row


def _version(declaration: Declaration, now: datetime) -> Fields:
    return {
        "declaration_key": declaration.key,
        "amendment": declaration.amendment,
        "declaration_number": declaration.declaration_number,
        "received_at": now,
        "payload": dict(declaration.payload),
    }


def _containers(declaration: Declaration) -> list[Fields]:
    numbers = sorted(set(declaration.container_numbers))
    return [{"declaration_key": declaration.key, "container_number": number} for number in numbers]


def _assignment(decision: Decision, now: datetime) -> Fields:
    declaration = decision.declaration
    return {
        "declaration_key": declaration.key,
        "officer_id": decision.officer_id,
        "customs_office": declaration.unit.customs_office,
        "department": declaration.unit.department,
        "mode": decision.mode,
        "turn": decision.turn.number if decision.turn else None,
        "assigned_at": now,
        "assigned_by": SYSTEM,
        "command_id": None,
    }


def _hold(decision: Decision, now: datetime) -> Fields:
    declaration = decision.declaration
    return {
        "declaration_key": declaration.key,
        "customs_office": declaration.unit.customs_office,
        "department": declaration.unit.department,
        "reason": decision.hold_reason.value if decision.hold_reason else "",
        "held_at": now,
    }


def _entry(decision: Decision, now: datetime) -> Fields:
    declaration = decision.declaration
    previous = decision.previous
    return {
        "occurred_at": now,
        "actor": SYSTEM,
        "action": decision.outcome.value,
        "mode": decision.mode if decision.outcome is Outcome.ASSIGNED else None,
        "declaration_key": declaration.key,
        "declaration_number": declaration.declaration_number,
        "customs_office": decision.unit.customs_office,
        "department": decision.unit.department,
        "officer_id": decision.officer_id,
        "previous_officer_id": previous.officer_id if previous else None,
        "command_id": None,
        "reason": _reason(decision),
        "details": _details(decision),
    }


def _reason(decision: Decision) -> str:
    declaration = decision.declaration
    if decision.outcome is Outcome.ASSIGNED:
        how = f"{decision.group.kind.value} group of {decision.group.follows}" if decision.group else "rotation"
        return f"released from hold: an officer became eligible; {how}" if decision.released else how
    if decision.outcome is Outcome.HELD:
        return decision.hold_reason.value if decision.hold_reason else "held"
    if decision.outcome is Outcome.RECORDED:
        return f"channel {declaration.channel.value} is not assigned automatically in this unit"
    previous = decision.previous
    was = previous.declaration_number if previous else "?"
    return f"amendment {declaration.amendment} of {was}: stays where it is"


def _details(decision: Decision) -> Fields:
    details: Fields = {"channel": decision.declaration.channel.value, "after_hours": decision.after_hours}
    if decision.turn is not None:
        details.update(decision.turn.explained())
    if decision.group is not None:
        details["group"] = decision.group.kind.value
        details["group_key"] = decision.group.key
        details["follows"] = decision.group.follows
    if decision.hold_reason is not None:
        details["hold_reason"] = decision.hold_reason.value
    return details


def _event(decision: Decision, now: datetime, event_id: str) -> Event:
    name, fields = _event_fields(decision)
    return declaration_event(name, decision.declaration.declaration_number, decision.unit, fields, now, event_id)


def _event_fields(decision: Decision) -> tuple[str, Fields]:
    outcome = decision.outcome
    if outcome is Outcome.ASSIGNED:
        fields = {
            "officer_id": decision.officer_id,
            "mode": decision.mode,
            "after_hours": decision.after_hours,
            "turn": decision.turn.number if decision.turn else None,
            "due_at": moment(decision.due_at),
        }
        return "declaration.assigned", fields
    if outcome is Outcome.HELD:
        return "declaration.held", {"reason": decision.hold_reason.value if decision.hold_reason else None}
    if outcome is Outcome.RECORDED:
        return "declaration.recorded", {"channel": decision.declaration.channel.value}
    if outcome is Outcome.AMENDMENT:
        previous = decision.previous
        fields = {
            "officer_id": decision.officer_id,
            "status": decision.status.value if decision.status else None,
            "previous_declaration_number": previous.declaration_number if previous else None,
        }
        return "declaration.amended", fields
    raise ValueError(f"a decision {outcome.value} has no event of its own")
