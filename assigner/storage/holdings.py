"""Declarations as commands see and change them: who has them, their groups, moves and completions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, insert, select, tuple_, update
from sqlalchemy.orm import Session

from assigner.domain.commands import CommandHeader
from assigner.domain.groups import GroupKind
from assigner.domain.model import Status, Unit
from assigner.domain.moves import Holding, Move
from assigner.storage.tables import UNFLAGGED, AssignmentRow, ContainerRow, DeclarationRow, HoldRow

OPEN = (Status.ASSIGNED.value, Status.HELD.value)


class HoldingStore:
    """Reads declarations with their holder and groups; writes the changes commands make."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_keys(self, keys: Iterable[str]) -> dict[str, Holding]:
        """The stored declarations with these identities (first 11 digits)."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        holdings = self._load(select(DeclarationRow).where(DeclarationRow.declaration_key.in_(wanted)))
        return {h.key: h for h in holdings}

    def of_group(self, kind: GroupKind, key: str) -> list[Holding]:
        """A group's open declarations (assigned or held), in any unit, oldest first."""
        query = select(DeclarationRow).where(DeclarationRow.status.in_(OPEN))
        if kind is GroupKind.BRANCH:
            query = query.where(DeclarationRow.branch_lot == key)
        else:
            query = query.join(ContainerRow, ContainerRow.declaration_key == DeclarationRow.declaration_key).where(
                ContainerRow.container_number == key
            )
        return self._load(query)

    def assigned_to(self, officer_id: str, units: Iterable[Unit]) -> list[Holding]:
        """An officer's open, assigned declarations in these units, oldest assignment first."""
        pairs = sorted({(u.customs_office, u.department) for u in units})
        if not pairs:
            return []
        query = select(DeclarationRow).where(
            DeclarationRow.officer_id == officer_id,
            DeclarationRow.status == Status.ASSIGNED.value,
            tuple_(DeclarationRow.customs_office, DeclarationRow.department).in_(pairs),
        )
        return self._load(query)

    def completed_by(self, officer_id: str, limit: int) -> list[Holding]:
        """The declarations an officer completed last, latest first."""
        query = (
            select(DeclarationRow)
            .where(DeclarationRow.officer_id == officer_id, DeclarationRow.status == Status.COMPLETED.value)
            .order_by(DeclarationRow.completed_at.desc().nulls_last(), DeclarationRow.declaration_key)
            .limit(limit)
        )
        rows = list(self.session.scalars(query))
        containers = containers_of(self.session, [row.declaration_key for row in rows])
        return [holding_of(row, containers.get(row.declaration_key, [])) for row in rows]

    def move(self, moves: Sequence[Move], header: CommandHeader, now: datetime) -> None:
        """Write moves: the declarations' new holder, an assignment row each, holds taken or dropped."""
        assignments: list[dict[str, Any]] = []
        for move in moves:
            holding = move.holding
            status = Status.ASSIGNED if move.officer_id is not None else Status.HELD
            self.session.execute(
                update(DeclarationRow)
                .where(DeclarationRow.declaration_key == holding.key)
                .values(officer_id=move.officer_id, status=status.value, assigned_at=now if move.officer_id else None)
            )
            if holding.status is Status.HELD and move.officer_id is not None:
                self.session.execute(delete(HoldRow).where(HoldRow.declaration_key == holding.key))
            if move.officer_id is None:
                self.session.execute(insert(HoldRow), [_hold(holding, now)])
                continue
            assignments.append(
                {
                    "declaration_key": holding.key,
                    "officer_id": move.officer_id,
                    "customs_office": holding.unit.customs_office,
                    "department": holding.unit.department,
                    "mode": move.mode.value,
                    "turn": move.turn.number if move.turn else None,
                    "assigned_at": now,
                    "assigned_by": header.issued_by,
                    "command_id": header.command_id,
                    "reason_code": header.reason_code.value if header.reason_code else None,
                }
            )
        if assignments:
            self.session.execute(insert(AssignmentRow), assignments)

    def complete(self, key: str, now: datetime) -> None:
        """The declaration's check is finished (a held one leaves its hold)."""
        self.session.execute(
            update(DeclarationRow)
            .where(DeclarationRow.declaration_key == key)
            .values(status=Status.COMPLETED.value, completed_at=now)
        )
        self.session.execute(delete(HoldRow).where(HoldRow.declaration_key == key))

    def flag_overdue(self, now: datetime, limit: int) -> list[Holding]:
        """Mark open declarations past their due time as flagged, once: those marked now (another transaction's
        rows, locked or marked, are left to it)."""
        candidates = (
            select(DeclarationRow.declaration_key)
            .where(UNFLAGGED, DeclarationRow.due_at < now)  # the partial index's own condition: it is used
            .order_by(DeclarationRow.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        keys = list(self.session.scalars(candidates))
        if not keys:
            return []
        marked = self.session.scalars(
            update(DeclarationRow)
            .where(DeclarationRow.declaration_key.in_(keys), DeclarationRow.overdue_at.is_(None))
            .values(overdue_at=now)
            .returning(DeclarationRow.declaration_key)
        )
        return list(self.by_keys(list(marked)).values())

    def _load(self, query: Select[Any]) -> list[Holding]:
        rows = list(self.session.scalars(query.order_by(DeclarationRow.assigned_at, DeclarationRow.declaration_key)))
        containers = containers_of(self.session, [row.declaration_key for row in rows])
        return [holding_of(row, containers.get(row.declaration_key, [])) for row in rows]


def holding_of(row: DeclarationRow, containers: list[str]) -> Holding:
    groups: list[tuple[GroupKind, str]] = []
    if row.branch_lot:
        groups.append((GroupKind.BRANCH, row.branch_lot))
    groups.extend((GroupKind.CONTAINER, number) for number in containers)
    unit = Unit(row.customs_office, row.department)
    return Holding(
        row.declaration_key,
        row.declaration_number,
        unit,
        Status(row.status),
        row.officer_id,
        row.after_hours,
        tuple(groups),
        row.due_at,
        row.completed_at,
    )


def _hold(holding: Holding, now: datetime) -> dict[str, Any]:
    return {
        "declaration_key": holding.key,
        "customs_office": holding.unit.customs_office,
        "department": holding.unit.department,
        "reason": "no_eligible_officer",
        "held_at": now,
    }


def containers_of(session: Session, keys: list[str]) -> dict[str, list[str]]:
    """The container numbers of these declarations, by declaration key."""
    found: dict[str, list[str]] = {}
    if not keys:
        return found
    query = (
        select(ContainerRow.declaration_key, ContainerRow.container_number)
        .where(ContainerRow.declaration_key.in_(keys))
        .order_by(ContainerRow.declaration_key, ContainerRow.container_number)
    )
    for key, number in session.execute(query):
        found.setdefault(key, []).append(number)
    return found
