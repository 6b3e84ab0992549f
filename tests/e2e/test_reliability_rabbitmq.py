"""Nothing lost, nothing assigned twice, when the worker is killed or stopped, or loses its broker or database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e.support import (
    DECLARATIONS,
    DECLARATIONS_DLQ,
    Delivered,
    EventCollector,
    StartWorker,
    Upstream,
    assert_rotation_kept,
    assignments,
    assignments_per_declaration,
    close_connections_except_ours,
    declarations_stored,
    events_by_declaration,
    import_rosters,
    queue_depth,
)
from integration.helpers import message, numbers
from pika.adapters.blocking_connection import BlockingChannel
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from assigner.domain.model import Unit

pytestmark = pytest.mark.slow

ROSTERS = {
    Unit("01B1", "00"): ["a1", "a2", "a3"],
    Unit("01B1", "01"): ["b1", "b2", "b3", "b4", "b5"],
    Unit("02CI", "01"): ["c1", "c2"],
}
STREAM = 3000
BATCH = {"batch_size": 50}  # many batches, so a stream is cut in the middle of one


@pytest.fixture
def stream(database_url: str, home: Path, upstream: Upstream) -> list[dict[str, Any]]:
    """Rosters imported, then 3000 yellow declarations over three units queued before any worker starts."""
    import_rosters(database_url, home, ROSTERS)
    units = list(ROSTERS)
    messages = [message(number, units[index % len(units)]) for index, number in enumerate(numbers(STREAM))]
    upstream.send_all(messages)
    return messages


def declaration_numbers(messages: list[dict[str, Any]]) -> list[str]:
    return [m["declaration_number"] for m in messages]


def assert_each_assigned_exactly_once(database_url: str, messages: list[dict[str, Any]]) -> None:
    """Rule 1 and 2 in the database: one assignment per declaration, turns 1..n in roster order per unit."""
    rows = assignments(database_url)
    per_declaration = assignments_per_declaration(rows)
    assert set(per_declaration) == {number[:11] for number in declaration_numbers(messages)}, "a declaration was lost"
    assert set(per_declaration.values()) == {1}, "a declaration was assigned twice"
    assert_rotation_kept(rows, ROSTERS)


def assert_events_agree(received: list[Delivered], database_url: str) -> None:
    """Events may come twice (at least once), always with the same event_id and the officer of the database."""
    officers = {row.declaration_key: row.officer_id for row in assignments(database_url)}
    for number, bodies in events_by_declaration(received).items():
        assigned = [body for body in bodies if body["event"] == "declaration.assigned"]
        assert assigned, f"{number}: no declaration.assigned event"
        assert len({body["event_id"] for body in assigned}) == 1, f"{number}: assigned events with different ids"
        assert {body["officer_id"] for body in assigned} == {officers[number[:11]]}


class TestWorkerKilled:
    def test_a_worker_killed_mid_stream_then_restarted_assigns_every_declaration_exactly_once(
        self,
        stream: list[dict[str, Any]],
        start_worker: StartWorker,
        events: EventCollector,
        broker: BlockingChannel,
        database_url: str,
    ) -> None:
        first = start_worker(**BATCH)
        events.wait_for_count(300, worker=first)
        first.kill()
        assert queue_depth(broker, DECLARATIONS) > 0, "the stream was over before the kill: nothing was tested"

        second = start_worker(**BATCH)
        received = events.wait_for_declarations(declaration_numbers(stream), worker=second)

        assert_each_assigned_exactly_once(database_url, stream)
        assert_events_agree(received, database_url)
        assert queue_depth(broker, DECLARATIONS_DLQ) == 0


class TestBrokerConnectionLost:
    def test_the_worker_reconnects_and_every_declaration_is_assigned_exactly_once(
        self,
        stream: list[dict[str, Any]],
        start_worker: StartWorker,
        events: EventCollector,
        broker: BlockingChannel,
        database_url: str,
        rabbitmq_vhost: str,
    ) -> None:
        worker = start_worker(**BATCH)
        events.wait_for_count(300, worker=worker)
        assert close_connections_except_ours(rabbitmq_vhost) >= 2, "the worker's connections were not found"

        worker.wait_for_log("worker.connection_lost")
        worker.wait_for_log("worker.consuming", count=2)
        received = events.wait_for_declarations(declaration_numbers(stream), worker=worker)

        assert_each_assigned_exactly_once(database_url, stream)
        assert_events_agree(received, database_url)
        assert queue_depth(broker, DECLARATIONS_DLQ) == 0


@pytest.fixture
def cut_database_connections(database_url: str) -> Iterator[Any]:
    """Terminates the worker's PostgreSQL backends; returns how many were inside a transaction."""
    engine = create_engine(database_url, poolclass=NullPool)
    terminate = text(
        "SELECT state, pg_terminate_backend(pid) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
    )

    def cut() -> int:
        with engine.connect() as connection:
            states = [state for state, terminated in connection.execute(terminate) if terminated]
        return sum(1 for state in states if state != "idle")

    yield cut
    engine.dispose()


class TestDatabaseConnectionLost:
    def test_cut_connections_are_waited_out_and_every_declaration_is_assigned_exactly_once(
        self,
        stream: list[dict[str, Any]],
        start_worker: StartWorker,
        events: EventCollector,
        broker: BlockingChannel,
        database_url: str,
        cut_database_connections: Any,
    ) -> None:
        worker = start_worker(**BATCH)
        events.wait_for_count(200, worker=worker)
        # Cut again and again until three cuts caught a transaction in flight (idle ones just reconnect).
        mid_transaction = 0
        while mid_transaction < 3 and len(events.received) < STREAM:
            mid_transaction += cut_database_connections()
            events.pump(0.05)
        assert mid_transaction > 0, "no cut fell inside a transaction: nothing was tested"

        received = events.wait_for_declarations(declaration_numbers(stream), worker=worker)

        assert_each_assigned_exactly_once(database_url, stream)
        assert_events_agree(received, database_url)
        assert queue_depth(broker, DECLARATIONS_DLQ) == 0, "a declaration was dead-lettered during the outage"
        assert not worker.logged("declaration.dead_lettered")


class TestGracefulStop:
    def test_sigterm_exits_0_leaving_unprocessed_messages_queued_for_the_next_worker_which_assigns_each_once(
        self,
        stream: list[dict[str, Any]],
        start_worker: StartWorker,
        events: EventCollector,
        broker: BlockingChannel,
        database_url: str,
    ) -> None:
        first = start_worker(**BATCH)
        events.wait_for_count(300, worker=first)

        assert first.terminate() == 0
        assert first.logged("worker.stopped")
        waiting = queue_depth(broker, DECLARATIONS)
        assert waiting > 0, "nothing left queued: the worker took new batches after SIGTERM (or finished before it)"
        assert declarations_stored(database_url) + waiting == STREAM, "a message was lost or processed unacknowledged"

        second = start_worker(**BATCH)
        received = events.wait_for_declarations(declaration_numbers(stream), worker=second)

        assert_each_assigned_exactly_once(database_url, stream)
        assert_events_agree(received, database_url)
        assert len(received) == STREAM, "a gracefully stopped worker left a message to be processed twice"
