"""The append-only audit log: every decision and every change, with its reasons (rule 6)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from assigner.domain.decisions import Decision, Outcome
from assigner.storage.declarations import SYSTEM
from assigner.storage.tables import AuditRow


class AuditLog:
    """Appends audit entries; never updates or deletes them."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record_decisions(self, decisions: Sequence[Decision], now: datetime) -> None:
        """One entry per decision that changed something (duplicates change nothing)."""
        rows = [_entry(decision, now) for decision in decisions if decision.outcome is not Outcome.DUPLICATE]
        if rows:
            self.session.execute(insert(AuditRow), rows)

    def record(self, now: datetime, actor: str, action: str, reason: str | None = None, **details: Any) -> None:
        """An entry about something other than one declaration (a roster import, ...)."""
        self.session.execute(
            insert(AuditRow),
            [{"occurred_at": now, "actor": actor, "action": action, "reason": reason, "details": details}],
        )


def _entry(decision: Decision, now: datetime) -> dict[str, Any]:
    declaration = decision.declaration
    previous = decision.previous
    row: dict[str, Any] = {
        "occurred_at": now,
        "actor": SYSTEM,
        "action": decision.outcome.value,
        "mode": "auto" if decision.outcome is Outcome.ASSIGNED else None,
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
    return row


def _reason(decision: Decision) -> str:
    declaration = decision.declaration
    if decision.outcome is Outcome.ASSIGNED:
        return "released from hold: an officer became eligible" if decision.released else "rotation"
    if decision.outcome is Outcome.HELD:
        return decision.hold_reason.value if decision.hold_reason else "held"
    if decision.outcome is Outcome.RECORDED:
        return f"channel {declaration.channel.value} is not assigned automatically in this unit"
    previous = decision.previous
    was = previous.declaration_number if previous else "?"
    return f"amendment {declaration.amendment} of {was}: stays where it is"


def _details(decision: Decision) -> dict[str, Any]:
    details: dict[str, Any] = {"channel": decision.declaration.channel.value, "after_hours": decision.after_hours}
    turn = decision.turn
    if turn is not None:
        details["turn"] = turn.number
        details["position"] = turn.position
        details["cursor_from"] = turn.started_from
        details["skipped"] = [{"officer_id": s.officer_id, "reason": s.reason.value} for s in turn.skipped]
    if decision.hold_reason is not None:
        details["hold_reason"] = decision.hold_reason.value
    return details
