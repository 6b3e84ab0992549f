"""The embedded broker: ordered, atomic message files; in-flight messages of a dead worker go back to the queue."""

from __future__ import annotations

from pathlib import Path

from kombu.message import Message
from kombu.messaging import Consumer

from assigner.broker import embedded, topology
from assigner.broker.connection import connect
from assigner.broker.publishing import Outgoing, Publisher
from assigner.settings import Settings


def publish(home: Path, count: int) -> None:
    with connect(Settings(home=home)) as connection:
        Publisher(connection).publish([Outgoing(b'{"n": %d}' % i, topology.DECLARATIONS) for i in range(count)])


def consume(home: Path, count: int, inflight: Path | None = None, ack: bool = True) -> list[bytes]:
    got: list[Message] = []
    with connect(Settings(home=home), inflight) as connection:
        with Consumer(connection, [topology.queue(topology.DECLARATIONS)], on_message=got.append):
            for _ in range(count):
                connection.drain_events(timeout=2)
        if ack:
            for message in got:
                message.ack()
    return [m.body for m in got]


class TestEmbeddedQueue:
    def test_messages_come_out_in_publishing_order(self, tmp_path: Path) -> None:
        publish(tmp_path, 300)
        assert consume(tmp_path, 300) == [b'{"n": %d}' % i for i in range(300)]

    def test_a_file_still_being_written_is_not_taken(self, tmp_path: Path) -> None:
        publish(tmp_path, 1)
        queue = embedded.folders(tmp_path)["queue"]
        (queue / "00000000000000000001-0000001-000000000000_x.tmp").write_bytes(b'{"half')
        assert consume(tmp_path, 1) == [b'{"n": 0}']
        assert [p.suffix for p in queue.iterdir()] == [".tmp"]


class TestInflightRecovery:
    def test_messages_a_dead_worker_fetched_go_back_to_the_queue_in_order(self, tmp_path: Path) -> None:
        publish(tmp_path, 5)
        dead = embedded.InflightFolder(tmp_path)
        assert consume(tmp_path, 3, dead.path, ack=False) == [b'{"n": %d}' % i for i in range(3)]
        dead._lock.close()  # what the kernel does when the worker dies
        assert embedded.restore_orphans(tmp_path) == 3
        assert not dead.path.exists()
        assert consume(tmp_path, 5) == [b'{"n": %d}' % i for i in range(5)]

    def test_a_live_worker_keeps_its_in_flight_messages(self, tmp_path: Path) -> None:
        publish(tmp_path, 2)
        live = embedded.InflightFolder(tmp_path)
        consume(tmp_path, 2, live.path, ack=False)
        assert embedded.restore_orphans(tmp_path) == 0
        assert len(list(live.path.glob("*.msg"))) == 2
        assert live.restore() == 2 and consume(tmp_path, 2) == [b'{"n": 0}', b'{"n": 1}']
