"""Declarations spread by unit over a worker's processes: each unit assigned by one process at a time, a second
worker waiting to take over a partition, and a sender's header believed from the worker alone."""

from __future__ import annotations

import json
import zlib
from collections import defaultdict
from pathlib import Path

import pika
import pytest
from e2e.support import (
    DECLARATIONS,
    DECLARATIONS_DLQ,
    ERROR_HEADER,
    PARTITIONS,
    BrokerUser,
    EventCollector,
    StartWorker,
    Upstream,
    WorkerProcess,
    assert_rotation_kept,
    assignments,
    assignments_per_declaration,
    client,
    import_rosters,
    queue_depth,
    take_messages,
)
from integration.helpers import message, numbers
from pika.adapters.blocking_connection import BlockingChannel

from assigner.domain.model import Unit

pytestmark = pytest.mark.slow
PARTITION_COUNT = len(PARTITIONS)  # the partitions the tests' queues are declared and purged with


def partition(unit: Unit) -> int:
    """The partition of a unit's declarations, as the contract of the partitions writes it (crc32, 16)."""
    return zlib.crc32(f"{unit.customs_office}\x1f{unit.department}".encode()) % len(PARTITIONS)


def units_of(parity: int, count: int) -> list[Unit]:
    """`count` units whose partition is even (0) or odd (1): consumed by process 1, or 2, of a worker of two."""
    candidates = (Unit(f"{number:02d}B1", "00") for number in range(1, 100))
    return [unit for unit in candidates if partition(unit) % 2 == parity][:count]


ROSTERS = {unit: [f"{unit.customs_office}-{n}" for n in range(1, 4)] for unit in units_of(0, 2) + units_of(1, 2)}
UNITS = list(ROSTERS)


def send(upstream: Upstream, count: int, start: int) -> list[str]:
    sent = numbers(count, start=start)
    upstream.send_all(message(number, UNITS[index % len(UNITS)]) for index, number in enumerate(sent))
    return sent


def deciders(worker: WorkerProcess) -> dict[str, set[int]]:
    """For each unit, the pids of the processes that logged its assignments."""
    found: dict[str, set[int]] = defaultdict(set)
    for line in worker.logged("declaration.assigned"):
        found[line["unit"]].add(line["pid"])
    return found


def partitions_empty(broker: BlockingChannel) -> bool:
    return queue_depth(broker, DECLARATIONS) == 0 and all(queue_depth(broker, name) == 0 for name in PARTITIONS)


class TestUnitsSpreadOverProcesses:
    def test_each_unit_is_assigned_by_the_process_of_its_partition(
        self,
        database_url: str,
        home: Path,
        start_worker: StartWorker,
        upstream: Upstream,
        events: EventCollector,
        broker: BlockingChannel,
    ) -> None:
        import_rosters(database_url, home, ROSTERS)
        worker = start_worker(worker_concurrency=2, declaration_partitions=PARTITION_COUNT)
        worker.wait_for_log("worker.consuming", count=4)  # two children: declarations and commands each

        sent = send(upstream, 400, 0)
        events.wait_for_declarations(sent, worker=worker)
        rows = assignments(database_url)
        assert len(rows) == 400 and set(assignments_per_declaration(rows).values()) == {1}
        assert_rotation_kept(rows, ROSTERS)

        child = {line["child"]: line["child_pid"] for line in worker.logged("worker.child_started")}
        by_unit = deciders(worker)
        for unit in UNITS:  # one process each, the one whose slot is the partition's
            assert by_unit[str(unit)] == {child[partition(unit) % 2 + 1]}, unit
        # every process forwarded some of them: each reads assigner.declarations
        assert partitions_empty(broker)


class TestAWorkerBeside:
    def test_a_second_worker_waits_on_the_partitions_and_takes_them_over(
        self,
        database_url: str,
        home: Path,
        start_worker: StartWorker,
        upstream: Upstream,
        events: EventCollector,
        broker: BlockingChannel,
    ) -> None:
        import_rosters(database_url, home, ROSTERS)
        first = start_worker(declaration_partitions=PARTITION_COUNT)
        first.wait_for_log("worker.consuming", count=2)
        second = start_worker(declaration_partitions=PARTITION_COUNT)
        second.wait_for_log("worker.consuming", count=2)

        sent = send(upstream, 200, 0)
        events.wait_for_declarations(sent, worker=first)
        assert {pid for pids in deciders(first).values() for pid in pids} == {first.pid}
        assert not second.logged("declaration.assigned")  # it forwarded, and waited on every partition

        first.kill()
        more = send(upstream, 200, 200)
        events.wait_for_declarations(more, worker=second)
        assert set(deciders(second)) == {str(unit) for unit in UNITS}
        rows = assignments(database_url)
        assert len(rows) == 400 and set(assignments_per_declaration(rows).values()) == {1}
        assert_rotation_kept(rows, ROSTERS)
        assert partitions_empty(broker)


class TestSenders:
    def test_a_sender_header_put_in_a_partition_by_another_user_is_not_believed(
        self,
        database_url: str,
        home: Path,
        rabbitmq_vhost: str,
        start_worker: StartWorker,
        events: EventCollector,
        broker: BlockingChannel,
        supervisor_users: dict[str, BrokerUser],
    ) -> None:
        allowed, other = supervisor_users["a"], supervisor_users["b"]
        import_rosters(database_url, home, ROSTERS)
        worker = start_worker(declaration_senders=f'["{allowed.name}"]', declaration_partitions=PARTITION_COUNT)
        real, forged = numbers(2, start=0)
        unit = UNITS[0]
        as_sent = pika.BasicProperties(content_type="application/json", delivery_mode=2, user_id=allowed.name)
        publish_as(allowed.url(rabbitmq_vhost), DECLARATIONS, message_bytes(real, unit), as_sent)
        events.wait_for_declarations([real], worker=worker)

        forging = pika.BasicProperties(
            content_type="application/json",
            delivery_mode=2,
            user_id=other.name,
            headers={"x-assigner-sender": allowed.name},
        )
        publish_as(other.url(rabbitmq_vhost), PARTITIONS[partition(unit)], message_bytes(forged, unit), forging)
        [letter] = take_messages(broker, DECLARATIONS_DLQ, 1)
        assert letter.payload()["declaration_number"] == forged
        assert f"user_id '{other.name}': not among the senders" in letter.header(ERROR_HEADER)
        assert [row.declaration_key for row in assignments(database_url)] == [real[:11]]
        assert partitions_empty(broker)


def message_bytes(number: str, unit: Unit) -> bytes:
    return json.dumps(message(number, unit)).encode()


def publish_as(url: str, queue: str, body: bytes, properties: pika.BasicProperties) -> None:
    """Publish one message, confirmed, on a connection of the URL's user."""
    connection = client(url)
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish("", queue, body, properties, mandatory=True)
    finally:
        connection.close()


# As a worker (the tests' guest user) forwards a declaration whose sender gave no user_id.
FORWARDED = pika.BasicProperties(
    content_type="application/json", delivery_mode=2, user_id="guest", headers={"x-assigner-sender": ""}
)


class TestPartitionsLeftOver:
    def test_what_partitions_held_when_they_were_turned_off_is_assigned(
        self,
        database_url: str,
        home: Path,
        start_worker: StartWorker,
        events: EventCollector,
        broker: BlockingChannel,
    ) -> None:
        import_rosters(database_url, home, ROSTERS)
        [number] = numbers(1, start=0)
        broker.basic_publish("", PARTITIONS[5], message_bytes(number, UNITS[0]), FORWARDED, mandatory=True)
        worker = start_worker()  # no partitions
        events.wait_for_declarations([number], worker=worker)
        assert [row.declaration_key for row in assignments(database_url)] == [number[:11]]
        assert partitions_empty(broker)

    def test_a_partition_beyond_a_lowered_count_is_forwarded(
        self,
        database_url: str,
        home: Path,
        start_worker: StartWorker,
        events: EventCollector,
        broker: BlockingChannel,
    ) -> None:
        import_rosters(database_url, home, ROSTERS)
        # As a worker with 21 partitions left them (declared from 0 up): 16 to 20, a declaration waiting in 20.
        beyond = [f"assigner.declarations.partition.{n}" for n in range(PARTITION_COUNT, PARTITION_COUNT + 5)]
        for name in beyond:
            broker.queue_declare(name, durable=True, arguments={"x-single-active-consumer": True})
        try:
            [number] = numbers(1, start=0)
            broker.basic_publish("", beyond[-1], message_bytes(number, UNITS[1]), FORWARDED, mandatory=True)
            worker = start_worker(declaration_partitions=PARTITION_COUNT)
            events.wait_for_declarations([number], worker=worker)
            assert [row.declaration_key for row in assignments(database_url)] == [number[:11]]
            assert queue_depth(broker, beyond[-1]) == 0 and partitions_empty(broker)
        finally:
            for name in beyond:
                broker.queue_delete(name)  # the session's vhost: no other test declares them
