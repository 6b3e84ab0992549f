"""Use case: open declarations past their due time are flagged, once each (rule 8)."""

from __future__ import annotations

from datetime import datetime

from assigner.domain.events import Event, new_event_id, overdue_event
from assigner.domain.model import SYSTEM
from assigner.domain.moves import Holding
from assigner.domain.working_hours import HoursBook
from assigner.services.ports import Clock, Policy, UnitOfWork
from assigner.services.transactions import in_transaction

BATCH = 500  # flagged per transaction; the rest in the next


def in_office_zone(hours: HoursBook, holding: Holding) -> datetime | None:
    """A declaration's due time in its office's zone (as events carry it)."""
    if holding.due_at is None:
        return None
    return holding.due_at.astimezone(hours.for_office(holding.unit.customs_office).zone)


def flag_overdue(uow: UnitOfWork, clock: Clock, policy: Policy) -> list[Event]:
    """Flag every open declaration past its due time and not flagged yet: audited, declaration.overdue queued.
    Several workers may run it at once: each declaration is flagged by one of them only."""
    flagged: list[Event] = []
    while True:

        def work() -> list[Event]:
            now = clock()
            holdings = uow.holdings.flag_overdue(now, BATCH)
            events = []
            for holding in holdings:
                due = in_office_zone(policy.hours, holding)
                assert due is not None  # only a declaration with a due time can pass it
                uow.audit.record_change(now, SYSTEM, "overdue", holding=holding, details={"due_at": due.isoformat()})
                events.append(overdue_event(holding, now, new_event_id(), due))
            uow.outbox.add(events, now)
            return events

        events, _ = in_transaction(uow, work, changed=bool)
        flagged.extend(events)
        if len(events) < BATCH:
            return flagged
