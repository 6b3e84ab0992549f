"""Use case: open declarations past their due time are flagged, once each (rule 8)."""

from __future__ import annotations

from assigner.domain.events import Event, new_event_id, overdue_event
from assigner.domain.legal_clock import in_office_zone
from assigner.domain.model import SYSTEM
from assigner.services.ports import Clock, Policy, UnitOfWork
from assigner.services.transactions import in_transaction

BATCH = 500  # flagged per transaction; the rest in the next


def flag_overdue(uow: UnitOfWork, clock: Clock, policy: Policy, limit: int = BATCH) -> list[Event]:
    """Flag, in one transaction, up to `limit` open declarations past their due time and not flagged yet: audited,
    declaration.overdue queued. Fewer than `limit` flagged: none is left. Several workers may run it at once:
    each declaration is flagged by one of them only. (One transaction at a time, so that a worker back from an
    outage with thousands overdue holds one transaction's events in memory, not all of them.)"""

    def work() -> list[Event]:
        now = clock()
        holdings = uow.holdings.flag_overdue(now, limit)
        events = []
        for holding in holdings:
            due = in_office_zone(policy.hours, holding)
            assert due is not None  # only a declaration with a due time can pass it
            uow.audit.record_change(now, SYSTEM, "overdue", holding=holding, details={"due_at": due.isoformat()})
            events.append(overdue_event(holding, now, new_event_id(), due))
        uow.outbox.add(events, now)
        return events

    events, _ = in_transaction(uow, work, changed=bool)
    return events
