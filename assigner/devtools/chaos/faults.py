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
from assigner.devtools.chaos.cluster import ChaosFailed, Worker, run_command
from assigner.devtools.chaos.record import decision_times, first_decision_after, first_decision_for
from assigner.devtools.chaos.testbed import Testbed

RESUME_TIMEOUT_SECONDS = 120.0
POLL_SECONDS = 0.1
CLUSTER_KINDS = ("leader", "node", "failover")
RESUME_SAMPLE = 500  # the declarations sent after a strike that are looked for (a second of the stream)


@dataclass
class Fault:
    """One fault: what, when (due at a share of the planned stream), and what was measured."""

    kind: str  # "kill", "broker", "database", "commands"; on a cluster "leader", "node" or "failover"
    at_share: float
    target: int = 0  # the worker killed
    node: str = ""  # the RabbitMQ node struck
    started: float | None = None  # time.time()
    at_message: int | None = None  # how many messages the upstream had published when it started
    back: float | None = None  # the worker restarted, the service answering again
    resumed_after: float | None = None  # seconds from `back` (on a cluster: from the strike) until work resumed
    longest_pause: float | None = None  # the longest time without a decision from the strike until it was over

    @property
    def name(self) -> str:
        """How the report names it."""
        return {
            "kill": f"SIGKILL worker {self.target}",
            "broker": "restart RabbitMQ",
            "database": "restart PostgreSQL",
            "commands": "supervisor commands burst",
            "leader": f"stop_app the declarations queue's leader, {self.node}",
            "node": f"SIGKILL RabbitMQ node {self.node}, the declarations queue's leader",
            "failover": "PostgreSQL failover: primary stopped (immediate), standby promoted",
        }[self.kind]

    @property
    def on_cluster(self) -> bool:
        """Whether the clients carry on elsewhere while it lasts (work resumed is counted from the strike)."""
        return self.kind in CLUSTER_KINDS


def schedule(
    kills: int, broker_restarts: int, database_restarts: int, workers: int, cluster: bool = False
) -> list[Fault]:
    """The faults spread over the stream from 15 % to 85 %, their kinds taken in turn; the burst at 43 %. On a
    cluster the broker's faults are, in turn, a stop_app of the declarations queue's leader and a SIGKILL of
    the node leading it then, and the database's a failover to the standby."""
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
    if cluster:
        for number, fault in enumerate(f for f in faults if f.kind == "broker"):
            fault.kind = "leader" if number % 2 == 0 else "node"
        for fault in faults:
            fault.kind = "failover" if fault.kind == "database" else fault.kind
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
    testbed: Testbed | None = None  # a cluster run's cluster and database pair, and on it:
    handed: Callable[[], int] | None = None  # how many messages the upstream had handed to the broker
    keys_from: Callable[[int], list[str]] | None = None  # the declarations first sent in the next RESUME_SAMPLE


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
    if fault.on_cluster:
        _strike_cluster(fault, services)
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
    _measure_pause(fault, services.engine)


def _measure_pause(fault: Fault, engine: Engine) -> None:
    """The longest time without any decision stored, from the fault's start until work had resumed (and the
    fault was over): the dead time the fault caused, whatever the clients did meanwhile."""
    if fault.started is None or fault.back is None or fault.resumed_after is None:
        return
    fault.longest_pause = longest_pause(
        engine, fault.started, fault.back + (0.0 if fault.on_cluster else fault.resumed_after)
    )


def longest_pause(engine: Engine, since: float, until: float) -> float:
    """The longest time between two decisions stored (or the window's ends) from `since` until `until`."""
    moments = [since, *decision_times(engine, since, until), until]
    return max(later - earlier for earlier, later in zip(moments, moments[1:]))


def _strike_cluster(fault: Fault, services: Services) -> None:
    """Strike the cluster; work resumed once a declaration the upstream sent after the strike was decided: while
    the node is still away (the clients went to the others), or on the promoted standby."""
    testbed, handed_now, keys_from = services.testbed, services.handed, services.keys_from
    if testbed is None or handed_now is None or keys_from is None:
        raise ChaosFailed(f"{fault.name} needs a cluster run (--cluster)")
    node = None if fault.kind == "failover" else testbed.rabbit.leader(topology.DECLARATIONS, testbed.vhost)
    fault.node = "" if node is None else node.name
    fault.started, handed = time.time(), handed_now()  # the strike itself, after the leader was looked up
    struck = fault.started

    def resumed() -> float | None:
        return first_decision_for(services.engine, keys_from(handed), struck)

    if node is None:
        testbed.pair.crash_primary()
        testbed.pair.promote_standby()
        fault.resumed_after = _until(resumed, struck)
    elif fault.kind == "leader":
        node.ctl("stop_app")
        fault.resumed_after = _until(resumed, struck)
        node.ctl("start_app")
    else:
        node.kill()
        fault.resumed_after = _until(resumed, struck)
        node.start()  # it rejoins the cluster; its replicas catch up
    fault.back = time.time()
    _measure_pause(fault, services.engine)


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
