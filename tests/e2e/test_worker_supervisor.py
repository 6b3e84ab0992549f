"""`assigner worker` with several processes: the supervisor keeps them running, stops them together, and
serves their metrics summed; a child dies with it."""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from e2e.support import (
    WORKER_COMMAND,
    EventCollector,
    StartWorker,
    Upstream,
    WorkerProcess,
    assert_rotation_kept,
    assignments,
    assignments_per_declaration,
    free_port,
    import_rosters,
    rabbitmqctl,
    worker_env,
)
from integration.helpers import message, numbers
from prometheus_client.parser import text_string_to_metric_families

from assigner.domain.model import Unit

pytestmark = pytest.mark.slow

ROSTERS = {Unit("01B1", "00"): ["a1", "a2", "a3"], Unit("02CI", "00"): ["b1", "b2"]}
UNITS = list(ROSTERS)
STOP_SECONDS = 30.0  # liveness only: they stop in well under a second


def children(worker: WorkerProcess) -> list[int]:
    """The pids of the worker's child processes now."""
    found = Path(f"/proc/{worker.pid}/task/{worker.pid}/children").read_text().split()
    return [int(pid) for pid in found]


def alive(pid: int) -> bool:
    """Whether a process runs (a zombie does not count)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_until(condition: object, timeout: float = 120.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        time.sleep(0.1)


def metric(port: int, name: str) -> float:
    """The sum of one metric's samples as the supervisor serves them."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    )


def send(upstream: Upstream, count: int, start: int) -> list[str]:
    sent = numbers(count, start=start)
    upstream.send_all(message(number, UNITS[index % 2]) for index, number in enumerate(sent))
    return sent


class TestSeveralProcesses:
    def test_two_children_share_the_work_a_dead_one_is_restarted_and_sigterm_stops_them_all(
        self,
        database_url: str,
        home: Path,
        start_worker: StartWorker,
        upstream: Upstream,
        events: EventCollector,
    ) -> None:
        import_rosters(database_url, home, ROSTERS)
        port = free_port()
        worker = start_worker(worker_concurrency=2, metrics_port=port)
        worker.wait_for_log("worker.consuming", count=4)  # two children, two consumers each
        first = children(worker)
        assert len(first) == 2

        sent = send(upstream, 300, 0)
        events.wait_for_declarations(sent, worker=worker)
        assert {line["child_pid"] for line in worker.logged("worker.child_started")} == set(first)
        wait_until(lambda: metric(port, "assigner_declarations_total") == 300, 30, "the summed count of 300")

        os.kill(first[0], 9)
        wait_until(lambda: len(worker.logged("worker.child_started")) == 3, what="the dead child restarted")
        exited = worker.logged("worker.child_exited")
        assert [(line["child_pid"], line["code"]) for line in exited] == [(first[0], -9)]
        worker.wait_for_log("worker.consuming", count=6)
        second = children(worker)
        assert len(second) == 2 and first[1] in second and first[0] not in second

        more = send(upstream, 300, 300)
        events.wait_for_declarations(more, worker=worker)
        rows = assignments(database_url)
        assert len(rows) == 600 and set(assignments_per_declaration(rows).values()) == {1}
        assert_rotation_kept(rows, ROSTERS)
        # counted by the child before it died and by the others: the dead one's files stay in the sum
        wait_until(lambda: metric(port, "assigner_declarations_total") == 600, 30, "the summed count of 600")

        assert worker.terminate(timeout=STOP_SECONDS) == 0
        assert not any(alive(pid) for pid in second)
        assert worker.logged("worker.stopped_all")

    def test_children_are_named_after_the_given_name_and_a_taken_one_is_refused_in_one_line(
        self, database_url: str, home: Path, rabbitmq_url: str, rabbitmq_vhost: str, tmp_path: Path
    ) -> None:
        host = socket.gethostname()
        env = worker_env(database_url, home, rabbitmq_url, worker_concurrency=2)
        named = WorkerProcess(env, tmp_path / "named.log", [*WORKER_COMMAND, "--hostname", f"sup@{host}"])
        try:
            named.start()
            named.wait_for_log("worker.consuming", count=4)
            queues = rabbitmqctl("list_queues", "-p", rabbitmq_vhost, "--no-table-headers", "name").split()
            assert {f"assigner.node.sup-1@{host}", f"assigner.node.sup-2@{host}"} <= set(queues)

            refused = subprocess.run(
                [*WORKER_COMMAND, "--hostname", f"sup@{host}"],
                env=named.env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert refused.returncode != 0
            lines = refused.stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: ") and f"sup-1@{host}" in lines[0], refused.stderr
            named.assert_running()
        finally:
            named.stop()

    def test_killed_outright_the_supervisor_takes_its_children_and_nothing_it_took_is_lost(
        self,
        database_url: str,
        home: Path,
        start_worker: StartWorker,
        upstream: Upstream,
        events: EventCollector,
    ) -> None:
        import_rosters(database_url, home, ROSTERS)
        worker = start_worker(worker_concurrency=2)
        worker.wait_for_log("worker.consuming", count=4)
        taken = children(worker)
        sent = send(upstream, 2000, 0)
        wait_until(lambda: len(worker.logged("declaration.assigned")) > 100, what="the drain begun")
        worker.kill()
        wait_until(lambda: not any(alive(pid) for pid in taken), 10, "the children gone with their supervisor")

        again = start_worker(worker_concurrency=2)
        again.wait_for_log("worker.consuming", count=4)
        events.wait_for_declarations(sent, worker=again)
        rows = assignments(database_url)
        assert set(assignments_per_declaration(rows).values()) == {1} and len(rows) == len(sent)
        assert_rotation_kept(rows, ROSTERS)

    def test_a_metrics_port_taken_is_refused_in_one_line_before_any_child_starts(
        self, database_url: str, home: Path, rabbitmq_url: str, rabbitmq_vhost: str
    ) -> None:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            env = WorkerProcess(
                worker_env(database_url, home, rabbitmq_url, worker_concurrency=2, metrics_address="127.0.0.1"),
                Path("unused.log"),
            ).env
            refused = subprocess.run(
                [*WORKER_COMMAND, "--metrics-port", str(port)], env=env, capture_output=True, text=True, timeout=120
            )
        assert refused.returncode == 1
        assert refused.stderr.strip().splitlines() == [f"error: metrics port 127.0.0.1:{port}: Address already in use"]
        queues = rabbitmqctl("list_queues", "-p", rabbitmq_vhost, "--no-table-headers", "name").split()
        assert not [queue for queue in queues if queue.startswith("assigner.node.")]  # no child ever ran

    def test_a_metrics_port_from_a_settings_file_is_the_supervisors_alone(
        self, start_worker: StartWorker, tmp_path: Path
    ) -> None:
        port = free_port()
        config = tmp_path / "assigner.toml"
        config.write_text(f'metrics_port = {port}\nmetrics_address = "127.0.0.1"\n')
        worker = start_worker(worker_concurrency=2, config=str(config))
        worker.wait_for_log("worker.consuming", count=4)  # the children do not try the port themselves
        wait_until(lambda: metric(port, "assigner_broker_up") == 1, 30, "the supervisor's metrics")
        assert not worker.logged("worker.child_exited")
        folders = list(Path(tempfile.gettempdir()).glob(f"assigner-metrics-{worker.pid}-*"))
        assert len(folders) == 1  # where the children count
        assert worker.terminate(timeout=STOP_SECONDS) == 0
        assert not folders[0].exists()  # removed with its supervisor
