"""What the end-to-end tests drive and watch: a worker process, an upstream publisher, an events collector.

The worker runs as `python -m assigner worker`, exactly as deployed; the test talks to it only as other
systems do: plain AMQP (pika, not Celery or kombu) on RabbitMQ, its JSON log lines, and the database.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pika
from environment import service_missing
from integration.helpers import load_roster, roster
from pika.adapters.blocking_connection import BlockingChannel
from sqlalchemy import create_engine, select, text

from assigner.bootstrap import Runtime
from assigner.domain.model import Unit
from assigner.settings import Settings
from assigner.storage.tables import AssignmentRow, DeclarationRow

# The contract's names, written out: a rename in the code must break these tests (docs/contract.md).
DECLARATIONS = "assigner.declarations"
DECLARATIONS_DLQ = "assigner.declarations.dlq"
COMMANDS = "assigner.commands"
COMMANDS_DLQ = "assigner.commands.dlq"
EVENTS = "assigner.events"
ERROR_HEADER = "x-assigner-error"
QUEUES = (DECLARATIONS, DECLARATIONS_DLQ, COMMANDS, COMMANDS_DLQ)
# Where a worker forwards each declaration, by unit (declaration_partitions, 16 by default): its own queues.
PARTITIONS = tuple(f"assigner.declarations.partition.{number}" for number in range(16))
PARTITION_ARGUMENTS = {"x-single-active-consumer": True}

WORKER_COMMAND = (sys.executable, "-m", "assigner", "worker")
CLIENT_NAME = "assigner-e2e-client"  # the tests' own connections, which a simulated outage spares
START_TIMEOUT = 60.0  # liveness only: the worker starts in a few seconds
STOP_TIMEOUT = 60.0
LIVENESS_TIMEOUT = 120.0


# --- RabbitMQ -----------------------------------------------------------------------------------


def amqp_url(vhost: str, host: str = "127.0.0.1", port: int = 5672) -> str:
    """The guest user's URL for a vhost (its name percent-encoded)."""
    return f"amqp://guest:guest@{host}:{port}/{quote(vhost, safe='')}"


def rabbitmqctl(*args: str, check: bool = True) -> str:
    """Run `rabbitmqctl -q ARGS`; returns its output."""
    done = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True, timeout=60)
    if check and done.returncode != 0:
        raise subprocess.CalledProcessError(done.returncode, done.args, done.stdout, done.stderr)
    return done.stdout


@contextmanager
def guest_vhost(name: str) -> Iterator[str]:
    """A RabbitMQ vhost named `name`, guest allowed anything in it, deleted on exit; no RabbitMQ (or no
    rabbitmqctl) fails the test in CI and skips it elsewhere."""
    try:
        rabbitmqctl("add_vhost", name)
    except (OSError, subprocess.SubprocessError) as error:
        service_missing("RabbitMQ", error)
    try:
        rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
        yield name
    finally:
        rabbitmqctl("delete_vhost", name, check=False)


def passed_chaos_run(args: Sequence[str], timeout: float) -> tuple[dict[str, Any], str]:
    """Run `assigner chaos ARGS` (with --json among them), assert every check passed and it exited 0 (else say
    which failed, and where its logs are); its report, and what it said on standard error."""
    done = subprocess.run(
        [sys.executable, "-m", "assigner", "chaos", *args], capture_output=True, text=True, timeout=timeout
    )
    assert done.stdout, done.stderr[-3000:]
    report: dict[str, Any] = json.loads(done.stdout)
    failed = [check for check in report["checks"] if not check["ok"]]
    assert not failed, json.dumps(failed, indent=2) + f"\nlogs: {report['figures']['logs']}"
    assert done.returncode == 0
    return report, done.stderr


def ensure_services_running(timeout: float = 180.0) -> None:
    """Start PostgreSQL and RabbitMQ if a test left either stopped, and wait until both answer."""
    deadline = time.monotonic() + timeout
    if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], timeout=30).returncode != 0:
        versions = sorted(os.listdir("/etc/postgresql"))
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"], timeout=120)
    if subprocess.run(["rabbitmqctl", "-q", "status"], capture_output=True, timeout=60).returncode != 0:
        subprocess.run(["rabbitmq-server", "-detached"], timeout=60)
    while (
        subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], timeout=30).returncode != 0
        or subprocess.run(["rabbitmqctl", "-q", "await_startup"], capture_output=True, timeout=60).returncode != 0
    ):
        assert time.monotonic() < deadline, "PostgreSQL or RabbitMQ did not come back"
        time.sleep(1)


def close_connections_except_ours(vhost: str, reason: str = "e2e test: simulated outage") -> int:
    """Close every connection to `vhost` but the tests' own (the worker's); returns how many."""
    listing = rabbitmqctl("list_connections", "--no-table-headers", "pid", "vhost", "client_properties")
    closed = 0
    for line in listing.splitlines():
        pid, _, rest = line.partition("\t")
        connection_vhost, _, properties = rest.partition("\t")
        if connection_vhost != vhost or CLIENT_NAME in properties or not pid.startswith("<"):
            continue
        rabbitmqctl("close_connection", pid, reason, check=False)  # it may be gone already
        closed += 1
    return closed


def client(url: str) -> pika.BlockingConnection:
    """A pika connection named as the tests' own; no heartbeats (the test thread pumps it only now and then)."""
    parameters = pika.URLParameters(url)
    parameters.heartbeat = 0
    parameters.client_properties = {"connection_name": CLIENT_NAME}
    return pika.BlockingConnection(parameters)


def declare_topology(channel: BlockingChannel) -> None:
    """Declare the contract's queues and exchanges and the partitions with the worker's arguments (all durable,
    classic), the commands' exchange bound to their queue."""
    channel.exchange_declare(EVENTS, exchange_type="topic", durable=True)
    for name in QUEUES:
        channel.queue_declare(name, durable=True)
    for name in PARTITIONS:
        channel.queue_declare(name, durable=True, arguments=PARTITION_ARGUMENTS)
    channel.exchange_declare(COMMANDS, exchange_type="direct", durable=True)
    channel.queue_bind(COMMANDS, COMMANDS, routing_key=COMMANDS)


def purge_queues(channel: BlockingChannel) -> None:
    """Empty the contract's queues and the partitions, so a test never sees another's messages."""
    for name in QUEUES + PARTITIONS:
        channel.queue_purge(name)


def queue_depth(channel: BlockingChannel, name: str) -> int:
    """Messages ready in a queue (not those delivered and unacknowledged)."""
    return int(channel.queue_declare(name, durable=True, passive=True).method.message_count)


@dataclass(frozen=True)
class Delivered:
    """One message as a consumer received it."""

    routing_key: str
    properties: pika.BasicProperties
    body: bytes

    def payload(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)

    def header(self, name: str) -> Any:
        """A header's value, or None."""
        return (self.properties.headers or {}).get(name)


def take_messages(
    channel: BlockingChannel, queue: str, count: int, timeout: float = LIVENESS_TIMEOUT
) -> list[Delivered]:
    """Take (and acknowledge) `count` messages from a queue, waiting for them up to `timeout`."""
    taken: list[Delivered] = []
    deadline = time.monotonic() + timeout
    while len(taken) < count:
        method, properties, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"{queue}: {len(taken)} of {count} messages arrived within {timeout} s")
            channel.connection.sleep(0.1)
            continue
        taken.append(Delivered(method.routing_key, properties, body))
    return taken


def encode(message: Any) -> bytes:
    """A message body as an upstream writes it: JSON, UTF-8."""
    return json.dumps(message, ensure_ascii=False).encode("utf-8")


class Upstream:
    """An upstream system: publishes persistent declaration messages to the default exchange, confirmed."""

    def __init__(self, url: str) -> None:
        self.connection = client(url)
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()

    def send(
        self,
        message: Any,
        content_type: str | None = "application/json",
        headers: Mapping[str, Any] | None = None,
    ) -> None:
        """Publish one message; `message` is JSON-encoded unless it is bytes already."""
        body = message if isinstance(message, bytes) else encode(message)
        properties = pika.BasicProperties(
            content_type=content_type, delivery_mode=2, headers=dict(headers or {}) or None
        )
        self.channel.basic_publish("", DECLARATIONS, body, properties, mandatory=True)

    def send_all(self, messages: Iterable[Any]) -> None:
        """Publish messages in order."""
        for message in messages:
            self.send(message)

    def close(self) -> None:
        """Close the connection."""
        if self.connection.is_open:
            self.connection.close()


class EventCollector:
    """Everything published on `assigner.events`, through an exclusive queue bound with `#`: the audit chain's
    heads (audit.*) in `heads`, every other event in `received`."""

    def __init__(self, url: str) -> None:
        self.connection = client(url)
        self.channel = self.connection.channel()
        self.channel.exchange_declare(EVENTS, exchange_type="topic", durable=True)
        self.queue = self.channel.queue_declare("", exclusive=True).method.queue
        self.channel.queue_bind(self.queue, EVENTS, routing_key="#")
        self.channel.basic_consume(self.queue, self._received, auto_ack=True)
        self.received: list[Delivered] = []
        self.heads: list[Delivered] = []

    def _received(self, _channel: Any, method: Any, properties: pika.BasicProperties, body: bytes) -> None:
        got = Delivered(method.routing_key, properties, body)
        (self.heads if method.routing_key.startswith("audit.") else self.received).append(got)

    def pump(self, seconds: float = 0.0) -> None:
        """Take in what the broker has delivered, waiting up to `seconds`."""
        self.connection.process_data_events(time_limit=seconds)

    def wait_until(
        self,
        condition: Callable[[list[Delivered]], bool],
        what: str,
        timeout: float = LIVENESS_TIMEOUT,
        worker: WorkerProcess | None = None,
    ) -> list[Delivered]:
        """All events received once `condition` holds; fails after `timeout`, or at once if `worker` died."""
        deadline = time.monotonic() + timeout
        self.pump()
        while not condition(self.received):
            if worker is not None:
                worker.assert_running()
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} within {timeout} s; {len(self.received)} events received")
            self.pump(0.2)
        return list(self.received)

    def wait_for_count(self, count: int, **options: Any) -> list[Delivered]:
        """Events once at least `count` arrived."""
        return self.wait_until(lambda events: len(events) >= count, f"{count} events", **options)

    def wait_for_declarations(self, declaration_numbers: Iterable[str], **options: Any) -> list[Delivered]:
        """Events once every declaration named has at least one."""
        wanted = set(declaration_numbers)

        def every_one_has_an_event(events: list[Delivered]) -> bool:
            return wanted <= {event.payload().get("declaration_number") for event in events}

        return self.wait_until(every_one_has_an_event, f"event for each of {len(wanted)} declarations", **options)

    def close(self) -> None:
        """Close the connection (the exclusive queue goes with it)."""
        if self.connection.is_open:
            self.connection.close()


def events_by_declaration(events: Iterable[Delivered]) -> dict[str, list[dict[str, Any]]]:
    """Event bodies per declaration number, in arrival order."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        payload = event.payload()
        grouped[payload.get("declaration_number", "")].append(payload)
    return dict(grouped)


# --- The worker process ---------------------------------------------------------------------------


class WorkerProcess:
    """`python -m assigner worker` in its own session; its JSON log lines (stderr) go to a file."""

    def __init__(self, env: Mapping[str, str], log_path: Path, command: Sequence[str] = WORKER_COMMAND) -> None:
        self.env = process_env(env)
        self.log_path = log_path
        self.command = list(command)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = START_TIMEOUT) -> WorkerProcess:
        """Start the process and wait until it consumes (its `worker.consuming` line); returns self."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log, self.log_path.with_suffix(".out").open("wb") as out:
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=out, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True
            )
        self.wait_for_log("worker.consuming", timeout=timeout)
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None, "the worker was never started"
        return self.process.pid

    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process is not None and self.process.poll() is None

    def assert_running(self) -> None:
        """Fail, with the end of its log, if the process has exited."""
        if not self.running():
            code = self.process.returncode if self.process else None
            raise AssertionError(f"the worker exited (code {code}):\n{self.tail()}")

    def log_lines(self) -> list[dict[str, Any]]:
        """The JSON lines logged so far (Celery's own plain-text lines are skipped)."""
        lines = []
        for raw in self.log_path.read_text(errors="replace").splitlines():
            if raw.startswith("{"):
                try:
                    lines.append(json.loads(raw))
                except ValueError:
                    continue  # a line being written
        return lines

    def logged(self, event: str) -> list[dict[str, Any]]:
        """The JSON lines of one event name."""
        return [line for line in self.log_lines() if line.get("event") == event]

    def wait_for_log(self, event: str, count: int = 1, timeout: float = LIVENESS_TIMEOUT) -> list[dict[str, Any]]:
        """The lines of `event` once it was logged `count` times; fails if the process exits first."""
        deadline = time.monotonic() + timeout
        while len(found := self.logged(event)) < count:
            self.assert_running()
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"'{event}' logged {len(found)} of {count} times within {timeout} s:\n{self.tail()}"
                )
            time.sleep(0.1)
        return found

    def terminate(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM, as a service manager stops it; returns the exit code (fails if it does not exit in time)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"the worker did not stop within {timeout} s of SIGTERM:\n{self.tail()}") from None

    def kill(self) -> None:
        """SIGKILL: the process dies wherever it is."""
        if self.running():
            assert self.process is not None
            self.process.kill()
            self.process.wait(STOP_TIMEOUT)

    def stop(self, grace: float = 15.0) -> None:
        """Stop it however it takes: SIGTERM, then SIGKILL after `grace` seconds."""
        if not self.running():
            return
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            self.kill()

    def tail(self, lines: int = 30) -> str:
        """The end of its log, for failure messages."""
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def free_port() -> int:
    """A TCP port nobody listens on now, on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def process_env(settings: Mapping[str, str]) -> dict[str, str]:
    """A child process's environment: the test's own, except that only the ASSIGNER_* settings given configure
    it (those of the test's environment must not leak in)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("ASSIGNER_")}
    return {**inherited, **settings}


StartWorker = Callable[..., WorkerProcess]
"""The `start_worker` fixture: starts a worker (ASSIGNER_* settings as keywords) and returns it once consuming."""


def worker_env(database_url: str, home: Path, broker_url: str | None = None, **settings: Any) -> dict[str, str]:
    """The worker's environment: database, home, JSON logs, the broker if any, and ASSIGNER_<NAME> settings."""
    env = {
        "ASSIGNER_DATABASE_URL": database_url,
        "ASSIGNER_HOME": str(home),
        "ASSIGNER_LOG_FORMAT": "json",
        # The tests' declarations were registered in 2025: all overdue. Only the clock's own tests (which set
        # it) watch for that; the others count their events exactly.
        "ASSIGNER_OVERDUE_CHECK_SECONDS": "3600",
        # One process per worker: the tests count a worker's consumers, lines and names; the supervisor of
        # several (the default) has tests of its own (test_worker_supervisor.py), and the chaos runs use it.
        "ASSIGNER_WORKER_CONCURRENCY": "1",
    }
    if broker_url:
        env["ASSIGNER_BROKER_URL"] = broker_url
    env.update({f"ASSIGNER_{name.upper()}": str(value) for name, value in settings.items()})
    return env


# --- The database ---------------------------------------------------------------------------------


def import_rosters(database_url: str, home: Path, rosters: Mapping[Unit, Sequence[str]]) -> None:
    """Import each unit's checkers, in order, through the service (as `assigner roster import` does)."""
    runtime = Runtime(Settings(database_url=database_url, home=home)).ready()
    try:
        for unit, officers in rosters.items():
            load_roster(runtime, roster(unit, *officers))
    finally:
        runtime.engine.dispose()  # no connection of the test's may be left for an outage to cut


@dataclass(frozen=True)
class Assignment:
    """One row of the assignments table."""

    declaration_key: str
    unit: Unit
    officer_id: str
    mode: str
    turn: int | None


def assignments(database_url: str) -> list[Assignment]:
    """Every assignment, in id order."""
    engine = create_engine(database_url)
    query = select(
        AssignmentRow.declaration_key,
        AssignmentRow.customs_office,
        AssignmentRow.department,
        AssignmentRow.officer_id,
        AssignmentRow.mode,
        AssignmentRow.turn,
    ).order_by(AssignmentRow.id)
    try:
        with engine.connect() as connection:
            return [
                Assignment(key, Unit(office, dept), officer, mode, turn)
                for key, office, dept, officer, mode, turn in connection.execute(query)
            ]
    finally:
        engine.dispose()


def declarations_stored(database_url: str) -> int:
    """How many declarations the database holds."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return len(connection.execute(select(DeclarationRow.declaration_key)).all())
    finally:
        engine.dispose()


def assignments_per_declaration(rows: Iterable[Assignment]) -> Counter[str]:
    """How many assignments each declaration (first 11 digits) has."""
    return Counter(row.declaration_key for row in rows)


def turns_by_unit(rows: Iterable[Assignment]) -> dict[Unit, list[tuple[int, str]]]:
    """Each unit's automatic assignments as (turn, officer), in turn order."""
    by_unit: dict[Unit, list[tuple[int, str]]] = defaultdict(list)
    for row in rows:
        if row.turn is not None:
            by_unit[row.unit].append((row.turn, row.officer_id))
    return {unit: sorted(turns) for unit, turns in by_unit.items()}


def assert_rotation_kept(rows: Sequence[Assignment], rosters: Mapping[Unit, Sequence[str]]) -> None:
    """Rules 1 and 2 in the table: turns 1..n per unit with no gap, going round the roster in its order."""
    for unit, turns in turns_by_unit(rows).items():
        officers = rosters[unit]
        assert [turn for turn, _ in turns] == list(range(1, len(turns) + 1)), f"{unit}: turns are not 1..n"
        expected = [officers[index % len(officers)] for index in range(len(turns))]
        assert [officer for _, officer in turns] == expected, f"{unit}: turns left the roster order"


# --- Supervisor commands --------------------------------------------------------------------------
# Commands are sent as an admin tool sends them: plain JSON on `assigner.commands`, with the AMQP
# `user_id` property set to the RabbitMQ user the connection logs in as (RabbitMQ refuses any other).

ANSWERS = ("command.accepted", "command.rejected")


@dataclass(frozen=True)
class BrokerUser:
    """A RabbitMQ user made for the test session; its name is a supervisor's officer id."""

    name: str
    password: str

    def url(self, vhost: str, host: str = "127.0.0.1", port: int = 5672) -> str:
        """This user's URL for a vhost."""
        return (
            f"amqp://{quote(self.name, safe='')}:{quote(self.password, safe='')}@{host}:{port}/{quote(vhost, safe='')}"
        )


def add_broker_user(vhost: str, name: str) -> BrokerUser:
    """Create a RabbitMQ user allowed to do anything in `vhost` (and nothing elsewhere)."""
    user = BrokerUser(name, uuid.uuid4().hex)
    rabbitmqctl("add_user", user.name, user.password)
    rabbitmqctl("set_permissions", "-p", vhost, user.name, ".*", ".*", ".*")
    return user


_NOT_SET: Any = object()


class CommandSender:
    """An admin tool logged in to RabbitMQ as one user: publishes persistent JSON commands, confirmed.

    `user_id` is the connection's user unless told otherwise (None: the property is left out).
    """

    def __init__(self, url: str, user_id: str | None) -> None:
        self.user_id = user_id
        self.connection = client(url)
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()

    def send(self, command: Any, user_id: str | None = _NOT_SET, headers: Mapping[str, Any] | None = None) -> bytes:
        """Publish one command (JSON-encoded unless bytes already); returns the body sent."""
        body = command if isinstance(command, bytes) else encode(command)
        properties = pika.BasicProperties(
            user_id=self.user_id if user_id is _NOT_SET else user_id,
            delivery_mode=2,
            content_type="application/json",
            headers=dict(headers or {}) or None,
        )
        self.channel.basic_publish("", COMMANDS, body, properties, mandatory=True)
        return body

    def close(self) -> None:
        """Close the connection."""
        if self.connection.is_open:
            self.connection.close()


def command(name: str, issued_by: str, **fields: Any) -> dict[str, Any]:
    """A command message with a fresh command_id and a reason (fields: the command's own; a reassignment's
    reason_code workload unless given)."""
    if name in ("reassign", "reassign_group"):
        fields = {"reason_code": "workload", **fields}
    return {
        "command_id": str(uuid.uuid4()),
        "command": name,
        "issued_by": issued_by,
        "reason": f"e2e test: {name}",
        **fields,
    }


def answers(events: Iterable[Delivered], command_id: str) -> list[dict[str, Any]]:
    """The command.accepted / command.rejected events about one command, in arrival order."""
    return [
        e.payload()
        for e in events
        if e.payload().get("event") in ANSWERS and e.payload().get("command_id") == command_id
    ]


def wait_for_answer(collector: EventCollector, command_id: str, count: int = 1, **options: Any) -> list[Delivered]:
    """All events received once `count` answers (accepted or rejected) to a command have arrived."""
    return collector.wait_until(
        lambda got: len(answers(got, command_id)) >= count, f"{count} answer(s) to command {command_id}", **options
    )


def events_of_command(events: Iterable[Delivered], command_id: str) -> list[Delivered]:
    """The events a command published: its declaration events (they carry its id) and its answers."""
    return [e for e in events if e.payload().get("command_id") == command_id]


def run_assigner(env: Mapping[str, str], *args: str, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """`python -m assigner ARGS` with exactly these ASSIGNER_* settings (none leak from the test's environment)."""
    return subprocess.run(
        [sys.executable, "-m", "assigner", *args], env=process_env(env), capture_output=True, text=True, timeout=timeout
    )


def import_roster_entries(database_url: str, home: Path, entries: Sequence[Any]) -> None:
    """Import roster entries (checkers and supervisors) through the service, as `assigner roster import` does."""
    runtime = Runtime(Settings(database_url=database_url, home=home)).ready()
    try:
        load_roster(runtime, list(entries))
    finally:
        runtime.engine.dispose()


def query(database_url: str, sql: str, **parameters: Any) -> list[dict[str, Any]]:
    """Rows of a read-only SQL query, as dicts."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(text(sql), parameters)]
    finally:
        engine.dispose()


def audit_entries(database_url: str, where: str) -> list[dict[str, Any]]:
    """The audit entries matching a condition on audit_log's columns, in chain order (the seals' order, then
    each batch's), each with `place`: its number in that order, as `audit verify` names entries."""
    return query(
        database_url,
        "SELECT * FROM (SELECT a.*, ROW_NUMBER() OVER (ORDER BY s.seq, a.seq) AS place "
        "FROM audit_log a JOIN audit_seals s ON s.batch = a.batch) AS chained "
        f"WHERE {where} ORDER BY place",
    )


def execute(database_url: str, sql: str, **parameters: Any) -> int:
    """Run one SQL statement, committed; returns the rows it touched (a test tampering with the database)."""
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            return int(connection.execute(text(sql), parameters).rowcount)
    finally:
        engine.dispose()


def holders(database_url: str) -> dict[str, tuple[str, str | None]]:
    """Each stored declaration's (status, officer_id), by full declaration number."""
    rows = query(database_url, "SELECT declaration_number, status, officer_id FROM declarations")
    return {row["declaration_number"]: (row["status"], row["officer_id"]) for row in rows}
