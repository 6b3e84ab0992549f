"""A unit's open work as its supervisor's page reads it: counted in SQL, and read a page at a time, so a unit
with thousands of open declarations costs one page's rows per refresh."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from assigner.domain.model import Status, Unit
from assigner.domain.moves import Holding
from assigner.storage.holdings import containers_of, holding_of
from assigner.storage.tables import OPEN_WORK, DeclarationRow, HoldRow


class OpenWorkQueries:
    """Reads of one unit's open (assigned or held) declarations; writes nothing."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def counts_by_officer(self, unit: Unit) -> dict[str, int]:
        """How many declarations each officer has open in the unit."""
        query = (
            select(DeclarationRow.officer_id, func.count())
            .where(*_in_unit(unit), DeclarationRow.status == Status.ASSIGNED.value)
            .group_by(DeclarationRow.officer_id)
        )
        return {officer_id: count for officer_id, count in self.session.execute(query) if officer_id is not None}

    def urgency(self, unit: Unit, now: datetime, soon: datetime) -> tuple[int, int]:
        """How many open declarations of the unit are past their due time at `now`, and how many fall due after
        `now` and by `soon`."""
        due = DeclarationRow.due_at
        query = select(
            func.count().filter(due < now),
            func.count().filter(due >= now, due <= soon),
        ).where(*_in_unit(unit), due <= soon)
        overdue, coming = self.session.execute(query).one()
        return int(overdue), int(coming)

    def due_by(self, unit: Unit, moment: datetime, limit: int) -> list[Holding]:
        """The unit's open declarations due by `moment`, soonest due (most overdue) first, at most `limit`."""
        query = (
            select(DeclarationRow)
            .where(*_in_unit(unit), DeclarationRow.due_at <= moment)
            .order_by(DeclarationRow.due_at, DeclarationRow.declaration_key)
            .limit(limit)
        )
        return self._holdings(query)

    def assigned_page(self, unit: Unit, search: str, limit: int, offset: int) -> tuple[list[Holding], int]:
        """A page of the unit's assigned declarations whose number contains `search` (all when empty), soonest
        due first (those with no due time last), and how many match in all."""
        conditions = [*_in_unit(unit), DeclarationRow.status == Status.ASSIGNED.value]
        if search:
            conditions.append(DeclarationRow.declaration_number.contains(search, autoescape=True))
        total = int(self.session.scalar(select(func.count()).select_from(DeclarationRow).where(*conditions)) or 0)
        query = (
            select(DeclarationRow)
            .where(*conditions)
            .order_by(DeclarationRow.due_at.asc().nulls_last(), DeclarationRow.declaration_key)
            .limit(limit)
            .offset(offset)
        )
        return self._holdings(query), total

    def held(self, unit: Unit, limit: int) -> tuple[list[tuple[Holding, str, datetime]], int]:
        """The first `limit` of the unit's held declarations in the order they were held, with the reason and
        since when, and how many it holds in all."""
        where = (HoldRow.customs_office == unit.customs_office, HoldRow.department == unit.department)
        total = int(self.session.scalar(select(func.count()).select_from(HoldRow).where(*where)) or 0)
        query = (
            select(DeclarationRow, HoldRow.reason, HoldRow.held_at)
            .join(HoldRow, HoldRow.declaration_key == DeclarationRow.declaration_key)
            .where(*where)
            .order_by(HoldRow.id)
            .limit(limit)
        )
        rows = self.session.execute(query).all()
        containers = containers_of(self.session, [row.declaration_key for row, _, _ in rows])
        held = []
        for row, reason, since in rows:
            held.append((holding_of(row, containers.get(row.declaration_key, [])), reason, since))
        return held, total

    def _holdings(self, query: Select[Any]) -> list[Holding]:
        rows = list(self.session.scalars(query))
        containers = containers_of(self.session, [row.declaration_key for row in rows])
        return [holding_of(row, containers.get(row.declaration_key, [])) for row in rows]


def _in_unit(unit: Unit) -> tuple[Any, ...]:
    """A unit's open declarations, stated as the index ix_declarations_unit_open_due states them."""
    return (
        DeclarationRow.customs_office == unit.customs_office,
        DeclarationRow.department == unit.department,
        OPEN_WORK,
    )
