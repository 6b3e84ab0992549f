"""A consumer's batch closes at its size, at its bytes, or when no more messages come in time."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from prometheus_client import REGISTRY

from assigner.bootstrap import Runtime
from assigner.broker import topology
from assigner.settings import Settings
from workers.consumer import Batching, QueueConsumer


class FakeMessage:
    def __init__(self, body: bytes) -> None:
        self.body = body


class FakeConnection:
    """Delivers the given bodies one per drain_events, then times out."""

    def __init__(self, consumer: QueueConsumer, bodies: list[bytes]) -> None:
        self.consumer = consumer
        self.bodies = list(bodies)

    def drain_events(self, timeout: float) -> None:
        if not self.bodies:
            raise TimeoutError()
        self.consumer._take(FakeMessage(self.bodies.pop(0)))  # type: ignore[arg-type]

    def heartbeat_check(self) -> None:
        pass


class IdleHandler:
    def handle(self, batch: Any, publisher: Any) -> None:
        raise AssertionError("not handled in these tests")

    def idle(self, publisher: Any) -> None:
        pass

    def stop(self) -> None:
        pass


class StopRecorder(IdleHandler):
    def __init__(self) -> None:
        self.stopped = 0

    def stop(self) -> None:
        self.stopped += 1


def consumer(tmp_path: Path, batching: Batching) -> QueueConsumer:
    runtime = Runtime(Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'a.db'}"))
    return QueueConsumer(runtime, threading.Event(), topology.DECLARATIONS, lambda *_: IdleHandler(), batching)


class TestCollect:
    def test_a_batch_closes_once_its_bodies_reach_the_byte_limit(self, tmp_path: Path) -> None:
        queue = consumer(tmp_path, Batching(size=100, wait=1.0, max_bytes=1000))
        batch = queue._collect(FakeConnection(queue, [b"x" * 300] * 10))  # type: ignore[arg-type]
        assert len(batch) == 4  # 1,200 bytes: the message that crossed the limit closes the batch

    def test_a_batch_closes_at_its_size(self, tmp_path: Path) -> None:
        queue = consumer(tmp_path, Batching(size=3, wait=1.0, max_bytes=10**6))
        assert len(queue._collect(FakeConnection(queue, [b"{}"] * 10))) == 3  # type: ignore[arg-type]

    def test_a_batch_closes_when_no_more_messages_come(self, tmp_path: Path) -> None:
        queue = consumer(tmp_path, Batching(size=100, wait=0.05, max_bytes=10**6))
        assert len(queue._collect(FakeConnection(queue, [b"{}"] * 2))) == 2  # type: ignore[arg-type]
        assert queue._collect(FakeConnection(queue, [])) == []  # type: ignore[arg-type]

    def test_messages_delivered_before_the_batch_began_are_its_first_never_dropped(self, tmp_path: Path) -> None:
        # py-amqp hands over deliveries while it waits for basic.consume-ok of the next queue consumed
        queue = consumer(tmp_path, Batching(size=3, wait=0.0, max_bytes=10**6))
        early = [FakeMessage(f"early-{n}".encode()) for n in range(4)]
        for message in early:
            queue._take(message)  # type: ignore[arg-type]
        first = queue._collect(FakeConnection(queue, [b"late"]))  # type: ignore[arg-type]
        assert first == early[:3]  # the batch's size, in delivery order
        second = queue._collect(FakeConnection(queue, [b"late"]))  # type: ignore[arg-type]
        assert [m.body for m in second] == [b"early-3", b"late"]

    def test_messages_delivered_before_are_bounded_by_bytes_too(self, tmp_path: Path) -> None:
        queue = consumer(tmp_path, Batching(size=100, wait=0.0, max_bytes=1000))
        for _ in range(10):
            queue._take(FakeMessage(b"x" * 300))  # type: ignore[arg-type]
        assert [len(queue._collect(FakeConnection(queue, []))) for _ in range(3)] == [4, 4, 2]  # type: ignore[arg-type]

    def test_with_no_wait_a_batch_takes_every_message_already_delivered(self, tmp_path: Path) -> None:
        queue = consumer(tmp_path, Batching(size=100, wait=0.0, max_bytes=10**6))
        assert len(queue._collect(FakeConnection(queue, [b"{}"] * 7))) == 7  # type: ignore[arg-type]

    def test_with_no_wait_a_batch_stops_at_the_first_message_not_yet_here(self, tmp_path: Path) -> None:
        queue = consumer(tmp_path, Batching(size=100, wait=0.0, max_bytes=10**6))
        connection = SlowAfter(queue, [b"{}"] * 3, late=[b"{}"] * 2)
        assert len(queue._collect(connection)) == 3  # type: ignore[arg-type]

    def test_a_batch_collected_observes_its_wait_once_and_no_message_none(self, tmp_path: Path) -> None:
        queue = consumer(tmp_path, Batching(size=100, wait=0.0, max_bytes=10**6))
        before = waits()
        queue._collect(FakeConnection(queue, [b"{}"] * 3))  # type: ignore[arg-type]
        queue._collect(FakeConnection(queue, []))  # type: ignore[arg-type]
        assert waits() == before + 1


def waits() -> float:
    """How many declaration batches observed their wait phase in this process's metrics."""
    labels = {"queue": topology.DECLARATIONS, "phase": "wait"}
    return REGISTRY.get_sample_value("assigner_batch_phase_seconds_count", labels) or 0.0


class SlowAfter(FakeConnection):
    """Delivers the first bodies at once; the late ones only to a drain that waits more than 10 ms."""

    def __init__(self, consumer: QueueConsumer, bodies: list[bytes], late: list[bytes]) -> None:
        super().__init__(consumer, bodies)
        self.late = list(late)

    def drain_events(self, timeout: float) -> None:
        if not self.bodies and self.late and timeout > 0.01:
            self.bodies.append(self.late.pop(0))
        super().drain_events(timeout)


class TestStop:
    def test_a_consumer_that_stops_tells_its_handler_once(self, tmp_path: Path) -> None:
        runtime = Runtime(Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'a.db'}"))
        stopping, handler = threading.Event(), StopRecorder()
        queue = QueueConsumer(runtime, stopping, topology.DECLARATIONS, lambda *_: handler, Batching(10, 0.0, 10**6))
        running = threading.Thread(target=queue.run)
        running.start()
        stopping.set()
        running.join(30)
        assert not running.is_alive() and handler.stopped == 1
