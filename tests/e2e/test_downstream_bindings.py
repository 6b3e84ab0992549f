"""Downstream systems bind one queue per office, so many events reach no queue: the worker must not stall.

RabbitMQ confirms the messages of one batch out of order when they go to different sets of queues (an
event no binding matches at once, one stored on a queue later, a dead letter on its own queue).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e.support import (
    DECLARATIONS_DLQ,
    ERROR_HEADER,
    EVENTS,
    StartWorker,
    Upstream,
    encode,
    import_rosters,
    take_messages,
)
from integration.helpers import message, numbers
from pika.adapters.blocking_connection import BlockingChannel

from assigner.domain.model import Unit

pytestmark = pytest.mark.slow

ROSTERS = {
    Unit("01B1", "00"): ["a1", "a2", "a3"],
    Unit("02CI", "01"): ["c1", "c2"],
    Unit("03CC", "00"): ["d1", "d2"],  # no downstream queue is bound to its office
}
BOUND_OFFICES = ("01B1", "02CI")
BACKLOG = 3000
POISON_EVERY = 100  # 1 %


@pytest.fixture
def office_queues(broker: BlockingChannel) -> Iterator[dict[str, str]]:
    """A durable downstream queue per bound office, fed `declaration.assigned.OFFICE.#`; deleted after."""
    queues = {}
    for office in BOUND_OFFICES:
        name = f"downstream.{office}.{uuid.uuid4().hex[:6]}"
        broker.queue_declare(name, durable=True)
        broker.queue_bind(name, EVENTS, routing_key=f"declaration.assigned.{office}.#")
        queues[office] = name
    yield queues
    for name in queues.values():
        broker.queue_delete(name)


def backlog() -> tuple[list[bytes], list[bytes], dict[str, int]]:
    """(every body in order, the poison bodies among them, yellow declarations expected per office)."""
    units = list(ROSTERS)
    bodies, poison = [], []
    per_office = {office: 0 for office in BOUND_OFFICES}
    for index, number in enumerate(numbers(BACKLOG)):
        if index % POISON_EVERY == POISON_EVERY - 1:
            body = encode(message(number, units[0], registered_at=str(1748833200 + index)))
            poison.append(body)
        else:
            unit = units[index % len(units)]
            body = encode(message(number, unit))
            per_office[unit.customs_office] = per_office.get(unit.customs_office, 0) + 1
        bodies.append(body)
    return bodies, poison, per_office


class TestPerOfficeDownstreamQueues:
    def test_a_backlog_with_poison_is_drained_without_a_stall_each_event_and_dead_letter_once(
        self,
        database_url: str,
        home: Path,
        upstream: Upstream,
        office_queues: dict[str, str],
        start_worker: StartWorker,
        broker: BlockingChannel,
    ) -> None:
        import_rosters(database_url, home, ROSTERS)
        bodies, poison, per_office = backlog()
        for body in bodies:
            upstream.send(body)

        worker = start_worker()
        got: dict[str, Any] = {}
        for office, queue in office_queues.items():
            got[office] = take_messages(broker, queue, per_office[office])
        letters = take_messages(broker, DECLARATIONS_DLQ, len(poison))

        for office in BOUND_OFFICES:
            ids = [delivered.payload()["event_id"] for delivered in got[office]]
            assert len(set(ids)) == len(ids) == per_office[office], f"{office}: an event came twice"
            assert {d.payload()["customs_office"] for d in got[office]} == {office}
        assert sorted(letter.body for letter in letters) == sorted(poison), "a dead letter came twice, or not"
        assert all(b"registered_at" in letter.header(ERROR_HEADER).encode() for letter in letters)
        assert worker.logged("worker.connection_lost") == [], "the worker gave up on its confirms and reconnected"
        broker.connection.sleep(2)  # anything published twice would have arrived by now
        for office, queue in office_queues.items():
            assert broker.queue_declare(queue, passive=True).method.message_count == 0, f"{office}: extra events"
        assert broker.queue_declare(DECLARATIONS_DLQ, passive=True).method.message_count == 0
