"""What the database holds after a chaos run, read through the storage's tables (no other reader needs it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, select

from assigner.domain.model import Unit
from assigner.storage.tables import (
    AssignmentRow,
    CommandRow,
    DeclarationRow,
    HoldRow,
    OutboxRow,
)


@dataclass(frozen=True)
class Stored:
    """One declaration as stored: status, officer, and the reason it is held."""

    status: str
    officer_id: str | None
    hold_reason: str | None


@dataclass(frozen=True)
class Assignment:
    """One assignment row."""

    key: str
    unit: Unit
    officer_id: str
    mode: str
    turn: int | None
    command_id: str | None


@dataclass(frozen=True)
class Record:
    """The declarations, assignments, outbox events and commands of a run's database."""

    declarations: dict[str, Stored]
    assignments: list[Assignment]
    outbox: dict[str, dict[str, Any]]  # event_id -> {"body", "routing_key"}
    commands: set[str] = field(default_factory=set)  # the command_id of each command stored


def read_record(engine: Engine) -> Record:
    """Everything the checks compare with what was sent and received."""
    with engine.connect() as connection:
        holds = dict(connection.execute(select(HoldRow.declaration_key, HoldRow.reason)).tuples().all())
        declarations = {
            key: Stored(status, officer, holds.get(key))
            for key, status, officer in connection.execute(
                select(DeclarationRow.declaration_key, DeclarationRow.status, DeclarationRow.officer_id)
            )
        }
        assignments = [
            Assignment(key, Unit(office, department), officer, mode, turn, command_id)
            for key, office, department, officer, mode, turn, command_id in connection.execute(
                select(
                    AssignmentRow.declaration_key,
                    AssignmentRow.customs_office,
                    AssignmentRow.department,
                    AssignmentRow.officer_id,
                    AssignmentRow.mode,
                    AssignmentRow.turn,
                    AssignmentRow.command_id,
                ).order_by(AssignmentRow.id)
            )
        ]
        outbox = {
            event_id: {"body": body, "routing_key": routing_key}
            for event_id, body, routing_key in connection.execute(
                select(OutboxRow.event_id, OutboxRow.body, OutboxRow.routing_key)
            )
        }
        commands = set(connection.execute(select(CommandRow.command_id)).scalars())
    return Record(declarations, assignments, outbox, commands)


def stored_counts(engine: Engine) -> tuple[int, int]:
    """How many declarations are stored, and how many events the workers stored to publish."""
    with engine.connect() as connection:
        declarations = connection.execute(select(func.count()).select_from(DeclarationRow)).scalar_one()
        events = connection.execute(select(func.count()).select_from(OutboxRow)).scalar_one()
    return int(declarations), int(events)


def first_decision_after(engine: Engine, moment: datetime) -> datetime | None:
    """When the first event after `moment` was stored: work had resumed then."""
    with engine.connect() as connection:
        return connection.execute(select(func.min(OutboxRow.created_at)).where(OutboxRow.created_at > moment)).scalar()


def first_decision_for(engine: Engine, keys: list[str], moment: float) -> float | None:
    """When (time.time()) the first event after `moment` (time.time()) about one of these declarations was
    stored."""
    if not keys:
        return None
    after = datetime.fromtimestamp(moment, UTC)
    with engine.connect() as connection:
        first = connection.execute(
            select(func.min(OutboxRow.created_at)).where(
                OutboxRow.created_at > after, OutboxRow.declaration_key.in_(keys)
            )
        ).scalar()
    return None if first is None else first.timestamp()


def decision_times(engine: Engine, since: float, until: float) -> list[float]:
    """When (time.time()) each event between the two moments was stored, in order."""
    window = (datetime.fromtimestamp(since, UTC), datetime.fromtimestamp(until, UTC))
    with engine.connect() as connection:
        moments = connection.execute(
            select(OutboxRow.created_at).where(OutboxRow.created_at.between(*window)).order_by(OutboxRow.created_at)
        ).scalars()
        return [moment.timestamp() for moment in moments]


def stored_commands(engine: Engine, command_ids: list[str]) -> set[str]:
    """Which of these commands the workers stored (each answered, accepted or not)."""
    with engine.connect() as connection:
        return set(
            connection.execute(select(CommandRow.command_id).where(CommandRow.command_id.in_(command_ids))).scalars()
        )


def officers_of(engine: Engine, keys: list[str]) -> dict[str, str | None]:
    """The officer each declaration is with now."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(DeclarationRow.declaration_key, DeclarationRow.officer_id).where(
                DeclarationRow.declaration_key.in_(keys)
            )
        )
        return dict(rows.tuples().all())
