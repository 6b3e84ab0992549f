"""Use case: open declarations past their due time are flagged, once each (rule 8)."""

from __future__ import annotations

from assigner.domain.events import Event, new_event_id, overdue_event
from assigner.domain.legal_clock import in_office_zone
from assigner.domain.model import SYSTEM
from assigner.services.ports import Clock, Policy, UnitOfWork
from assigner.services.transactions import in_transaction

BATCH = 500  # flagged per transaction; the rest in the next


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
