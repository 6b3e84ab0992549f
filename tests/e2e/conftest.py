"""End-to-end fixtures: a RabbitMQ vhost per session, an empty database and empty queues per test, workers."""

from __future__ import annotations

import base64
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pika
import pytest
from e2e.support import (
    BrokerUser,
    EventCollector,
    StartWorker,
    Upstream,
    WorkerProcess,
    add_broker_user,
    amqp_url,
    client,
    declare_topology,
    guest_vhost,
    purge_queues,
    rabbitmqctl,
    worker_env,
)
from environment import empty_database, service_missing
from pika.adapters.blocking_connection import BlockingChannel


@pytest.fixture(scope="session")
def rabbitmq_vhost() -> Iterator[str]:
    """A RabbitMQ vhost made for this session (guest may do anything in it), deleted at its end."""
    with guest_vhost(f"assigner-e2e-{uuid.uuid4().hex[:8]}") as name:
        try:
            client(amqp_url(name)).close()
        except pika.exceptions.AMQPError as error:
            service_missing("RabbitMQ on 127.0.0.1:5672", error)
        yield name


@pytest.fixture(scope="session")
def rabbitmq_management() -> str:
    """RabbitMQ's management API (the plugin .ci/run enables), which counts unacknowledged messages."""
    url = "http://127.0.0.1:15672/api/overview"
    request = urllib.request.Request(
        url, headers={"Authorization": "Basic " + base64.b64encode(b"guest:guest").decode()}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            response.read()
    except OSError as error:
        service_missing(
            "RabbitMQ's management API on 127.0.0.1:15672 (rabbitmq-plugins enable rabbitmq_management)", error
        )
    return "http://guest:guest@127.0.0.1:15672"


@pytest.fixture(scope="session")
def rabbitmq_url(rabbitmq_vhost: str) -> str:
    """The session vhost's AMQP URL."""
    return amqp_url(rabbitmq_vhost)


@pytest.fixture
def database_url(migrated_postgres: str) -> Iterator[str]:
    """The migrated database, empty at the start of the test and emptied after it."""
    empty_database(migrated_postgres)
    yield migrated_postgres
    empty_database(migrated_postgres)


@pytest.fixture
def broker(rabbitmq_url: str) -> Iterator[BlockingChannel]:
    """A pika channel on the vhost, its contract queues declared and empty."""
    connection = client(rabbitmq_url)
    channel = connection.channel()
    declare_topology(channel)
    purge_queues(channel)
    yield channel
    if connection.is_open:
        connection.close()


@pytest.fixture
def events(rabbitmq_url: str, broker: BlockingChannel) -> Iterator[EventCollector]:
    """Every event the worker publishes from now on (bound before anything is published)."""
    collector = EventCollector(rabbitmq_url)
    yield collector
    collector.close()


@pytest.fixture
def upstream(rabbitmq_url: str, broker: BlockingChannel) -> Iterator[Upstream]:
    """An upstream system publishing declaration messages."""
    publisher = Upstream(rabbitmq_url)
    yield publisher
    publisher.close()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """The workers' ASSIGNER_HOME."""
    return tmp_path / "home"


@pytest.fixture
def start_worker(
    database_url: str, rabbitmq_url: str, home: Path, tmp_path: Path, broker: BlockingChannel
) -> Iterator[StartWorker]:
    """Starts a worker on the test's database and vhost (extra ASSIGNER_* settings as keywords), once consuming.

    Every worker still running at the end of the test is killed, before the database is emptied: the test
    has checked what it wanted, and a kill is quicker than even a graceful stop (under a second).
    """
    workers: list[WorkerProcess] = []

    def start(**settings: object) -> WorkerProcess:
        log = tmp_path / f"worker-{len(workers) + 1}.log"
        worker = WorkerProcess(worker_env(database_url, home, rabbitmq_url, **settings), log)
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.kill()


@pytest.fixture(scope="session")
def supervisor_users(rabbitmq_vhost: str) -> Iterator[dict[str, BrokerUser]]:
    """Two RabbitMQ users whose names are supervisors' officer ids ('a' and 'b'), unique to the session.

    Made with rabbitmqctl, allowed to do anything in the session vhost only, deleted at the session's end.
    """
    stem = f"sup-{uuid.uuid4().hex[:8]}"
    made: dict[str, BrokerUser] = {}
    try:
        for label in ("a", "b"):
            made[label] = add_broker_user(rabbitmq_vhost, f"{stem}-{label}")
        yield made
    finally:
        for user in made.values():
            rabbitmqctl("delete_user", user.name, check=False)


@pytest.fixture(scope="session")
def officer_users(rabbitmq_vhost: str) -> Iterator[dict[str, BrokerUser]]:
    """Two RabbitMQ users whose names are checkers' officer ids ('1' and '2'), unique to the session: an officer
    signs in to the console as themselves, and completes their own declarations on their own login.

    Made with rabbitmqctl, allowed to do anything in the session vhost only, deleted at the session's end.
    """
    stem = f"off-{uuid.uuid4().hex[:8]}"
    made: dict[str, BrokerUser] = {}
    try:
        for label in ("1", "2"):
            made[label] = add_broker_user(rabbitmq_vhost, f"{stem}-{label}")
        yield made
    finally:
        for user in made.values():
            rabbitmqctl("delete_user", user.name, check=False)
