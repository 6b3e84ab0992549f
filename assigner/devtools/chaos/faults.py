"""The faults of a chaos run, each at a share of the stream published, and how long work took to resume."""

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


@dataclass
class Fault:
    """One fault: what, when (a share of the stream published), and what was measured."""

    kind: str  # "kill", "broker", "database" or "commands"
    at_share: float
    target: int = 0  # the worker killed
    started: float | None = None  # time.time()
    back: float | None = None  # the worker restarted, the service answering again
    resumed_after: float | None = None  # seconds from `back` until work resumed

    @property
    def name(self) -> str:
        """How the report names it."""
        return {"kill": f"SIGKILL worker {self.target}", "broker": "restart RabbitMQ",
                "database": "restart PostgreSQL", "commands": "supervisor commands burst"}[self.kind]


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


def run_faults(faults: list[Fault], services: Services, progress: Callable[[], float],
               stopping: threading.Event) -> None:
    """Carry out each fault once the stream's progress (0-1) reaches its share; measure each recovery."""
    for fault in faults:
        while progress() < fault.at_share and not stopping.is_set():
            time.sleep(0.1)
        if stopping.is_set():
            return
        fault.started = time.time()
        _carry_out(fault, services)


def _carry_out(fault: Fault, services: Services) -> None:
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
    moment = datetime.fromtimestamp(fault.back, UTC)
    fault.resumed_after = _until(lambda: _timestamp(first_decision_after(services.engine, moment)), fault.back)


def _consuming_since(worker: Worker, moment: float) -> float | None:
    """When the worker logged `worker.consuming` on the declarations queue after `moment`."""
    times = [t.timestamp() for t in worker.logged("worker.consuming", topology.DECLARATIONS) if t.timestamp() > moment]
    return min(times) if times else None


def _timestamp(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


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
