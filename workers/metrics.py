"""Prometheus metrics of the worker (`assigner worker --metrics-port`): outcomes, batches, dead letters, lag.

Counters and histograms are updated by the consumers as they go; the gauges read from the broker and
the database (queue depths, held declarations) are refreshed by a thread of their own every few seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from datetime import timedelta
from pathlib import Path

import structlog
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Metric,
    disable_created_metrics,
    start_http_server,
)
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from assigner.bootstrap import Runtime
from assigner.domain.decisions import Decision
from assigner.domain.errors import InvalidInput, first_line
from assigner.ops.probes import DEAD_LETTERS, QUEUES, queue_stats

log = structlog.get_logger("assigner.worker")
REFRESH_SECONDS = 10.0
disable_created_metrics()  # the *_created series say when the process started counting: noise here

DECLARATIONS = Counter(
    "assigner_declarations", "Declarations processed, by outcome and unit.", ["outcome", "customs_office", "department"]
)
COMMANDS = Counter("assigner_commands", "Supervisor commands processed, by outcome.", ["outcome"])
DEAD_LETTERED = Counter("assigner_dead_letters", "Messages this worker dead-lettered, by queue.", ["queue"])
BATCH_SIZE = Histogram(
    "assigner_batch_size",
    "Messages per batch, by queue.",
    ["queue"],
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000),
)
BATCH_SECONDS = Histogram(
    "assigner_batch_seconds",
    "Time to handle a batch (transaction, confirms, acks), by queue.",
    ["queue"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
# Fine in milliseconds: `assigner bench compare` reads each phase's p99 from these buckets.
PHASE_BUCKETS = tuple(
    ms / 1000 for ms in (0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 250, 500, 1000, 2500)
)
BATCH_PHASE_SECONDS = Histogram(
    "assigner_batch_phase_seconds",
    "Time a batch spends in each phase, by queue: wait (collecting it, from its first message delivered), decide "
    "(reading it and the transactions, which record the last batch's confirms), publish (events and dead letters "
    "confirmed, a dead letter's confirm recorded), ack.",
    ["queue", "phase"],
    buckets=PHASE_BUCKETS,
)
LAST_BATCH = Gauge(
    "assigner_last_batch_timestamp_seconds",
    "When this worker last handled a batch, by queue.",
    ["queue"],
    multiprocess_mode="max",  # the latest of a supervisor's children
)
LAG = Gauge(
    "assigner_consumer_lag_messages",
    "Messages not yet processed in a consumed queue: ready, and unacknowledged where the management API tells.",
    ["queue"],
)
DEAD_LETTERS_WAITING = Gauge("assigner_dead_letters_waiting", "Messages in a dead-letter queue.", ["queue"])
HELD = Gauge("assigner_held_declarations", "Declarations held now, by unit.", ["customs_office", "department"])
OVERDUE = Gauge(
    "assigner_overdue_declarations",
    "Open declarations (assigned or held) past their legal due time now, by unit.",
    ["customs_office", "department"],
)
WATCH_FAILURES = Counter(
    "assigner_overdue_watch_failures", "Looks for overdue declarations that failed (logged; tried again)."
)
BY_HAND_SHARE = Gauge(
    "assigner_by_hand_share",
    "Of the declarations for the rotation registered in the last 7 days, the share a supervisor reassigned by hand, "
    "by unit.",
    ["customs_office", "department"],
)
ROTATION_WEEK = Gauge(
    "assigner_rotation_declarations_7d",
    "Declarations for the rotation registered in the last 7 days, by unit (what the by-hand share is of).",
    ["customs_office", "department"],
)
BY_HAND_BASELINE = Gauge("assigner_by_hand_baseline", "The share by hand a unit is held to (by_hand_baseline).")
BROKER_UP = Gauge("assigner_broker_up", "1 when the last refresh reached the broker.")
DATABASE_UP = Gauge("assigner_database_up", "1 when the last refresh reached the database.")


# Read from the broker and the database by one thread (the supervisor's, when the worker has children).
REFRESHED = (
    LAG,
    DEAD_LETTERS_WAITING,
    HELD,
    OVERDUE,
    BY_HAND_SHARE,
    ROTATION_WEEK,
    BY_HAND_BASELINE,
    BROKER_UP,
    DATABASE_UP,
)
BY_HAND_WINDOW = timedelta(days=7)
BY_HAND_EVERY_SECONDS = 300.0  # a week of declarations counted: not at every refresh
_by_hand_counted = [float("-inf")]  # when the by-hand gauges were last counted (time.monotonic())


def observe_batch(queue: str, size: int, seconds: float, finished_at: float) -> None:
    """One batch handled."""
    BATCH_SIZE.labels(queue).observe(size)
    BATCH_SECONDS.labels(queue).observe(seconds)
    LAST_BATCH.labels(queue).set(finished_at)


class BatchPhases:
    """The phases of one queue's batches, labelled once: `start()`, then `lap(phase)` observes the time since the
    start or the last lap; `observe` a phase timed elsewhere. A few clock reads per batch, none per message."""

    def __init__(self, queue: str, phases: Sequence[str]) -> None:
        self._series = {phase: BATCH_PHASE_SECONDS.labels(queue, phase) for phase in phases}
        self._since = time.perf_counter()

    def start(self) -> None:
        """A batch's first phase begins now."""
        self._since = time.perf_counter()

    def lap(self, phase: str) -> None:
        """`phase` ended now; the next begins."""
        now = time.perf_counter()
        self._series[phase].observe(now - self._since)
        self._since = now

    def observe(self, phase: str, seconds: float) -> None:
        """A phase timed by the caller."""
        self._series[phase].observe(seconds)


def count_decisions(decisions: Sequence[Decision]) -> None:
    """One per outcome and unit (a held declaration released and assigned counts as assigned)."""
    for decision in decisions:
        unit = decision.unit
        DECLARATIONS.labels(decision.outcome.value, unit.customs_office, unit.department).inc()


def serve(
    runtime: Runtime, port: int, address: str, stopping: threading.Event, registry: CollectorRegistry = REGISTRY
) -> threading.Thread:
    """Serve `registry` (this process's metrics by default) at /metrics on `port`, and start the thread refreshing
    the broker and database gauges."""
    try:
        start_http_server(port, addr=address, registry=registry)
    except OSError as error:  # taken, or not ours to bind: said in one line
        raise InvalidInput(f"metrics port {address}:{port}: {error.strerror or error}") from error
    log.info("metrics.serving", port=port, address=address)
    thread = threading.Thread(target=_refresh_until, args=(runtime, stopping), name="assigner-metrics", daemon=True)
    thread.start()
    return thread


def serve_children(
    runtime: Runtime, port: int, address: str, folder: Path, stopping: threading.Event
) -> threading.Thread:
    """A supervisor's /metrics on `port`: its children's counters, histograms and batch times summed from the
    files they write in `folder` (prometheus_client's multiprocess mode), and the gauges it refreshes itself."""
    registry = CollectorRegistry(auto_describe=True)
    registry.register(_ChildrenAndRefreshed(folder))
    return serve(runtime, port, address, stopping, registry)


class _ChildrenAndRefreshed(Collector):
    """What the children counted, less the refreshed gauges (a child never refreshes them), and those."""

    def __init__(self, folder: Path) -> None:
        self.children = MultiProcessCollector(None, path=str(folder))
        self.refreshed_names = {metric.name for gauge in REFRESHED for metric in gauge.describe()}

    def collect(self) -> Iterable[Metric]:
        for metric in self.children.collect():
            if metric.name not in self.refreshed_names:
                yield metric
        for gauge in REFRESHED:
            yield from gauge.collect()


def _refresh_until(runtime: Runtime, stopping: threading.Event) -> None:
    while not stopping.is_set():
        refresh(runtime)
        stopping.wait(REFRESH_SECONDS)


def refresh(runtime: Runtime) -> None:
    """Read the queue depths and the held declarations into their gauges; a failure sets the *_up gauge to 0."""
    stats, broker = queue_stats(runtime)
    BROKER_UP.set(1 if broker.ok else 0)
    for queue in QUEUES:
        if queue in stats:
            LAG.labels(queue).set(stats[queue].waiting)
    for queue in DEAD_LETTERS:
        if queue in stats:
            DEAD_LETTERS_WAITING.labels(queue).set(stats[queue].waiting)
    try:
        now = runtime.clock()
        with runtime.unit_of_work() as uow:
            held = uow.reports.held_now()
            overdue = uow.reports.overdue_now(now)
            by_hand = None
            if time.monotonic() - _by_hand_counted[0] >= BY_HAND_EVERY_SECONDS:
                by_hand = uow.reports.by_hand_shares(now - BY_HAND_WINDOW, now)
                _by_hand_counted[0] = time.monotonic()
    except Exception as error:  # the consumers wait the outage out and log it; the gauge says it
        DATABASE_UP.set(0)
        log.debug("metrics.database_unavailable", error=first_line(error))
        return
    DATABASE_UP.set(1)
    HELD.clear()
    for unit, count in held.items():
        HELD.labels(unit.customs_office, unit.department).set(count)
    OVERDUE.clear()
    for unit, count in overdue.items():
        OVERDUE.labels(unit.customs_office, unit.department).set(count)
    BY_HAND_BASELINE.set(runtime.policy.by_hand_baseline)
    if by_hand is None:
        return
    BY_HAND_SHARE.clear()
    ROTATION_WEEK.clear()
    for unit, (rotation, manual) in by_hand.items():
        ROTATION_WEEK.labels(unit.customs_office, unit.department).set(rotation)
        BY_HAND_SHARE.labels(unit.customs_office, unit.department).set(manual / rotation if rotation else 0.0)
