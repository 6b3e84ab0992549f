"""Use case: once a day, the audit chain's head at the end of the day before, kept and published
(audit.daily_head), so that others hold it where the unit cannot rewrite it."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from assigner.domain.events import Event, daily_head_event, new_event_id
from assigner.services.ports import Clock, Policy, UnitOfWork
from assigner.services.transactions import in_transaction


def keep_daily_head(uow: UnitOfWork, clock: Clock, policy: Policy) -> list[Event]:
    """If yesterday's head (in the default working hours' zone) is not kept yet: the last seal made before
    today's midnight, kept with the entries up to it, and its event queued, in one transaction. [] when it was
    kept already (by any worker) or nothing was sealed before that midnight."""
    zone = policy.hours.default.zone

    def work() -> list[Event]:
        now = clock()
        today = now.astimezone(zone).date()
        day = today - timedelta(days=1)
        if uow.audit.daily_head(day) is not None:
            return []
        seal = uow.audit.last_seal_before(datetime.combine(today, time(), zone))
        if seal is None:
            return []
        number, entries = int(seal["seq"]), 0
        before = uow.audit.last_daily_head()  # counted on from the day before's: a day's seals, not all of them
        after = int(before["seq"]) if before is not None and before["seq"] <= number else 0
        if before is not None and after:
            entries = int(before["entries"])
        entries += uow.audit.entries_between(after, number)
        if not uow.audit.keep_daily_head(day, seal, entries, now):
            return []  # another worker kept it meanwhile
        event = daily_head_event(day, zone.key, seal, entries, now, new_event_id())
        uow.outbox.add([event], now)
        return [event]

    events, _ = in_transaction(uow, work, changed=bool)
    return events
