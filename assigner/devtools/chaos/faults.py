"""The faults of a chaos run, each at a share of the planned stream, one after another with work between
them, and how long work took to resume after each."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine

from assigner.broker import topology
from assigner.devtools.chaos.cluster import Worker, run_command
from assigner.devtools.chaos.record import first_decision_after

RESUME_TIMEOUT_SECONDS = 120.0
POLL_SECONDS = 0.1


@dataclass
class Fault:
    """One fault: what, when (due at a share of the planned stream), and what was measured."""

    kind: str  # "kill", "broker", "database" or "commands"
    at_share: float
    target: int = 0  # the worker killed
    started: float | None = None  # time.time()
    at_message: int | None = None  # how many messages the upstream had published when it started
    back: float | None = None  # the worker restarted, the service answering again
    resumed_after: float | None = None  # seconds from `back` until work resumed

    @property
    def name(self) -> str:
        """How the report names it."""
        return {
            "kill": f"SIGKILL worker {self.target}",
            "broker": "restart RabbitMQ",
            "database": "restart PostgreSQL",
            "commands": "supervisor commands burst",
        }[self.kind]


def schedule(kills: int, broker_restarts: int, database_restarts: int, workers: int) -> list[Fault]:
    """The faults spread over the stream from 15 % to 85 %, their kinds taken in turn; the burst at 43 %."""
    left = {"kill": kills, "broker": broker_restarts, "database": database_restarts}
    order: list[str] = []
    while any(left.values()):
        for kind in left:
            if left[kind]:
                order.append(kind)
                left[kind] -= 1
    faults = [Fault(kind, 0.15 + 0.7 * (index + 0.5) / len(order)) for index, kind in enumerate(order)]
    for number, fault in enumerate(f for f in faults if f.kind == "kill"):
        fault.target = number % workers + 1
    faults.append(Fault("commands", 0.43))
    return sorted(faults, key=lambda fault: fault.at_share)


@dataclass
class Services:
    """What faults act on: the workers, the restart commands, the database to watch, the burst to send."""

    workers: list[Worker]
    restart_broker: str
    restart_database: str
    engine: Engine
    send_commands: Callable[[], None]


@dataclass(frozen=True)
class Pace:
    """When faults may strike: at their share of the `planned` messages, and each only once `spacing` more
    messages were published after the one before it was over (so that work flows between faults)."""

    planned: int
    spacing: int


def run_faults(
    faults: list[Fault],
    carry_out: Callable[[Fault], None],
    published: Callable[[], int],
    pace: Pace,
    stopping: threading.Event,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
) -> None:
    """Carry out each fault (which returns once it is over) when `published()` reaches its due count."""
    earliest = 0
    for fault in faults:
        due = max(round(fault.at_share * pace.planned), earliest)
        while published() < due and not stopping.is_set():
            sleep(POLL_SECONDS)
        if stopping.is_set():
            return
        fault.started, fault.at_message = clock(), published()
        carry_out(fault)
        earliest = published() + pace.spacing


def carry_out(fault: Fault, services: Services) -> None:
    """Strike, bring back, and measure how long until work resumed (the burst: send it)."""
    if fault.kind == "commands":
        services.send_commands()
        fault.back = time.time()
        return
    if fault.kind == "kill":
        worker = services.workers[fault.target - 1]
        worker.kill()
        worker.start()
        fault.back = time.time()
        fault.resumed_after = _until(lambda: _consuming_since(worker, fault.back or 0.0), fault.back)
        return
    fault.back = run_command(services.restart_broker if fault.kind == "broker" else services.restart_database)
    back = fault.back
    fault.resumed_after = _until(lambda: work_resumed(services.engine, back), back)


def work_resumed(engine: Engine, since: float) -> float | None:
    """When (time.time()) the first decision after `since` was stored; None if none was yet."""
    moment = first_decision_after(engine, datetime.fromtimestamp(since, UTC))
    return None if moment is None else moment.timestamp()


def _consuming_since(worker: Worker, moment: float) -> float | None:
    """When the worker logged `worker.consuming` on the declarations queue after `moment`."""
    times = [t.timestamp() for t in worker.logged("worker.consuming", topology.DECLARATIONS) if t.timestamp() > moment]
    return min(times) if times else None


def _until(happened: Callable[[], float | None], since: float) -> float | None:
    """Seconds from `since` until `happened` returns a time (polled); None if it never does in time."""
    deadline = time.monotonic() + RESUME_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            moment = happened()
        except Exception:  # the database is still coming back
            moment = None
        if moment is not None:
            return max(0.0, moment - since)
        time.sleep(0.1)
    return None
