"""The audit chain's heads go out where the unit cannot rewrite them: audit.sealed for every seal, in the
outbox of the seal's own transaction, and audit.daily_head once a day."""

from __future__ import annotations

import threading
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from integration.conftest import FrozenClock
from integration.helpers import UNIT, assign, declaration, load_roster, numbers, roster
from sqlalchemy import select

from assigner.bootstrap import Runtime
from assigner.domain.audit_chain import GENESIS
from assigner.domain.events import Event
from assigner.schemas.event import EVENT
from assigner.services.audit import verify_audit
from assigner.services.audit_heads import keep_daily_head
from assigner.settings import Settings
from assigner.storage.tables import AuditDailyHeadRow, AuditSealRow, OutboxRow

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


def seals(runtime: Runtime) -> list[dict[str, object]]:
    with runtime.engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(AuditSealRow).order_by(AuditSealRow.seq)).mappings()]


def outbox_named(runtime: Runtime, name: str) -> list[dict[str, object]]:
    with runtime.engine.connect() as connection:
        query = select(OutboxRow.body).where(OutboxRow.event == name).order_by(OutboxRow.id)
        return list(connection.scalars(query))


class TestSealed:
    def test_every_seal_stores_its_audit_sealed_event_with_it_and_hands_it_over_once_committed(
        self, runtime: Runtime
    ) -> None:
        load_roster(runtime, roster(UNIT, "a", "b"))
        assign(runtime, [declaration(n) for n in numbers(3)])
        assign(runtime, [declaration(n) for n in numbers(2, start=10)])
        stored, handed = outbox_named(runtime, "audit.sealed"), runtime.take_sealed()
        assert [event.body for event in handed] == stored and runtime.take_sealed() == []
        expected = [
            {"seq": s["seq"], "head": s["hash"], "previous_head": s["prev_hash"], "entries": s["entries"]}
            for s in seals(runtime)
        ]
        assert [{k: body[k] for k in ("seq", "head", "previous_head", "entries")} for body in stored] == expected
        assert [body["entries"] for body in stored] == [1, 3, 2]
        assert stored[0]["previous_head"] == GENESIS
        assert all(later["previous_head"] == earlier["head"] for earlier, later in zip(stored, stored[1:]))
        assert all(EVENT.validate_python(body).event == "audit.sealed" for body in stored)
        assert {event.routing_key for event in handed} == {"audit.sealed"}

    def test_a_head_from_an_event_is_what_verify_since_checks_from(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, "a", "b"))
        assign(runtime, [declaration(n) for n in numbers(3)])
        kept = runtime.take_sealed()[-1].body["head"]
        assign(runtime, [declaration(n) for n in numbers(2, start=10)])
        later = verify_audit(runtime.unit_of_work(), since=kept)
        assert later.ok and later.entries == 2 and later.head == runtime.take_sealed()[-1].body["head"]

    def test_a_transaction_without_entries_seals_nothing_and_publishes_no_head(self, runtime: Runtime) -> None:
        assign(runtime, [])
        assert runtime.take_sealed() == [] and outbox_named(runtime, "audit.sealed") == []


def midnight(day_offset: int, clock: FrozenClock) -> datetime:
    today = clock().astimezone(ZONE).date()
    return datetime.combine(today + timedelta(days=day_offset), time(), ZONE)


class TestDailyHead:
    def test_yesterdays_head_is_kept_and_published_once_with_the_entries_up_to_it(
        self, runtime: Runtime, clock: FrozenClock
    ) -> None:
        load_roster(runtime, roster(UNIT, "a", "b"))
        assign(runtime, [declaration(n) for n in numbers(3)])
        day = clock().astimezone(ZONE).date()
        assert keep_daily_head(runtime.unit_of_work(), clock, runtime.policy) == []  # the day has not ended
        clock.now = midnight(1, clock) - timedelta(seconds=1)
        assign(runtime, [declaration(n) for n in numbers(2, start=10)])  # the last seal of the day
        clock.now = midnight(1, clock) + timedelta(minutes=5)  # (just past: the same day's midnight + 1 day)
        assign(runtime, [declaration(n) for n in numbers(1, start=20)])  # tomorrow's
        [event] = keep_daily_head(runtime.unit_of_work(), clock, runtime.policy)
        last_of_day = seals(runtime)[-2]
        assert event.name == event.routing_key == "audit.daily_head"
        assert EVENT.validate_python(event.body).event == "audit.daily_head"
        body = event.body
        assert (body["day"], body["zone"]) == (day.isoformat(), "Asia/Ho_Chi_Minh")
        assert (body["seq"], body["head"], body["entries"]) == (last_of_day["seq"], last_of_day["hash"], 6)
        assert outbox_named(runtime, "audit.daily_head") == [body]
        assert keep_daily_head(runtime.unit_of_work(), clock, runtime.policy) == []  # once

    def test_the_next_days_count_goes_on_from_the_day_before(self, runtime: Runtime, clock: FrozenClock) -> None:
        load_roster(runtime, roster(UNIT, "a", "b"))
        assign(runtime, [declaration(n) for n in numbers(3)])
        clock.now = midnight(1, clock) + timedelta(hours=1)
        [first] = keep_daily_head(runtime.unit_of_work(), clock, runtime.policy)
        assign(runtime, [declaration(n) for n in numbers(4, start=10)])
        clock.now = midnight(1, clock) + timedelta(hours=1)
        [second] = keep_daily_head(runtime.unit_of_work(), clock, runtime.policy)
        assert (first.body["entries"], second.body["entries"]) == (4, 8)
        assert second.body["head"] == seals(runtime)[-1]["hash"]

    def test_days_no_worker_looked_at_are_kept_afterwards_each_with_its_own_head(
        self, runtime: Runtime, clock: FrozenClock
    ) -> None:
        load_roster(runtime, roster(UNIT, "a", "b"))
        clock.now = midnight(1, clock) + timedelta(hours=1)
        [first] = keep_daily_head(runtime.unit_of_work(), clock, runtime.policy)
        for offset in range(3):  # three days of work, no worker looking
            assign(runtime, [declaration(n) for n in numbers(2, start=10 * offset)])
            clock.now = midnight(1, clock) + timedelta(hours=2)
        later = keep_daily_head(runtime.unit_of_work(), clock, runtime.policy)
        days = [datetime.fromisoformat(first.body["day"]).date() + timedelta(days=n) for n in (1, 2, 3)]
        assert [e.body["day"] for e in later] == [day.isoformat() for day in days]
        assert [e.body["entries"] for e in later] == [3, 5, 7]
        assert [e.body["head"] for e in later] == [s["hash"] for s in seals(runtime)[1:]]

    def test_a_day_with_no_seal_before_its_end_publishes_nothing(self, runtime: Runtime, clock: FrozenClock) -> None:
        clock.now = midnight(1, clock) + timedelta(hours=1)
        assert keep_daily_head(runtime.unit_of_work(), clock, runtime.policy) == []

    @pytest.mark.postgresql
    def test_workers_looking_at_once_publish_it_once(
        self, postgres_database: str, clock: FrozenClock, tmp_path: Path
    ) -> None:
        runtime = Runtime(Settings(database_url=postgres_database, home=tmp_path / "home"), clock=clock).ready()
        load_roster(runtime, roster(UNIT, "a", "b"))
        assign(runtime, [declaration(n) for n in numbers(3)])
        clock.now = midnight(1, clock) + timedelta(hours=1)
        start = threading.Barrier(6)
        found: list[list[Event]] = []

        def look() -> None:
            start.wait()
            found.append(keep_daily_head(runtime.unit_of_work(), clock, runtime.policy))

        threads = [threading.Thread(target=look) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(len(events) for events in found) == [0, 0, 0, 0, 0, 1]
        with runtime.engine.connect() as connection:
            assert connection.scalar(select(AuditDailyHeadRow.seq)) == seals(runtime)[-1]["seq"]
        assert len(outbox_named(runtime, "audit.daily_head")) == 1
        runtime.engine.dispose()
