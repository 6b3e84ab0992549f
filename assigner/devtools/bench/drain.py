"""assigner's worker processes draining a backlog queued before they start, with what they waited on.

While they drain, another connection samples `pg_stat_activity` every few milliseconds: a sample where a
worker's backend waits on a lock (`wait_event_type = 'Lock'`: one held by another transaction) counts
against that worker, out of all the samples of the drain. A worker may be several processes (a parent and a
consumer process per CPU): the peak RSS is the largest of any one process's high-water mark (VmHWM), read
just before the workers stop, over every process of every worker's tree.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

from assigner.broker import topology
from assigner.broker.connection import connect
from assigner.broker.publishing import Outgoing, Publisher
from assigner.devtools.bench.processes import peak_rss_per_process
from assigner.devtools.bench.world import World
from assigner.devtools.chaos.cluster import ChaosFailed, Worker, worker_env
from assigner.settings import Settings
from workers.supervisor import cpu_count

EVENTS_QUEUE = "assigner.bench.events"
DECLARATION_EVENTS = "declaration.#"  # one per declaration: not the audit chain's heads (audit.sealed per batch)
PUBLISH_CHUNK = 1000
SAMPLE_SECONDS = 0.02  # often enough for a share to 1 %; rarely enough not to slow what it measures
DRAIN_SECONDS = 900.0


@dataclass(frozen=True)
class WorkerDrain:
    """A drain by `workers` workers: how many declarations in how long, the largest peak RSS of any of their
    `processes`, and each worker's lock waits."""

    workers: int
    messages: int
    seconds: float
    peak_rss_mib: float
    lock_wait_share: list[float]
    processes: int

    @property
    def rate(self) -> float:
        """Declarations per second, queue to event."""
        return self.messages / self.seconds if self.seconds > 0 else 0.0


def queue_backlog(world: World, bodies: Sequence[bytes]) -> None:
    """Declare the contract's queues and an events queue bound to every event, then queue the bodies."""
    with connect(Settings(broker_url=world.broker_url)) as connection:
        topology.declare(connection, events_queue=EVENTS_QUEUE, events_binding=DECLARATION_EVENTS)
        publisher = Publisher(connection)
        for first in range(0, len(bodies), PUBLISH_CHUNK):
            publisher.publish([Outgoing(body, topology.DECLARATIONS) for body in bodies[first : first + PUBLISH_CHUNK]])


def worker_drain(
    world: World, bodies: Sequence[bytes], workers: int = 1, concurrency: int | None = 1, partitions: int = 0
) -> WorkerDrain:
    """Queue the backlog, start the workers (each of `concurrency` consumer processes; None: the worker's
    default; with `partitions` declaration partitions), time from the first declaration taken to the last event
    queued."""
    queue_backlog(world, bodies)
    with tempfile.TemporaryDirectory() as folder:
        started = [
            start_worker(world, Path(folder), number, concurrency, partitions=partitions) for number in range(workers)
        ]
        sampler = LockSampler(world.database_url, process_names(workers, concurrency))
        try:
            first, last = _watch(world, len(bodies), sampler)
            peaks = [peak for worker in started for peak in _peaks(worker)]
        finally:
            sampler.stop()
            _until_consuming(started)  # a worker still starting dies of SIGTERM (-15) before Celery handles it
            codes = [worker.stop() for worker in started]
        if any(code != 0 for code in codes):
            raise ChaosFailed(f"a bench worker exited with {codes}")
    return WorkerDrain(workers, len(bodies), last - first, max(peaks, default=0.0), sampler.shares(), len(peaks))


def start_worker(
    world: World,
    folder: Path,
    number: int,
    concurrency: int | None = 1,
    metrics_port: int | None = None,
    partitions: int = 0,
) -> Worker:
    """`assigner worker` number N, its database sessions named assigner-bench-wN; `concurrency` consumer
    processes (None: the worker's default, ASSIGNER_WORKER_CONCURRENCY left unset), /metrics on `metrics_port`,
    `partitions` declaration partitions."""
    env = worker_env(world.database_url, world.broker_url, folder, "classic", partitions)
    env["PGAPPNAME"] = f"assigner-bench-w{number}"  # its processes' sessions: assigner-bench-wN-1, -2...
    # The bench's declarations were registered in 2025, all past their legal due time: a drain longer than the
    # legal clock's first look would flag the whole backlog overdue, which no steady state does (a look flags the
    # few whose due time just passed). The drains measure assignment.
    env["ASSIGNER_OVERDUE_CHECK_SECONDS"] = "3600"
    # The events queue is the bench's, bound to the declarations' events only (queue_backlog): a worker's own
    # ASSIGNER_EVENTS_QUEUE would bind it to every event, the audit chain's heads too, and end a drain early.
    if concurrency is not None:
        env["ASSIGNER_WORKER_CONCURRENCY"] = str(concurrency)
    if metrics_port is not None:
        env["ASSIGNER_METRICS_PORT"] = str(metrics_port)
        env["ASSIGNER_METRICS_ADDRESS"] = "127.0.0.1"
    worker = Worker(number, env, folder)
    worker.start()
    return worker


def _until_consuming(workers: Sequence[Worker], timeout: float = 60.0) -> None:
    """Wait (up to `timeout`) until every worker has started consuming, or died; a late starter may have taken no
    declaration of a backlog the others drained."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(not worker.running() or worker.logged("worker.consuming") for worker in workers):
            return
        time.sleep(0.1)


def process_names(workers: int, concurrency: int | None) -> list[str]:
    """The application_name of each consumer process of the workers (`concurrency` None: one per CPU)."""
    processes = concurrency or cpu_count()
    if processes == 1:
        return [f"assigner-bench-w{number}" for number in range(workers)]
    return [f"assigner-bench-w{number}-{child}" for number in range(workers) for child in range(1, processes + 1)]


class LockSampler:
    """Samples which processes' backends wait on a lock, in a thread of its own, while started; with one process
    there is no other to wait for, and it samples nothing (its queries would slow the drain it measures)."""

    def __init__(self, database_url: str, names: list[str]) -> None:
        url = make_url(database_url)
        self.database = url.database
        self.conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.names = names
        self.samples = 0
        self.waiting: Counter[str] = Counter()
        self._counting = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def count(self, on: bool) -> None:
        """Count samples from now (the drain began) or no more (it ended)."""
        if on:
            self._counting.set()
        else:
            self._counting.clear()

    def stop(self) -> None:
        """End the sampling thread."""
        self._stopped.set()
        self._thread.join()

    def shares(self) -> list[float]:
        """Each process's share of the samples spent waiting on a lock."""
        return [self.waiting[name] / self.samples if self.samples else 0.0 for name in self.names]

    def _run(self) -> None:
        query = (
            "SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = %s "
            "AND state = 'active' AND wait_event_type = 'Lock'"
        )
        with psycopg.connect(self.conninfo, autocommit=True) as connection:
            while not self._stopped.is_set():
                if self._counting.is_set() and len(self.names) > 1:
                    names = [row[0] for row in connection.execute(query, (self.database,))]
                    self.samples += 1
                    self.waiting.update(names)
                time.sleep(SAMPLE_SECONDS)


def _watch(world: World, expected: int, sampler: LockSampler) -> tuple[float, float]:
    """(when the first declaration was taken, when the last event was queued), by polling the queues."""
    deadline = time.monotonic() + DRAIN_SECONDS
    first: float | None = None
    with connect(Settings(broker_url=world.broker_url)) as connection:
        while time.monotonic() < deadline:
            if first is None and topology.depth(connection, topology.DECLARATIONS) < expected:
                first = time.perf_counter()
                sampler.count(True)
            if first is not None and topology.depth(connection, EVENTS_QUEUE) >= expected:
                sampler.count(False)
                return first, time.perf_counter()
            time.sleep(0.002 if first is None else 0.02)
    raise ChaosFailed(f"the workers did not drain {expected:,} declarations in {DRAIN_SECONDS:.0f} s")


def _peaks(worker: Worker) -> list[float]:
    """The peak RSS (MiB) of each of the worker's processes."""
    return [] if worker.process is None else peak_rss_per_process(worker.process.pid)
