"""Latency from publish to event at a fixed offered load: the default worker (a consumer process per CPU, once
the worker has them) consuming, declarations published at a steady rate, each event matched to its
declaration's publish time; then the worker's /metrics tells where its share of the time went (phases.py)."""

from __future__ import annotations

import json
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kombu.entity import Queue
from kombu.message import Message
from kombu.messaging import Consumer

from assigner.broker import topology
from assigner.broker.connection import connect
from assigner.broker.publishing import Outgoing, Publisher
from assigner.devtools.bench.drain import DECLARATION_EVENTS, EVENTS_QUEUE, start_worker
from assigner.devtools.bench.phases import Phase, batch_phases, queued_ms, scrape
from assigner.devtools.bench.world import World
from assigner.devtools.chaos.cluster import ChaosFailed, Worker
from assigner.settings import Settings

START_SECONDS = 60.0
SETTLE_SECONDS = 60.0


@dataclass(frozen=True)
class Latency:
    """Publish-to-event times of a run at `rate` per second, and the worker's batch phases."""

    rate: float
    messages: int
    mean_ms: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    phases: dict[str, Phase]


def latency(world: World, bodies: Sequence[bytes], rate: float = 200.0) -> Latency:
    """Start the default worker (metrics on a free port) and wait until it consumes, then publish at `rate`;
    every event's delay from its publish, and the worker's phases as its /metrics says at the end."""
    with connect(Settings(broker_url=world.broker_url)) as connection:
        topology.declare(connection, events_queue=EVENTS_QUEUE, events_binding=DECLARATION_EVENTS)
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        worker = start_worker(world, Path(folder), 0, concurrency=None, metrics_port=port)
        try:
            _wait_consuming(worker)
            arrivals = _Arrivals(world.broker_url, len(bodies))
            sent = _publish_paced(world.broker_url, bodies, rate)
            arrivals.done.wait(SETTLE_SECONDS)
            arrivals.stop()
            phases = batch_phases(scrape(port), topology.DECLARATIONS)
        finally:
            worker.stop()
    if len(arrivals.at) < len(bodies):
        raise ChaosFailed(f"{len(bodies) - len(arrivals.at)} of {len(bodies)} events never came")
    delays = sorted((arrivals.at[number] - sent[number]) * 1000 for number in sent)
    p99 = delays[int(0.99 * (len(delays) - 1))]
    return Latency(rate, len(delays), statistics.fmean(delays), statistics.median(delays), p99, delays[-1], phases)


def latency_figures(measured: Latency) -> dict[str, Any]:
    """A latency run's figures, its phases as {phase: {mean, p99, batches}} in ms."""
    return {
        "latency_offered_per_second": measured.rate,
        "latency_mean_ms": round(measured.mean_ms, 1),
        "latency_p50_ms": round(measured.p50_ms, 1),
        "latency_p99_ms": round(measured.p99_ms, 1),
        "latency_max_ms": round(measured.max_ms, 1),
        "latency_queued_ms": round(queued_ms(measured.mean_ms, measured.phases), 1),
        "latency_phases_ms": {name: phase.figures() for name, phase in measured.phases.items()},
    }


def free_port() -> int:
    """A TCP port free on the loopback now (the worker binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_consuming(worker: Worker) -> None:
    deadline = time.monotonic() + START_SECONDS
    while not worker.logged("worker.consuming", topology.DECLARATIONS):
        if time.monotonic() > deadline:
            raise ChaosFailed("the bench worker did not start consuming")
        time.sleep(0.1)


def _publish_paced(broker_url: str, bodies: Sequence[bytes], rate: float) -> dict[str, float]:
    """Publish one body every 1/rate s (each confirmed before the next: an upstream that waits); their times."""
    sent: dict[str, float] = {}
    with connect(Settings(broker_url=broker_url)) as connection:
        publisher = Publisher(connection)
        began = time.perf_counter()
        for index, body in enumerate(bodies):
            delay = began + index / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            sent[json.loads(body)["declaration_number"]] = time.perf_counter()
            publisher.publish([Outgoing(body, topology.DECLARATIONS)])
    return sent


class _Arrivals:
    """Consumes the events queue in a thread: when each declaration's event arrived."""

    def __init__(self, broker_url: str, expected: int) -> None:
        self.broker_url, self.expected = broker_url, expected
        self.at: dict[str, float] = {}
        self.done = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()

    def _run(self) -> None:
        with connect(Settings(broker_url=self.broker_url)) as connection:
            queue = Queue(EVENTS_QUEUE, no_declare=True)
            with Consumer(connection, [queue], callbacks=[self._arrived], accept=["json"], prefetch_count=500):
                while not self._stopped.is_set():
                    try:
                        connection.drain_events(timeout=0.2)
                    except TimeoutError:
                        continue

    def _arrived(self, body: object, message: Message) -> None:
        arrived = time.perf_counter()
        message.ack()
        if not isinstance(body, dict) or "declaration_number" not in body:
            return  # not a declaration's (the queue takes declaration.# only; anything else is not counted)
        self.at.setdefault(str(body["declaration_number"]), arrived)
        if len(self.at) >= self.expected:
            self.done.set()
