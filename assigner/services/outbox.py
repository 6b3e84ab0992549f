"""Use cases of the outbox: events left unpublished, and confirming those the broker took."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from assigner.domain.events import Event
from assigner.services.ports import Clock, UnitOfWork
from assigner.services.transactions import in_transaction


def pending_events(uow: UnitOfWork, clock: Clock, settled: timedelta, limit: int = 500) -> list[Event]:
    """Events not yet confirmed published that are older than `settled` (younger ones are in flight)."""
    with uow:
        return uow.outbox.pending(clock() - settled, limit)


def mark_published(uow: UnitOfWork, event_ids: Sequence[str], clock: Clock) -> None:
    """Record that the broker confirmed these events; they are not published again by the sweep."""
    if not event_ids:
        return

    def work() -> None:
        uow.outbox.mark_published(event_ids, clock())

    in_transaction(uow, work)
