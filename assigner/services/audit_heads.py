"""Use case: once a day, the audit chain's head at the end of the day before, kept and published
(audit.daily_head), so that others hold it where the unit cannot rewrite it."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from assigner.domain.events import Event, daily_head_event, new_event_id
from assigner.services.ports import Clock, Policy, UnitOfWork
from assigner.services.transactions import in_transaction

# A day's head is taken this long after its midnight: a transaction stamped just before it may commit after.
GRACE = timedelta(minutes=5)
# Days without a worker are filled in afterwards, up to this many back.
BACKFILL_DAYS = 31


def keep_daily_head(uow: UnitOfWork, clock: Clock, policy: Policy) -> list[Event]:
    """Keep and queue the head at the end of each day (in the default working hours' zone) not kept yet: from
    the day after the last kept (at most BACKFILL_DAYS back; yesterday alone the first time) to yesterday,
    each the highest seal stamped before its midnight, with the entries up to it; one transaction. [] when
    every day is kept already, by this worker or another, or nothing was sealed by then."""
    zone = policy.hours.default.zone

    def work() -> list[Event]:
        now = clock()
        yesterday = (now - GRACE).astimezone(zone).date() - timedelta(days=1)
        last = uow.audit.last_daily_head()
        first = yesterday
        if last is not None:  # every day since, however long no worker looked (within BACKFILL_DAYS)
            first = max(last["day"] + timedelta(days=1), yesterday - timedelta(days=BACKFILL_DAYS))
        events: list[Event] = []
        day = first
        while day <= yesterday:
            seal = uow.audit.last_seal_before(datetime.combine(day + timedelta(days=1), time(), zone))
            if seal is not None:
                entries = _entries_up_to(uow, last, int(seal["seq"]))
                if not uow.audit.keep_daily_head(day, seal, entries, now):
                    return []  # another worker keeps them now: its transaction publishes them
                events.append(daily_head_event(day, zone.key, seal, entries, now, new_event_id()))
                last = {"day": day, "seq": seal["seq"], "entries": entries}
            day += timedelta(days=1)
        uow.outbox.add(events, now)
        return events

    events, _ = in_transaction(uow, work, changed=bool)
    return events


def _entries_up_to(uow: UnitOfWork, last: dict[str, Any] | None, number: int) -> int:
    """How many entries the seals up to `number` took: counted on from the last day kept (a day's seals, not
    every seal), unless that day's head is past `number`."""
    if last is not None and int(last["seq"]) <= number:
        return int(last["entries"]) + uow.audit.entries_between(int(last["seq"]), number)
    return uow.audit.entries_between(0, number)
