"""What an operator watches: `assigner health` and the worker's Prometheus /metrics, on RabbitMQ + PostgreSQL.

Health is run as deployed (`python -m assigner health`, configured by ASSIGNER_* variables only); the metrics
are read over HTTP from a worker started with `--metrics-port`, and parsed as Prometheus parses them.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e.support import (
    DECLARATIONS,
    DECLARATIONS_DLQ,
    WORKER_COMMAND,
    EventCollector,
    StartWorker,
    Upstream,
    WorkerProcess,
    amqp_url,
    client,
    declare_topology,
    execute,
    guest_vhost,
    import_rosters,
    purge_queues,
    query,
    queue_depth,
    run_assigner,
    worker_env,
)
from environment import POSTGRES_ADMIN_URL, empty_database
from integration.conftest import FrozenClock
from integration.helpers import message, numbers
from pika.adapters.blocking_connection import BlockingChannel
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from assigner.bootstrap import Runtime
from assigner.domain.draws import RotationMode
from assigner.domain.health_checks import Limits
from assigner.domain.model import Unit
from assigner.services.draw_keys import set_rotation_mode
from assigner.settings import Settings
from assigner.storage.scratch import scratch_database

AIRPORT = Unit("01B1", "00")
UNROSTERED = Unit("01B1", "03")
ROSTERS = {AIRPORT: ["a1", "a2", "a3"]}
YELLOW, GREEN, HELD = 5, 2, 2  # what the stream below sends, besides one malformed message
MALFORMED = b"{this is not a declaration"
COMMANDS_DLQ = "assigner.commands.dlq"
ALL_CHECKS = {
    "database",
    "broker",
    f"queue {DECLARATIONS}",
    "queue assigner.commands",
    f"queue {DECLARATIONS_DLQ}",
    f"queue {COMMANDS_DLQ}",
    "worker",
    "last message",
}
METRICS_TIMEOUT = 15.0  # the counters follow the events at once; the gauges within a refresh (10 s)
NOT_LISTENING = "amqp://guest:guest@127.0.0.1:1//"  # nothing listens on port 1


# --- Running health, reading metrics ----------------------------------------------------------------


@dataclass(frozen=True)
class Health:
    """One run of `assigner health`: its exit code, and each check's line as (status, detail) by name."""

    code: int
    lines: dict[str, tuple[str, str]]
    output: str

    def status(self, name: str) -> str:
        assert name in self.lines, f"no '{name}' check in:\n{self.output}"
        return self.lines[name][0]

    def detail(self, name: str) -> str:
        self.status(name)
        return self.lines[name][1]


def health(env: dict[str, str], *options: str) -> Health:
    """`assigner health OPTIONS` in its plain form: one `STATUS NAME: DETAIL` line per check."""
    done = run_assigner(env, "health", *options, timeout=60)
    output = f"exit {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    lines: dict[str, tuple[str, str]] = {}
    for line in done.stdout.splitlines():
        status, _, rest = line.partition(" ")
        name, separator, detail = rest.strip().partition(": ")
        assert status in ("ok", "warn", "fail") and separator, f"not a check line: {line!r}\n{output}"
        assert name not in lines, f"'{name}' reported twice\n{output}"
        lines[name] = (status, detail)
    return Health(done.returncode, lines, output)


def health_json(env: dict[str, str], *options: str) -> tuple[int, dict[str, Any]]:
    """`assigner health --json OPTIONS`: exit code and the document."""
    done = run_assigner(env, "health", "--json", *options, timeout=60)
    return done.returncode, json.loads(done.stdout)


def free_port() -> int:
    """A TCP port nothing listens on now (the OS's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(port: int) -> Samples:
    """GET /metrics (must answer 200), parsed by prometheus_client: each sample's value by name and labels."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        assert response.status == 200
        assert response.headers.get_content_type() == "text/plain"
        exposition = response.read().decode("utf-8")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    """One sample's value; None when the worker does not expose it."""
    return samples.get((name, frozenset(labels.items())))


def total(samples: Samples, name: str) -> float:
    """The sum of a metric's samples over all their labels."""
    return sum(v for (sample, _), v in samples.items() if sample == name)


def wait_for_metrics(port: int, condition: Callable[[Samples], bool], what: str, worker: WorkerProcess) -> Samples:
    """The samples once `condition` holds; fails after METRICS_TIMEOUT, or at once if the worker died."""
    deadline = time.monotonic() + METRICS_TIMEOUT
    while not condition(samples := scrape(port)):
        worker.assert_running()
        if time.monotonic() > deadline:
            raise AssertionError(f"metrics never showed {what} within {METRICS_TIMEOUT} s: {samples}")
        time.sleep(0.2)
    return samples


# --- The pipeline, watched ----------------------------------------------------------------------------


def stream() -> list[dict[str, Any]]:
    """Yellow and green declarations of a rostered unit, and yellow ones of a unit nobody is rostered on."""
    return (
        [message(n, AIRPORT) for n in numbers(YELLOW)]
        + [message(n, AIRPORT, "green") for n in numbers(GREEN, start=100)]
        + [message(n, UNROSTERED) for n in numbers(HELD, start=200)]
    )


@dataclass(frozen=True)
class Watched:
    """A worker serving metrics, that has handled the stream and the malformed message."""

    worker: WorkerProcess
    port: int
    env: dict[str, str]


@pytest.fixture
def env(database_url: str, home: Path, rabbitmq_url: str) -> dict[str, str]:
    """The ASSIGNER_* settings the worker and `assigner health` share: the test's database and vhost."""
    return worker_env(database_url, home, rabbitmq_url)


def start_metered(env: dict[str, str], log: Path, port: int) -> WorkerProcess:
    """`assigner worker --metrics-port PORT` (listening on 127.0.0.1 only), once consuming."""
    worker = WorkerProcess(
        {**env, "ASSIGNER_METRICS_ADDRESS": "127.0.0.1"}, log, command=(*WORKER_COMMAND, "--metrics-port", str(port))
    )
    try:
        worker.start()
        worker.wait_for_log("metrics.serving")
    except BaseException:
        worker.kill()
        raise
    return worker


@pytest.fixture(scope="class")
def watched(migrated_postgres: str, rabbitmq_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Watched]:
    """A worker started with --metrics-port, fed the stream and one malformed message, both handled.

    One per class, as its tests only read (metrics, health) and a worker takes seconds to start: so it sets up
    itself what the function-scoped fixtures give the other tests (an empty database, empty queues), and kills
    the worker, then empties the database, at the class's end.
    """
    home = tmp_path_factory.mktemp("watched") / "home"
    env = worker_env(migrated_postgres, home, rabbitmq_url)
    empty_database(migrated_postgres)
    with ExitStack() as stack:
        stack.callback(empty_database, migrated_postgres)
        connection = client(rabbitmq_url)
        stack.callback(connection.close)
        channel = connection.channel()
        declare_topology(channel)
        purge_queues(channel)
        events = EventCollector(rabbitmq_url)
        stack.callback(events.close)
        upstream = Upstream(rabbitmq_url)
        stack.callback(upstream.close)
        import_rosters(migrated_postgres, home, ROSTERS)
        port = free_port()
        worker = start_metered(env, home.parent / "worker.log", port)
        stack.callback(worker.kill)
        sent = stream()
        upstream.send_all(sent)
        upstream.send(MALFORMED)
        events.wait_for_declarations([m["declaration_number"] for m in sent], worker=worker)
        deadline = time.monotonic() + 30
        while queue_depth(channel, DECLARATIONS_DLQ) < 1:
            worker.assert_running()
            assert time.monotonic() < deadline, "the malformed message was not dead-lettered"
            connection.sleep(0.1)
        yield Watched(worker, port, env)


def declarations_counted(samples: Samples) -> float:
    return total(samples, "assigner_declarations_total")


class TestMetricsOfAWorkingPipeline:
    def test_declarations_total_counts_each_outcome_per_unit_as_published(self, watched: Watched) -> None:
        samples = wait_for_metrics(
            watched.port,
            lambda s: declarations_counted(s) >= YELLOW + GREEN + HELD,
            "every declaration counted",
            watched.worker,
        )
        counted = {
            (dict(labels)["outcome"], dict(labels)["customs_office"], dict(labels)["department"]): v
            for (name, labels), v in samples.items()
            if name == "assigner_declarations_total"
        }
        assert counted == {
            ("assigned", AIRPORT.customs_office, AIRPORT.department): YELLOW,
            ("recorded", AIRPORT.customs_office, AIRPORT.department): GREEN,
            ("held", UNROSTERED.customs_office, UNROSTERED.department): HELD,
        }

    def test_the_malformed_message_counts_one_dead_letter_of_the_declarations_queue_and_none_of_commands(
        self, watched: Watched
    ) -> None:
        samples = wait_for_metrics(
            watched.port,
            lambda s: (value(s, "assigner_dead_letters_total", queue=DECLARATIONS_DLQ) or 0) >= 1,
            "a declarations dead letter",
            watched.worker,
        )
        assert value(samples, "assigner_dead_letters_total", queue=DECLARATIONS_DLQ) == 1
        assert value(samples, "assigner_dead_letters_total", queue=COMMANDS_DLQ) in (None, 0)
        assert total(samples, "assigner_commands_total") == 0

    def test_batch_histograms_account_for_every_message_taken_off_the_declarations_queue(
        self, watched: Watched
    ) -> None:
        handled = YELLOW + GREEN + HELD + 1  # the malformed message is in a batch too
        samples = wait_for_metrics(
            watched.port,
            lambda s: (value(s, "assigner_batch_size_sum", queue=DECLARATIONS) or 0) >= handled,
            f"{handled} messages in batches",
            watched.worker,
        )
        assert value(samples, "assigner_batch_size_sum", queue=DECLARATIONS) == handled
        batches = value(samples, "assigner_batch_size_count", queue=DECLARATIONS)
        assert batches is not None and 1 <= batches <= handled
        assert value(samples, "assigner_batch_size_bucket", queue=DECLARATIONS, le="+Inf") == batches
        assert value(samples, "assigner_batch_seconds_count", queue=DECLARATIONS) == batches
        assert 0 < (value(samples, "assigner_batch_seconds_sum", queue=DECLARATIONS) or 0) < 60

    def test_the_refreshed_gauges_show_broker_and_database_up_the_queues_depths_and_the_held_declarations(
        self, watched: Watched
    ) -> None:
        held = {"customs_office": UNROSTERED.customs_office, "department": UNROSTERED.department}
        samples = wait_for_metrics(
            watched.port,
            lambda s: (
                value(s, "assigner_held_declarations", **held) == HELD
                and value(s, "assigner_dead_letters_waiting", queue=DECLARATIONS_DLQ) == 1
            ),
            "the held declarations and the dead letter waiting (a refresh after they were handled)",
            watched.worker,
        )
        assert value(samples, "assigner_broker_up") == 1
        assert value(samples, "assigner_database_up") == 1
        assert value(samples, "assigner_consumer_lag_messages", queue=DECLARATIONS) == 0
        assert value(samples, "assigner_dead_letters_waiting", queue=COMMANDS_DLQ) == 0
        assert total(samples, "assigner_held_declarations") == HELD  # the assigned unit holds nothing


class TestHealthOfAWorkingPipeline:
    def test_health_exits_0_with_every_check_ok_but_a_warning_for_the_dead_letter(self, watched: Watched) -> None:
        checked = health(watched.env)
        assert checked.code == 0, checked.output
        assert set(checked.lines) == ALL_CHECKS, checked.output
        statuses = {name: status for name, (status, _) in checked.lines.items()}
        assert statuses == {**{name: "ok" for name in ALL_CHECKS}, f"queue {DECLARATIONS_DLQ}": "warn"}, checked.output
        assert checked.detail(f"queue {DECLARATIONS}").startswith("0 waiting")
        assert checked.detail(f"queue {DECLARATIONS_DLQ}").startswith("1 dead letters")

    def test_health_json_says_healthy_with_each_checks_value(self, watched: Watched) -> None:
        code, document = health_json(watched.env)
        assert code == 0, document
        assert document["healthy"] is True
        checks = {check["name"]: check for check in document["checks"]}
        assert set(checks) == ALL_CHECKS
        assert all(set(check) == {"name", "status", "detail", "value"} for check in document["checks"])
        assert checks[f"queue {DECLARATIONS}"]["value"] == 0
        assert checks[f"queue {DECLARATIONS_DLQ}"] | {"detail": ""} == {
            "name": f"queue {DECLARATIONS_DLQ}",
            "status": "warn",
            "detail": "",
            "value": 1,
        }
        assert checks["worker"]["status"] == "ok" and checks["worker"]["value"] == 1  # one declarations consumer

    def test_dead_letters_above_max_dead_letters_fail_health(self, watched: Watched) -> None:
        checked = health(watched.env, "--max-dead-letters", "0")
        assert checked.code == 1, checked.output
        assert checked.status(f"queue {DECLARATIONS_DLQ}") == "fail"
        assert checked.status(f"queue {COMMANDS_DLQ}") == "ok"
        assert health(watched.env, "--max-dead-letters", "1").code == 0


# --- What is not there ---------------------------------------------------------------------------------


@pytest.fixture
def unmigrated_postgres(postgres_url: str) -> Iterator[str]:
    """A fresh, empty database on the test server (never migrated), dropped after the test."""
    with scratch_database(POSTGRES_ADMIN_URL, "assigner_health_test") as url:
        yield url


@pytest.fixture
def empty_vhost(rabbitmq_vhost: str) -> Iterator[str]:
    """The URL of a RabbitMQ vhost no worker ever used (no queue declared in it), deleted after the test."""
    with guest_vhost(f"{rabbitmq_vhost}-empty") as name:
        yield amqp_url(name)


class TestHealthOfWhatIsNotThere:
    def test_a_broker_that_is_not_there_fails_the_broker_check_and_health(self, database_url: str, home: Path) -> None:
        env = worker_env(database_url, home, NOT_LISTENING)
        checked = health(env)
        assert checked.code == 1, checked.output
        assert checked.status("broker") == "fail"
        assert "unreachable" in checked.detail("broker")
        assert checked.status("database") == "ok"

    def test_a_database_that_is_not_there_fails_the_database_check_and_health(
        self, migrated_postgres: str, home: Path, rabbitmq_url: str, broker: BlockingChannel
    ) -> None:
        absent = make_url(migrated_postgres).set(database=f"assigner_absent_{uuid.uuid4().hex[:12]}")
        checked = health(worker_env(absent.render_as_string(hide_password=False), home, rabbitmq_url))
        assert checked.code == 1, checked.output
        assert checked.status("database") == "fail"
        assert "unreachable" in checked.detail("database")
        assert checked.status("broker") == "ok"

    def test_a_postgresql_database_never_migrated_fails_the_database_check_saying_to_upgrade(
        self, unmigrated_postgres: str, home: Path, rabbitmq_url: str, broker: BlockingChannel
    ) -> None:
        checked = health(worker_env(unmigrated_postgres, home, rabbitmq_url))
        assert checked.code == 1, checked.output
        assert checked.status("database") == "fail"
        assert "revision none" in checked.detail("database")
        assert "assigner db upgrade" in checked.detail("database")
        assert checked.status("broker") == "ok"

    def test_an_empty_sqlite_file_fails_the_database_check_as_not_migrated(
        self, tmp_path: Path, home: Path, rabbitmq_url: str, broker: BlockingChannel
    ) -> None:
        checked = health(worker_env(f"sqlite:///{tmp_path / 'empty.sqlite3'}", home, rabbitmq_url))
        assert checked.code == 1, checked.output
        assert checked.status("database") == "fail"
        assert "revision none" in checked.detail("database")

    def test_a_broker_where_no_worker_ever_declared_the_queues_fails_the_queue_checks_as_missing(
        self, env: dict[str, str], empty_vhost: str
    ) -> None:
        checked = health({**env, "ASSIGNER_BROKER_URL": empty_vhost})
        assert checked.status("broker") == "ok", checked.output
        assert checked.status(f"queue {DECLARATIONS}") == "fail"
        assert "missing" in checked.detail(f"queue {DECLARATIONS}")
        assert checked.status("queue assigner.commands") == "fail"


# --- The worker's signs of life --------------------------------------------------------------------------


def declarations_beats(database_url: str) -> list[dict[str, Any]]:
    return query(database_url, "SELECT * FROM worker_beats WHERE queue = :queue", queue=DECLARATIONS)


class TestHealthOfTheWorker:
    def test_no_worker_ever_run_on_the_database_fails_the_worker_check_alone(
        self, env: dict[str, str], broker: BlockingChannel
    ) -> None:
        checked = health(env)
        assert checked.code == 1, checked.output
        assert checked.status("worker") == "fail"
        assert "no worker has ever run" in checked.detail("worker")
        assert {name for name, (status, _) in checked.lines.items() if status != "ok"} == {"worker"}, checked.output
        code, document = health_json(env)
        assert code == 1 and document["healthy"] is False
        assert [(c["name"], c["status"]) for c in document["checks"] if c["status"] != "ok"] == [("worker", "fail")]

    def test_messages_waiting_behind_a_stopped_worker_fail_last_message_and_worker_once_past_the_limits(
        self,
        env: dict[str, str],
        database_url: str,
        home: Path,
        start_worker: StartWorker,
        upstream: Upstream,
        events: EventCollector,
        broker: BlockingChannel,
    ) -> None:
        import_rosters(database_url, home, ROSTERS)
        worker = start_worker()
        [first] = numbers(1, start=300)
        upstream.send(message(first, AIRPORT))
        events.wait_for_declarations([first], worker=worker)
        deadline = time.monotonic() + 30  # the beat saying it processed a message (at most one idle sweep, 5 s)
        while not any(beat["last_message_at"] for beat in declarations_beats(database_url)):
            worker.assert_running()
            assert time.monotonic() < deadline, "no beat recorded the message processed"
            time.sleep(0.2)
        worker.kill()
        stopped = time.monotonic()
        upstream.send_all([message(n, AIRPORT) for n in numbers(3, start=301)])
        assert queue_depth(broker, DECLARATIONS) == 3

        within_limits = health(env)  # seconds ago is well within the defaults (60 s and 300 s)
        assert within_limits.code == 0, within_limits.output
        assert within_limits.status("last message") == "ok"
        assert within_limits.status("worker") == "ok"

        time.sleep(max(0.0, 2.5 - (time.monotonic() - stopped)))
        checked = health(env, "--max-silence", "1", "--max-age", "1")
        # The unacknowledged count comes from RabbitMQ's management API, refreshed every 5 s: one sampled while
        # an earlier message was in flight can linger that long. Asked again until it is refreshed (at most 15 s).
        settled = time.monotonic() + 15
        while "3 waiting" not in checked.detail("last message") and time.monotonic() < settled:
            time.sleep(1)
            checked = health(env, "--max-silence", "1", "--max-age", "1")
        assert checked.code == 1, checked.output
        assert checked.status("last message") == "fail"
        assert "stalled" in checked.detail("last message") and "3 waiting" in checked.detail("last message")
        assert checked.status("worker") == "fail"
        assert "no declarations consumer seen" in checked.detail("worker")
        assert checked.status(f"queue {DECLARATIONS}") == "ok"  # waiting is not a failure by itself

    def test_messages_a_stalled_consumer_holds_unacknowledged_count_as_waiting(
        self,
        env: dict[str, str],
        rabbitmq_url: str,
        rabbitmq_management: str,
        upstream: Upstream,
        broker: BlockingChannel,
    ) -> None:
        upstream.send_all([message(n, AIRPORT) for n in numbers(10, start=500)])
        stalled = client(rabbitmq_url)  # takes the messages and never acknowledges them
        try:
            channel = stalled.channel()
            channel.basic_qos(prefetch_count=100)
            channel.basic_consume(DECLARATIONS, lambda *_: None, auto_ack=False)
            stalled.process_data_events(time_limit=1)
            assert queue_depth(broker, DECLARATIONS) == 0, "the stand-in consumer did not take the messages"
            deadline = time.monotonic() + 30  # the management API refreshes its figures every 5 s
            while "10 unacknowledged" not in (checked := health(env)).detail(f"queue {DECLARATIONS}"):
                assert time.monotonic() < deadline, checked.output
                stalled.process_data_events(time_limit=1)
        finally:
            stalled.close()

        assert checked.detail(f"queue {DECLARATIONS}").startswith("10 waiting (0 ready, 10 unacknowledged), 1 consumer")
        assert checked.status("last message") == "fail"
        assert "none processed yet; 10 waiting" in checked.detail("last message")

    def test_a_killed_worker_stops_counting_within_seconds_and_a_stopped_one_at_once(
        self,
        env: dict[str, str],
        database_url: str,
        home: Path,
        start_worker: StartWorker,
        broker: BlockingChannel,
    ) -> None:
        import_rosters(database_url, home, ROSTERS)
        first, second = start_worker(), start_worker()
        wait_for_live_consumers(env, 2)

        first.kill()
        time.sleep(Limits.max_silence + 2)  # the default window, and a beat's interval
        assert health(env).detail("worker").startswith("1 declarations consumer(s) alive")

        assert second.terminate() == 0
        checked = health(env)
        assert checked.code == 1, checked.output
        assert checked.status("worker") == "fail"
        assert checked.detail("worker").endswith("; 1 stopped cleanly"), checked.output
        execute(database_url, "DELETE FROM worker_beats WHERE consumer LIKE :killed", killed=f"%:{first.pid}:%")
        assert "every declarations consumer has stopped" in health(env).detail("worker")

    def test_none_processed_yet_with_messages_waiting_fails_last_message(
        self, env: dict[str, str], upstream: Upstream, broker: BlockingChannel
    ) -> None:
        upstream.send(message(numbers(1, start=400)[0], AIRPORT))
        assert queue_depth(broker, DECLARATIONS) == 1
        checked = health(env)
        assert checked.code == 1, checked.output
        assert checked.status("last message") == "fail"
        assert "none processed yet" in checked.detail("last message")


def wait_for_live_consumers(env: dict[str, str], count: int) -> None:
    """Until health counts `count` live declarations consumers (each writes its first beat on start)."""
    deadline = time.monotonic() + 30
    while not (checked := health(env)).detail("worker").startswith(f"{count} declarations consumer(s) alive"):
        assert time.monotonic() < deadline, checked.output
        time.sleep(0.5)


# --- Serving the metrics ---------------------------------------------------------------------------------


class TestMetricsPort:
    def test_a_metrics_port_already_taken_stops_the_worker_with_a_failure_exit_code(
        self, env: dict[str, str], broker: BlockingChannel
    ) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            done = run_assigner(
                {**env, "ASSIGNER_METRICS_ADDRESS": "127.0.0.1"}, "worker", "--metrics-port", str(port), timeout=60
            )
        assert "Address already in use" in done.stderr + done.stdout
        assert done.returncode != 0, done.stderr[-2000:]


class TestDrawKeys:
    def test_a_days_key_left_secret_after_its_day_fails_until_revealed(
        self, env: dict[str, str], database_url: str, home: Path, broker: BlockingChannel
    ) -> None:
        import_rosters(database_url, home, {Unit("01B1", "00"): ["a1", "a2"]})
        days_ago = FrozenClock(datetime.now(UTC) - timedelta(days=3))
        runtime = Runtime(Settings(database_url=database_url, home=home), clock=days_ago).ready()
        try:  # set to draw three days ago: that day's and the next one's keys are still secret
            assert set_rotation_mode(runtime.unit_of_work(), Unit("01B1", "00"), RotationMode.DRAWN, days_ago, "t")
        finally:
            runtime.engine.dispose()
        checked = health(env)
        assert checked.status("draw keys") == "fail", checked.output
        assert "not revealed though their day is over" in checked.detail("draw keys")
        assert "assigner audit keys --reveal" in checked.detail("draw keys")
        revealed = run_assigner(env, "audit", "keys", "--reveal", timeout=60)
        assert revealed.returncode == 0 and revealed.stderr.count("audit.draw_key_revealed") == 2, revealed.stderr
        after = health(env)
        assert after.status("draw keys") == "ok" and after.detail("draw keys").startswith("2 days revealed")
