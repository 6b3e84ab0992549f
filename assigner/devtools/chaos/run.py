"""One chaos run: workers, downstream consumers and the upstream on a world of their own, the faults while
the stream flows, the drain, then the checks."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assigner.broker import topology
from assigner.broker.connection import connect, ensure_reached
from assigner.broker.partitions import partition_queues
from assigner.devtools.chaos import verdict
from assigner.devtools.chaos.cluster import ChaosFailed, Worker, worker_env
from assigner.devtools.chaos.downstream import Downstream, downstream_queue
from assigner.devtools.chaos.faults import (
    RESUME_SAMPLE,
    RESUME_TIMEOUT_SECONDS,
    Fault,
    Pace,
    Services,
    carry_out,
    longest_pause,
    run_faults,
    schedule,
    work_resumed,
)
from assigner.devtools.chaos.letters import DEAD_LETTER_QUEUES, read_dead_letters
from assigner.devtools.chaos.plan import BOUND_OFFICES, Plan, make_plan
from assigner.devtools.chaos.record import read_record, stored_counts
from assigner.devtools.chaos.setup import World, chaos_world, prepare_database
from assigner.devtools.chaos.stream import Stream, Tail
from assigner.devtools.chaos.supervisors import Sent, send_burst
from assigner.devtools.chaos.testbed import NODES, Testbed, cluster_world
from assigner.devtools.chaos.upstream import Upstream
from assigner.domain.errors import error_line
from assigner.services.audit import verify_audit
from assigner.settings import Settings

RESTART_RABBITMQ = (
    "rabbitmqctl -q shutdown && rabbitmq-server -detached && "
    "until rabbitmqctl -q await_startup >/dev/null 2>&1; do sleep 0.5; done"
)
RESTART_POSTGRESQL = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main restart"
START_TIMEOUT_SECONDS = 90.0
AFTER_STOP_SECONDS = 15.0  # for events stored while the workers stopped to reach the downstream queues
QUIET_SECONDS = 3.0  # the drain is over once nothing changed for this long with everything in
PART_SECONDS = 2.0  # past the planned stream, it goes on in parts of this many seconds at the offered rate
FAULT_JOIN_SECONDS = 300.0  # a fault's longest: waiting RESUME_TIMEOUT_SECONDS, then bringing a server back
WARM_UP_SECONDS = 5.0  # the stream's first seconds (workers' first batches) are not its usual pace
SPACING_SECONDS = 1.0  # at least this much of the stream flows between the end of a fault and the next one


@dataclass(frozen=True)
class Options:
    """What a chaos run does; the defaults are `assigner chaos`'s."""

    count: int = 50_000  # valid declarations planned: the stream goes on while the faults need work
    rate: float = 500.0
    workers: int = 4
    kills: int = 3
    broker_restarts: int = 1
    database_restarts: int = 1
    queue_type: str = "classic"
    rabbitmq: str = "amqp://guest:guest@127.0.0.1:5672/"
    postgres: str = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    restart_rabbitmq: str = RESTART_RABBITMQ
    restart_postgresql: str = RESTART_POSTGRESQL
    drain_timeout: float = 300.0
    seed: int = 12
    cluster: bool = False  # a RabbitMQ cluster and a PostgreSQL pair of the run's own instead of this machine's
    synchronous: bool = True  # the pair's standby: synchronous, or asynchronous (a measurement of what it loses)
    partitions: int = 0  # the workers' declaration_partitions


@dataclass
class Report:
    """The checks, the faults with their recoveries, and the figures of a run."""

    verdicts: list[verdict.Verdict] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return bool(self.verdicts) and all(v.ok for v in self.verdicts)


def run_chaos(options: Options, say: Callable[[str], None]) -> Report:
    """Run it all; the world is removed afterwards, the workers' logs kept only if a check failed."""
    folder = Path(tempfile.mkdtemp(prefix="assigner-chaos-"))
    with ExitStack() as stack:
        testbed = None
        if options.cluster:
            world, testbed = stack.enter_context(cluster_world(options.synchronous, say, folder))
        else:
            world = stack.enter_context(chaos_world(options.rabbitmq, options.postgres))
        try:
            report = _run(options, world, folder, say, testbed)
        except ChaosFailed as error:
            raise ChaosFailed(f"{error} (the workers' logs: {folder})") from error
    report.figures["logs"] = str(folder) if not report.ok else "removed (every check passed)"
    if report.ok:
        shutil.rmtree(folder, ignore_errors=True)
    return report


def _run(options: Options, world: World, folder: Path, say: Callable[[str], None], testbed: Testbed | None) -> Report:
    runtime = prepare_database(world)
    settings = Settings(
        broker_url=world.broker_url,
        database_url=world.database_url,
        queue_type=options.queue_type,
        declaration_partitions=options.partitions,
    )
    planned = make_plan(options.count, options.seed)
    stopping = threading.Event()
    listening = threading.Event()  # set once the workers stopped and what they stored meanwhile was received
    downstream = _downstream(settings, listening)
    workers = [
        Worker(
            number,
            worker_env(
                world.database_url,
                world.worker_broker_url(number),
                folder / "home",
                options.queue_type,
                options.partitions,
            ),
            folder,
        )
        for number in range(1, options.workers + 1)
    ]
    sent: list[Sent] = []
    supervisor = Settings(broker_url=world.supervisor_url, database_url=world.database_url)
    faults = schedule(
        options.kills, options.broker_restarts, options.database_restarts, options.workers, options.cluster
    )
    tail = Tail(lambda since: work_resumed(runtime.engine, since))
    stream = Stream(planned, options.seed, max(100, round(options.rate * PART_SECONDS)), tail.goes_on)
    upstream = Upstream(settings, planned.messages, options.rate, stopping, stream.more)
    services = Services(
        workers,
        options.restart_rabbitmq,
        options.restart_postgresql,
        runtime.engine,
        lambda: sent.extend(send_burst(supervisor, world.supervisor, runtime.engine, planned)),
        testbed,
        lambda: upstream.published.handed,
        lambda handed: [m.declaration_key for m in upstream.messages[handed : handed + RESUME_SAMPLE] if m.first],
    )
    pace = Pace(len(planned.messages), round(options.rate * SPACING_SECONDS))
    started = time.time()
    failures: list[str] = []
    fault_thread: threading.Thread | None = None
    try:
        _start(workers, say)
        say(
            f"publishing {len(planned.messages):,} messages at {options.rate:,.0f}/s to {options.workers} workers, "
            "and more until the faults are over and work was seen after them"
        )
        upstream.start()

        def strike() -> None:
            try:
                run_faults(
                    faults,
                    lambda fault: carry_out(fault, services),
                    lambda: upstream.published.confirmed,
                    pace,
                    stopping,
                )
            except Exception as error:  # a fault that could not be carried out ends them: a check says why
                failures.append(error_line(error))
            finally:
                tail.faults_over()

        fault_thread = threading.Thread(target=strike, name="chaos-faults", daemon=True)
        fault_thread.start()
        _wait_for(
            lambda: upstream.published.done.is_set() and not fault_thread.is_alive(),
            len(planned.messages) / options.rate + options.drain_timeout + RESUME_TIMEOUT_SECONDS * (len(faults) + 1),
            "the stream and its faults",
        )
        published_at = time.time()
        plan = stream.whole()
        say(
            f"published {len(plan.messages):,} messages ({len(plan.messages) - len(planned.messages):,} past the "
            "planned stream, while the faults went on); draining"
        )
        drained = _drain(settings, runtime.engine, downstream, sent, plan, options.drain_timeout)
        drained_at = time.time()
    finally:
        stopping.set()
        if fault_thread is not None:  # a fault under way ends before the servers it acts on are removed
            fault_thread.join(FAULT_JOIN_SECONDS)
        try:
            exits = [worker.stop() for worker in workers]
            # A worker stopping may still flag a declaration overdue and publish its event: heard before the end.
            _until_received(runtime.engine, downstream["#"], AFTER_STOP_SECONDS)
        finally:
            listening.set()
    for thread in downstream.values():
        thread.join(5)
    record = read_record(runtime.engine)
    audit = verify_audit(runtime.unit_of_work())
    everything = downstream["#"].received.events
    by_office = {office: downstream[office].received.events for office in BOUND_OFFICES}
    letters = read_dead_letters(settings)
    report = Report(faults=faults)
    report.verdicts = [
        *verdict.stored_and_decided(plan, record),
        verdict.nothing_else_stored(plan, record, sent),
        *verdict.rotation(record),
        *verdict.events(record, everything, by_office),
        verdict.dead_letters(plan, letters, faults),
        verdict.commands(sent, everything, record),
        verdict.Verdict(
            "audit verify",
            audit.ok,
            f"{audit.entries:,} entries chained, {audit.turns:,} turns "
            f"re-derived" + ("" if audit.ok else f"; FAILED at entry {audit.failed_seq}: {audit.problem}"),
        ),
        verdict.Verdict(
            "every fault carried out",
            not failures,
            "; ".join(failures) or f"{len([f for f in faults if f.back is not None])} of {len(faults)}",
        ),
        verdict.Verdict(
            "recovered from every fault",
            all(f.resumed_after is not None for f in faults if f.kind != "commands"),
            "; ".join(f"{f.name}: {_seconds(f.resumed_after)}" for f in faults if f.kind != "commands"),
        ),
        verdict.Verdict(
            "work after the last fault",
            tail.resumed_after is not None,
            f"the stream went on until a decision was stored after the faults were over: "
            f"{_seconds(tail.resumed_after)} after",
        ),
        verdict.Verdict(
            "drained",
            drained,
            "every message processed, every event received"
            if drained
            else f"not drained within {options.drain_timeout:.0f} s",
        ),
        verdict.Verdict("workers stopped cleanly", all(code == 0 for code in exits), f"exit codes {exits}"),
        verdict.Verdict(
            "the broker took the whole stream",
            not upstream.published.gave_up,
            "every message confirmed"
            if not upstream.published.gave_up
            else "the broker kept refusing a chunk (a message it cannot take): the stream was cut short",
        ),
    ]
    if testbed is not None:
        report.verdicts += verdict.cluster(testbed, options.synchronous, record, everything)
    report.figures = _figures(options, planned, plan, upstream, everything, letters, started, published_at, drained_at)
    first = min((f.started for f in faults if f.started is not None), default=None)
    if first is not None and first > started + WARM_UP_SECONDS:
        # what a fault's longest pause compares with: the stream's own, from its start to the first fault
        report.figures["longest pause in decisions before the first fault (s)"] = round(
            longest_pause(runtime.engine, started + WARM_UP_SECONDS, first), 2
        )
    return report


def _downstream(settings: Settings, stopping: threading.Event) -> dict[str, Downstream]:
    """The `#` queue and one per bound office, declared before anything is published, then consumed."""
    suffix = f"chaos.{time.time_ns()}"
    queues = {"#": downstream_queue(f"{suffix}.all", "#", settings.queue_type)}
    for office in BOUND_OFFICES:
        queues[office] = downstream_queue(f"{suffix}.{office}", f"declaration.*.{office}.*", settings.queue_type)
    with connect(settings) as connection:
        ensure_reached(connection)
        topology.declare(connection, settings.queue_type)
    consumers = {name: Downstream(settings, queue, stopping) for name, queue in queues.items()}
    for consumer in consumers.values():
        consumer.declare()
        consumer.start()
    return consumers


def _start(workers: list[Worker], say: Callable[[str], None]) -> None:
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not all(worker.logged("worker.consuming", topology.DECLARATIONS) for worker in workers):
        if time.monotonic() > deadline or not all(worker.running() for worker in workers):
            raise ChaosFailed(f"the workers did not all start consuming; see their logs in {workers[0].log.parent}")
        time.sleep(0.2)
    say(f"{len(workers)} workers consuming")


def _drain(
    settings: Settings, engine: Any, downstream: dict[str, Downstream], sent: list[Sent], plan: Plan, timeout: float
) -> bool:
    """Wait until every declaration is stored, every poison dead-lettered, every stored event received, every
    command answered and nothing is ready in the queue, and it stayed so for QUIET_SECONDS."""
    deadline = time.monotonic() + timeout
    last: Drain | None = None
    quiet_since = time.monotonic()
    while time.monotonic() < deadline:
        state = _drain_state(settings, engine, downstream, sent)
        if state != last:
            last, quiet_since = state, time.monotonic()
        if state.done(plan) and time.monotonic() - quiet_since >= QUIET_SECONDS:
            return True
        time.sleep(0.5)
    return False


@dataclass(frozen=True)
class Drain:
    """Where the drain stands: ready messages (AMQP, as of now), what is stored, dead-lettered and received."""

    ready: int = 1
    declarations: int = 0
    events_stored: int = 0
    events_received: int = 0
    dead_letters: tuple[int, ...] = (0, 0)  # in each of DEAD_LETTER_QUEUES
    unanswered: int = 1

    def done(self, plan: Plan) -> bool:
        """Everything in: nothing ready, every declaration stored, poison dead-lettered, events received."""
        expected = plan.dead_letters_expected()
        lettered = all(count >= expected[queue] for queue, count in zip(DEAD_LETTER_QUEUES, self.dead_letters))
        return (
            not self.ready
            and self.declarations >= len(plan.expected)
            and lettered
            and self.events_received >= self.events_stored
            and not self.unanswered
        )


def _drain_state(settings: Settings, engine: Any, downstream: dict[str, Downstream], sent: list[Sent]) -> Drain:
    try:
        with connect(settings) as connection:
            ensure_reached(connection)
            queues = (topology.DECLARATIONS, topology.COMMANDS, *partition_queues(settings))
            ready = sum(topology.depth(connection, queue) for queue in queues)
            letters = tuple(topology.depth(connection, queue) for queue in DEAD_LETTER_QUEUES)
        declarations, stored = stored_counts(engine)
    except Exception:  # a server still coming back: not drained yet
        return Drain()
    received = downstream["#"].received
    answered = {str(e.get("command_id")) for e in received.events if str(e.get("event", "")).startswith("command.")}
    unanswered = sum(1 for command in sent if command.command_id not in answered)
    return Drain(ready, declarations, stored, len(received.ids()), letters, unanswered)


def _until_received(engine: Any, everything: Downstream, seconds: float) -> None:
    """Wait (up to `seconds`) until the `#` queue's consumer received as many events as are stored."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            _, stored = stored_counts(engine)
        except Exception:  # the database is being rebuilt or gone: the checks will say what is missing
            return
        if len(everything.received.ids()) >= stored:
            return
        time.sleep(0.2)


def _wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise ChaosFailed(f"{what} did not finish within {seconds:.0f} s")
        time.sleep(0.2)


def _figures(
    options: Options,
    planned: Plan,
    plan: Plan,
    upstream: Upstream,
    everything: list[dict[str, Any]],
    letters: list[verdict.Letter],
    started: float,
    published_at: float,
    drained_at: float,
) -> dict[str, Any]:
    kinds = [m.kind for m in plan.messages]
    standby = "synchronous" if options.synchronous else "asynchronous"
    where = (
        f"{NODES} RabbitMQ nodes; PostgreSQL primary and {standby} standby"
        if options.cluster
        else "this machine's RabbitMQ node and PostgreSQL server"
    )
    return {
        "servers": where,
        "queue type": options.queue_type,
        "workers": options.workers,
        "declaration partitions": options.partitions,
        "messages published": len(plan.messages),
        "of them past the planned stream, while the faults went on": len(plan.messages) - len(planned.messages),
        "valid declarations": len(plan.expected),
        "amendments": kinds.count("amendment"),
        "re-sent by the plan": kinds.count("resend"),
        "poison": len(plan.poison),
        "kinds of poison": len(set(plan.poison.values())),
        "sent again by the upstream after a fault": upstream.published.sent_again,
        "offered rate (/s)": options.rate,
        "publishing (s)": round(published_at - started, 1),
        "drained after publishing (s)": round(drained_at - published_at, 1),
        "throughput, start to drained (declarations/s)": round(len(plan.expected) / (drained_at - started)),
        "events received on #": len(everything),
        "dead letters": len(letters),
    }


def _seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} s"
