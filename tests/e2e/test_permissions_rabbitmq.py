"""README's RabbitMQ permissions, read from README itself: each role can do its job with them, and no more.

The users are made for the session with exactly the lines README gives (`rabbitmqctl set_permissions` and
`set_topic_permissions`, the vhost and the user's name replaced); the worker runs as `python -m assigner worker`
logged in as the worker's user, the upstream publishes with pika, the supervisor runs `assigner command --wait`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pika
import pytest
from e2e.permissions import ROLES, add_role_user
from e2e.support import (
    COMMANDS,
    COMMANDS_DLQ,
    DECLARATIONS,
    EVENTS,
    BrokerUser,
    EventCollector,
    Upstream,
    WorkerProcess,
    amqp_url,
    answers,
    client,
    encode,
    holders,
    import_roster_entries,
    queue_depth,
    rabbitmqctl,
    run_assigner,
    worker_env,
)
from integration.helpers import message, numbers, roster
from pika.adapters.blocking_connection import BlockingChannel

from assigner.bootstrap import Runtime
from assigner.console.sign_in import sign_in
from assigner.domain.model import Unit
from assigner.settings import Settings

pytestmark = pytest.mark.slow

COMMANDS_EXCHANGE = "assigner.commands"  # the contract's name, written out
UNIT = Unit("01B1", "00")
ACCESS_REFUSED = 403


@pytest.fixture(scope="module")
def roles(rabbitmq_vhost: str) -> Iterator[dict[str, BrokerUser]]:
    """A RabbitMQ user per role, with exactly README's permissions in the session vhost."""
    stem = uuid.uuid4().hex[:8]
    made: dict[str, BrokerUser] = {}
    try:
        for role in ROLES:
            made[role] = add_role_user(rabbitmq_vhost, role, stem)
        yield made
    finally:
        for user in made.values():
            rabbitmqctl("delete_user", user.name, check=False)


@pytest.fixture
def topology(broker: BlockingChannel) -> BlockingChannel:
    """The contract's topology with the commands' exchange, as a worker declares it, its queues empty."""
    return broker


@pytest.fixture
def worker(
    roles: dict[str, BrokerUser],
    rabbitmq_vhost: str,
    database_url: str,
    home: Path,
    tmp_path: Path,
    topology: BlockingChannel,
) -> Iterator[WorkerProcess]:
    """A worker logged in as the worker's user, the unit's roster imported (supervised by the supervisor's user)."""
    import_roster_entries(database_url, home, roster(UNIT, "a1", "a2", supervisors=(roles["supervisor"].name,)))
    env = worker_env(database_url, home, roles["worker"].url(rabbitmq_vhost))
    process = WorkerProcess(env, tmp_path / "worker.log")
    yield process.start()
    process.kill()


def outcome(url: str, action: Callable[[BlockingChannel], object]) -> int:
    """Do `action` on a channel in confirm mode of a new connection: 0 if done, else the broker's reply code."""
    connection = client(url)
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        action(channel)
        return 0
    except pika.exceptions.ChannelClosedByBroker as error:
        return int(error.reply_code)
    finally:
        if connection.is_open:
            connection.close()


def publish(exchange: str, routing_key: str, user_id: str | None = None) -> Callable[[BlockingChannel], object]:
    """Publish a persistent JSON message (mandatory, so an unroutable one is not taken for delivered)."""

    def action(channel: BlockingChannel) -> None:
        properties = pika.BasicProperties(content_type="application/json", delivery_mode=2, user_id=user_id)
        channel.basic_publish(exchange, routing_key, encode({"forged": True}), properties, mandatory=True)

    return action


def bind_answers(routing_key: str) -> Callable[[BlockingChannel], object]:
    """Declare an answers queue of one's own and bind it to assigner.events."""

    def action(channel: BlockingChannel) -> None:
        name = f"assigner.answers.{uuid.uuid4().hex}"
        channel.queue_declare(name, exclusive=True, auto_delete=True)
        channel.queue_bind(name, EVENTS, routing_key=routing_key)

    return action


class TestEachRoleCanDoItsJob:
    def test_the_upstream_sends_a_declaration_the_worker_assigns_it_and_the_supervisor_moves_it(
        self,
        worker: WorkerProcess,
        roles: dict[str, BrokerUser],
        rabbitmq_vhost: str,
        events: EventCollector,
        database_url: str,
        home: Path,
    ) -> None:
        [number] = numbers(1, start=8100)
        upstream = Upstream(roles["upstream"].url(rabbitmq_vhost))
        try:
            upstream.send(message(number, UNIT))
        finally:
            upstream.close()
        events.wait_for_declarations([number], worker=worker)
        assert holders(database_url)[number] == ("assigned", "a1")

        [published] = numbers(1, start=8200)  # `assigner publish`, logged in as the upstream, works as well
        lines = home.parent / "upstream.jsonl"
        lines.write_text(json.dumps(message(published, UNIT)) + "\n")
        sent = run_assigner(
            worker_env(database_url, home, roles["upstream"].url(rabbitmq_vhost)), "publish", str(lines)
        )
        assert sent.returncode == 0, sent.stderr
        events.wait_for_declarations([published], worker=worker)

        env = worker_env(database_url, home, roles["supervisor"].url(rabbitmq_vhost))
        done = run_assigner(
            env, "command", "reassign", number, "--to", "a2", "--reason-code", "workload", "--wait", "--timeout", "60"
        )
        assert (done.returncode, done.stdout.splitlines()[-1:]) == (0, ["accepted"]), done.stderr
        assert holders(database_url)[number] == ("assigned", "a2")
        worker.assert_running()

    def test_the_console_has_no_user_of_its_own_a_supervisor_signs_in_as_themselves(
        self,
        roles: dict[str, BrokerUser],
        rabbitmq_vhost: str,
        database_url: str,
        home: Path,
    ) -> None:
        supervisor = roles["supervisor"]
        import_roster_entries(database_url, home, roster(UNIT, "a1", supervisors=(supervisor.name,)))
        nobody = BrokerUser(f"nobody-{uuid.uuid4().hex[:8]}", "not a user").url(rabbitmq_vhost)
        runtime = Runtime(Settings(database_url=database_url, home=home, broker_url=nobody)).ready()
        try:
            roles, broker_url = sign_in(runtime, supervisor.name, supervisor.password)
        finally:
            runtime.engine.dispose()
        assert roles.supervised == [UNIT]
        assert broker_url is not None and unquote(urlsplit(broker_url).username or "") == supervisor.name


class TestNoMore:
    def test_a_supervisor_cannot_publish_to_any_queue_through_the_default_exchange(
        self,
        roles: dict[str, BrokerUser],
        rabbitmq_vhost: str,
        topology: BlockingChannel,
    ) -> None:
        supervisor = roles["supervisor"]
        url = supervisor.url(rabbitmq_vhost)
        for queue in (DECLARATIONS, COMMANDS, "assigner-1@host.celery.pidbox"):
            assert outcome(url, publish("", queue, supervisor.name)) == ACCESS_REFUSED, queue
        assert outcome(url, publish("celery.pidbox", "", supervisor.name)) == ACCESS_REFUSED
        assert outcome(url, publish(EVENTS, "declaration.assigned.01B1.00", supervisor.name)) == ACCESS_REFUSED
        assert queue_depth(topology, DECLARATIONS) == 0
        assert outcome(url, publish(COMMANDS_EXCHANGE, COMMANDS, supervisor.name)) == 0  # its own way in
        assert queue_depth(topology, COMMANDS) == 1

        # A routing key of the sender's own reaches no queue (py-amqp could not read one that is not UTF-8)
        def any_key(channel: BlockingChannel) -> None:
            with pytest.raises(pika.exceptions.UnroutableError):  # returned: it matches no binding
                publish(COMMANDS_EXCHANGE, "\u00ff-any-key", supervisor.name)(channel)

        assert outcome(url, any_key) == 0
        assert queue_depth(topology, COMMANDS) == 1

    def test_a_supervisor_cannot_read_or_change_the_queues_nor_read_every_event(
        self,
        roles: dict[str, BrokerUser],
        rabbitmq_vhost: str,
        topology: BlockingChannel,
    ) -> None:
        url = roles["supervisor"].url(rabbitmq_vhost)
        assert outcome(url, lambda channel: channel.basic_get(DECLARATIONS)) == ACCESS_REFUSED
        assert outcome(url, lambda channel: channel.queue_purge(COMMANDS)) == ACCESS_REFUSED
        assert outcome(url, lambda channel: channel.queue_delete(COMMANDS)) == ACCESS_REFUSED
        assert outcome(url, lambda channel: channel.queue_declare("mine", durable=True)) == ACCESS_REFUSED
        assert outcome(url, bind_answers("#")) == ACCESS_REFUSED
        assert outcome(url, bind_answers("declaration.assigned.#")) == ACCESS_REFUSED
        assert outcome(url, bind_answers("command.*")) == 0  # what --wait does

    def test_an_upstream_cannot_publish_commands_or_events_nor_read_a_queue(
        self,
        roles: dict[str, BrokerUser],
        rabbitmq_vhost: str,
        topology: BlockingChannel,
    ) -> None:
        upstream = roles["upstream"]
        url = upstream.url(rabbitmq_vhost)
        assert outcome(url, publish(COMMANDS_EXCHANGE, COMMANDS, upstream.name)) == ACCESS_REFUSED
        assert outcome(url, publish(EVENTS, "command.accepted", upstream.name)) == ACCESS_REFUSED
        assert outcome(url, lambda channel: channel.basic_get(DECLARATIONS)) == ACCESS_REFUSED
        assert outcome(url, lambda channel: channel.queue_declare("mine", durable=True)) == ACCESS_REFUSED
        assert outcome(url, lambda channel: channel.queue_delete(DECLARATIONS)) == ACCESS_REFUSED
        assert queue_depth(topology, COMMANDS) == 0

    def test_answers_a_supervisor_binds_into_the_commands_exchange_never_come_back_as_commands(
        self,
        worker: WorkerProcess,
        roles: dict[str, BrokerUser],
        rabbitmq_vhost: str,
        events: EventCollector,
        database_url: str,
        home: Path,
        rabbitmq_url: str,
    ) -> None:
        # README's permissions let a supervisor bind assigner.events (command.*) to the commands' exchange:
        # were the answers to reach the queue, each would be answered and come back, for ever. The exchange is
        # direct: their routing keys match no binding of the queue (and the worker would refuse them unanswered).
        url = roles["supervisor"].url(rabbitmq_vhost)

        def bind(channel: BlockingChannel) -> None:
            channel.exchange_bind(COMMANDS_EXCHANGE, EVENTS, routing_key="command.*")

        assert outcome(url, bind) == 0
        try:
            [number] = numbers(1, start=8200)
            upstream = Upstream(roles["upstream"].url(rabbitmq_vhost))
            upstream.send(message(number, UNIT))
            upstream.close()
            events.wait_for_declarations([number], worker=worker)
            env = worker_env(database_url, home, roles["supervisor"].url(rabbitmq_vhost))
            done = run_assigner(env, "command", "complete", number, "--wait", "--timeout", "60")
            assert (done.returncode, done.stdout.splitlines()[-1:]) == (0, ["accepted"]), done.stderr
            command_id = done.stdout.split()[1]

            dlq = client(rabbitmq_url).channel()
            events.pump(3.0)  # time for a loop to show
            assert len(answers(events.received, command_id)) == 1
            assert queue_depth(dlq, COMMANDS_DLQ) == 0 and queue_depth(dlq, COMMANDS) == 0
            dlq.connection.close()
            worker.assert_running()
        finally:
            cleanup = client(amqp_url(rabbitmq_vhost))
            cleanup.channel().exchange_unbind(COMMANDS_EXCHANGE, EVENTS, routing_key="command.*")
            cleanup.close()
