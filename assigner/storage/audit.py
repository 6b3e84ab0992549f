"""The append-only audit log: every decision and every change, with its reasons (rule 6)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from assigner.domain.audit_chain import CHAINED_FIELDS, GENESIS, entry_hash
from assigner.domain.commands import CommandHeader
from assigner.domain.model import SYSTEM
from assigner.domain.moves import Holding, Move
from assigner.domain.rotation import Turn
from assigner.domain.decisions import Decision, Outcome
from assigner.storage.tables import AuditRow

# The advisory lock that makes appending to the chain one writer at a time (PostgreSQL).
_CHAIN_LOCK = 0x61756469745F6C67


class AuditLog:
    """Appends audit entries; never updates or deletes them."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def record_decisions(self, decisions: Sequence[Decision], now: datetime) -> None:
        """One entry per decision that changed something (duplicates change nothing)."""
        self.append([_entry(decision, now) for decision in decisions if decision.outcome is not Outcome.DUPLICATE])

    def record(self, now: datetime, actor: str, action: str, reason: str | None = None, **details: Any) -> None:
        """An entry about something other than one declaration (a roster import, ...)."""
        self.append([{"occurred_at": now, "actor": actor, "action": action, "reason": reason, "details": details}])

    def record_moves(self, moves: Sequence[Move], header: CommandHeader, now: datetime) -> None:
        """One entry per declaration a command moved (or held, when nobody could take it)."""
        self.append([_move_entry(move, header, now) for move in moves])

    def record_change(
        self, now: datetime, actor: str, action: str, reason: str | None = None, *, command_id: str | None = None,
        officer_id: str | None = None, holding: Holding | None = None, details: dict[str, Any] | None = None,
    ) -> None:
        """An entry about a command or a change it made (a completion, an absence, a return)."""
        entry: dict[str, Any] = {
            "occurred_at": now, "actor": actor, "action": action, "reason": reason, "command_id": command_id,
            "officer_id": officer_id, "details": details or {},
        }
        if holding is not None:
            entry.update(_declaration_columns(holding))
            entry["officer_id"] = officer_id or holding.officer_id
        self.append([entry])

    def entries(self, declaration_key: str | None = None) -> Iterator[dict[str, Any]]:
        """Every entry (or one declaration's) in chain order, streamed, with its chain columns."""
        query = select(AuditRow).order_by(AuditRow.seq).execution_options(yield_per=2000)
        if declaration_key is not None:
            query = query.where(AuditRow.declaration_key == declaration_key)
        for row in self.session.scalars(query):
            yield {name: getattr(row, name) for name in (*CHAINED_FIELDS, "prev_hash", "hash")}

    def append(self, entries: Sequence[dict[str, Any]]) -> None:
        """Add entries at the end of the chain, each hashed with the one before it."""
        if not entries:
            return
        if self.session.get_bind().dialect.name == "postgresql":
            # Held to the commit; taken after the units' locks, always last, so it cannot deadlock.
            self.session.execute(select(func.pg_advisory_xact_lock(_CHAIN_LOCK)))
        last = self.session.execute(select(AuditRow.seq, AuditRow.hash).order_by(AuditRow.seq.desc()).limit(1)).first()
        seq, prev_hash = (last[0], last[1]) if last else (0, GENESIS)
        rows = []
        for entry in entries:
            seq += 1
            row = {**_EMPTY, **entry, "seq": seq}
            row["hash"] = entry_hash(prev_hash, row)
            row["prev_hash"] = prev_hash
            prev_hash = row["hash"]
            rows.append(row)
        self.session.execute(insert(AuditRow), rows)


_EMPTY: dict[str, Any] = {
    name: None
    for name in ("mode", "declaration_key", "declaration_number", "customs_office", "department", "officer_id",
                 "previous_officer_id", "command_id", "reason")
} | {"details": {}}


def _entry(decision: Decision, now: datetime) -> dict[str, Any]:
    declaration = decision.declaration
    previous = decision.previous
    row: dict[str, Any] = {
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
    return row


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


def _details(decision: Decision) -> dict[str, Any]:
    details: dict[str, Any] = {"channel": decision.declaration.channel.value, "after_hours": decision.after_hours}
    if decision.turn is not None:
        details.update(_turn_details(decision.turn))
    if decision.group is not None:
        details["group"] = decision.group.kind.value
        details["group_key"] = decision.group.key
        details["follows"] = decision.group.follows
    if decision.hold_reason is not None:
        details["hold_reason"] = decision.hold_reason.value
    return details


def _turn_details(turn: Turn) -> dict[str, Any]:
    """What explains a turn: its number, the cursor it started from, whom it gave it to and whom it skipped."""
    return {
        "turn": turn.number,
        "position": turn.position,
        "cursor_from": turn.started_from,
        "skipped": [{"officer_id": s.officer_id, "reason": s.reason.value} for s in turn.skipped],
    }


def _declaration_columns(holding: Holding) -> dict[str, Any]:
    return {
        "declaration_key": holding.key,
        "declaration_number": holding.declaration_number,
        "customs_office": holding.unit.customs_office,
        "department": holding.unit.department,
    }


def _move_entry(move: Move, header: CommandHeader, now: datetime) -> dict[str, Any]:
    holding = move.holding
    if move.officer_id is None:
        action = "held"
    else:
        action = "reassigned" if holding.officer_id is not None else "assigned"
    details: dict[str, Any] = {"after_hours": holding.after_hours, "status_before": holding.status.value}
    if move.turn is not None:
        details.update(_turn_details(move.turn))
    if move.follows is not None:
        details["follows"] = move.follows
    if move.officer_id is None:
        details["hold_reason"] = "no_eligible_officer"
    return {
        "occurred_at": now,
        "actor": header.issued_by,
        "action": action,
        "mode": move.mode.value,
        **_declaration_columns(holding),
        "officer_id": move.officer_id,
        "previous_officer_id": move.previous_officer_id,
        "command_id": header.command_id,
        "reason": header.reason,
        "details": details,
    }
