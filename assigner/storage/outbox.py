"""The outbox: events stored with their decisions, published after the commit, marked once confirmed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from assigner.domain.events import Event
from assigner.storage.bulk import insert_rows
from assigner.storage.lookups import one_of
from assigner.storage.tables import OutboxRow


class OutboxStore:
    """Writes events to publish; reads them back to publish again or to publish what was left."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, events: Sequence[Event], now: datetime) -> None:
        """Store events to publish once the transaction commits."""
        rows = [
            {
                "event_id": event.event_id,
                "event": event.name,
                "routing_key": event.routing_key,
                "declaration_key": event.declaration_key,
                "command_id": event.command_id,
                "body": event.body,
                "created_at": now,
            }
            for event in events
        ]
        insert_rows(self.session, OutboxRow, rows)

    def latest_for(self, keys: Iterable[str]) -> dict[str, Event]:
        """The newest event of each declaration (by first 11 digits), to publish again for a re-sent message."""
        wanted = sorted(set(keys))
        if not wanted:
            return {}
        query = select(OutboxRow).where(one_of(self.session, OutboxRow.declaration_key, wanted)).order_by(OutboxRow.id)
        latest: dict[str, Event] = {}
        for row in self.session.scalars(query):
            latest[row.declaration_key or ""] = _event(row)
        return latest

    def for_command(self, command_id: str) -> list[Event]:
        """The events a command published, in order, to publish again when it is replayed."""
        query = select(OutboxRow).where(OutboxRow.command_id == command_id).order_by(OutboxRow.id)
        return [_event(row) for row in self.session.scalars(query)]

    def pending(self, created_before: datetime, limit: int) -> list[Event]:
        """Events not confirmed published, oldest first, created before a moment."""
        query = (
            select(OutboxRow)
            .where(OutboxRow.published_at.is_(None), OutboxRow.created_at < created_before)
            .order_by(OutboxRow.published_at, OutboxRow.id)
            .limit(limit)
        )
        return [_event(row) for row in self.session.scalars(query)]

    def mark_published(self, event_ids: Sequence[str], now: datetime) -> None:
        """Record that the broker confirmed these events."""
        if event_ids:  # on the table's columns: the ORM's bulk update costs more Python than the statement
            self.session.execute(
                update(_OUTBOX)
                .where(one_of(self.session, _OUTBOX.c.event_id, event_ids), _OUTBOX.c.published_at.is_(None))
                .values(published_at=now)
            )


_OUTBOX = cast(Table, OutboxRow.__table__)


def _event(row: OutboxRow) -> Event:
    return Event(row.event_id, row.event, row.routing_key, row.body, row.declaration_key, row.command_id)
