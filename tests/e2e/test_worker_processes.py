"""Several worker processes on one host, as README says to run them, and how promptly one stops."""

from __future__ import annotations

import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e.support import (
    WORKER_COMMAND,
    EventCollector,
    StartWorker,
    Upstream,
    WorkerProcess,
    amqp_url,
    assert_rotation_kept,
    assignments,
    assignments_per_declaration,
    guest_vhost,
    import_rosters,
    rabbitmqctl,
    worker_env,
)
from integration.helpers import message, numbers
from kombu import Connection

from assigner.domain.errors import InvalidInput
from assigner.domain.model import Unit
from workers.nodes import hold_node_name, hold_node_name_again, refuse_taken_name

pytestmark = pytest.mark.slow

ROSTERS = {Unit("01B1", "00"): ["a1", "a2", "a3"]}
PROMPT_EXIT_SECONDS = 5.0  # liveness: it exits in well under a second; Celery's own loop took 10 s


def node_name(worker: WorkerProcess) -> str:
    """The node name Celery reports in the worker's start-up banner."""
    banner = worker.log_path.read_text(errors="replace") + worker.log_path.with_suffix(".out").read_text(
        errors="replace"
    )
    for word in banner.split():
        if word.startswith("assigner-") and "@" in word:
            return word.strip(":")
    raise AssertionError(f"no node name in the worker's banner:\n{banner[-2000:]}")


class TestSeveralWorkersOnOneHost:
    def test_two_workers_started_without_a_name_both_consume_and_share_the_work_once(
        self,
        database_url: str,
        home: Path,
        start_worker: StartWorker,
        upstream: Upstream,
        events: EventCollector,
    ) -> None:
        import_rosters(database_url, home, ROSTERS)
        first, second = start_worker(), start_worker()
        assert node_name(first) != node_name(second)

        sent = numbers(400)
        upstream.send_all(message(number, Unit("01B1", "00")) for number in sent)
        events.wait_for_declarations(sent, worker=second)

        first.assert_running()
        rows = assignments(database_url)
        assert set(assignments_per_declaration(rows).values()) == {1}
        assert_rotation_kept(rows, ROSTERS)

    def test_a_second_worker_with_the_name_of_a_running_one_is_refused_in_one_line(
        self,
        database_url: str,
        home: Path,
        rabbitmq_url: str,
        start_worker: StartWorker,
        tmp_path: Path,
    ) -> None:
        running = start_worker()
        name = node_name(running)
        env = WorkerProcess(worker_env(database_url, home, rabbitmq_url), tmp_path / "unused.log").env
        refused = subprocess.run(
            [*WORKER_COMMAND, "--hostname", name], env=env, capture_output=True, text=True, timeout=120
        )

        assert refused.returncode != 0
        lines = refused.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), refused.stderr
        assert name in lines[0] and "--hostname" in lines[0]
        running.assert_running()

    def test_a_worker_holds_its_name_in_a_queue_of_its_own_and_has_no_remote_control_queue(
        self,
        rabbitmq_vhost: str,
        start_worker: StartWorker,
    ) -> None:
        running = start_worker()
        name = node_name(running)
        queues = rabbitmqctl("list_queues", "-p", rabbitmq_vhost, "--no-table-headers", "name").split()
        assert f"assigner.node.{name}" in queues
        assert [queue for queue in queues if queue.endswith(".pidbox")] == []  # Celery's remote control is off
        running.terminate()
        queues = rabbitmqctl("list_queues", "-p", rabbitmq_vhost, "--no-table-headers", "name").split()
        assert f"assigner.node.{name}" not in queues  # the name is free again


class TestNameAfterAReconnect:
    def test_a_name_its_lost_connection_still_holds_is_taken_again_once_the_broker_lets_it_go(
        self, rabbitmq_url: str
    ) -> None:
        name = f"assigner-{uuid.uuid4().hex[:8]}@reconnect"
        lost = Connection(rabbitmq_url)  # the connection to a node that died, not yet noticed by the cluster
        hold_node_name(lost, name)
        threading.Timer(1.5, lost.release).start()
        with Connection(rabbitmq_url) as new, Connection(rabbitmq_url) as other:
            with pytest.raises(InvalidInput):  # a first start takes a held name for another worker's
                hold_node_name(new, name)
            started = time.monotonic()
            hold_node_name_again(new, name, patience=20)
            assert 1.0 < time.monotonic() - started < 20
            with pytest.raises(InvalidInput):  # the new connection holds it now
                refuse_taken_name(other, name)

    def test_a_name_still_held_after_the_patience_is_another_workers(self, rabbitmq_url: str) -> None:
        name = f"assigner-{uuid.uuid4().hex[:8]}@reconnect"
        with Connection(rabbitmq_url) as holder, Connection(rabbitmq_url) as new:
            hold_node_name(holder, name)
            with pytest.raises(InvalidInput, match="already running"):
                hold_node_name_again(new, name, patience=1)


@pytest.fixture
def quorum_vhost() -> Iterator[str]:
    """A vhost of its own, with no queue declared yet (a queue's type is fixed when first declared)."""
    with guest_vhost(f"assigner-quorum-{uuid.uuid4().hex[:8]}") as name:
        yield name


class TestQueuesOnACluster:
    def test_with_quorum_every_durable_queue_the_worker_declares_is_quorum_and_celerys_own_is_exclusive(
        self, quorum_vhost: str, database_url: str, home: Path, tmp_path: Path
    ) -> None:
        env = worker_env(database_url, home, amqp_url(quorum_vhost), queue_type="quorum", events_queue="ops.events")
        workers = [WorkerProcess(env, tmp_path / f"worker-{n}.log").start() for n in (1, 2)]
        try:
            rows = rabbitmqctl(
                "list_queues", "-p", quorum_vhost, "--no-table-headers", "name", "type", "durable", "exclusive"
            )
            queues = {name: rest for name, *rest in (line.split() for line in rows.splitlines() if line.strip())}
            for name in (
                "assigner.declarations",
                "assigner.declarations.dlq",
                "assigner.commands",
                "assigner.commands.dlq",
                "ops.events",
            ):
                assert queues[name][:2] == ["quorum", "true"], (name, queues)  # durable; never exclusive
            celerys = {name: rest for name, rest in queues.items() if name.startswith("assigner.tasks")}
            # one per worker, exclusive to its connection: no node of a cluster is its home
            assert len(celerys) == 2 and all(rest == ["classic", "false", "true"] for rest in celerys.values())
        finally:
            for worker in workers:
                worker.kill()


class TestStop:
    def test_sigterm_exits_0_promptly_once_the_consumers_are_done(self, start_worker: StartWorker) -> None:
        worker = start_worker()
        time.sleep(1)  # idle, in Celery's own poll
        started = time.monotonic()
        try:
            assert worker.terminate(timeout=60) == 0
        finally:
            worker.kill()
        took = time.monotonic() - started
        assert took < PROMPT_EXIT_SECONDS, f"the worker took {took:.1f} s to exit after SIGTERM"
        assert worker.logged("worker.stopped")
