"""A broker that is away, refuses the login or lacks the vhost: one line naming ASSIGNER_BROKER_URL, exit 1."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from e2e.permissions import add_role_user
from e2e.support import BrokerUser, amqp_url, client, declare_topology, rabbitmqctl, run_assigner
from integration.helpers import message, numbers


@pytest.fixture
def stream(tmp_path: Path) -> Path:
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(message(numbers(1)[0])) + "\n")
    return path


def env(home: Path, broker_url: str) -> dict[str, str]:
    return {"ASSIGNER_HOME": str(home), "ASSIGNER_BROKER_URL": broker_url}


class TestBrokerErrors:
    @pytest.mark.parametrize(
        ("url", "says"),
        [
            (
                "amqp://guest:guest@127.0.0.1:9//",
                "unreachable: [Errno 111] Connection refused (is RabbitMQ running? check ASSIGNER_BROKER_URL)",
            ),
            (
                "amqp://guest:guest@rabbitmq.invalid:5672//",
                "host 'rabbitmq.invalid' is not known (a typo in ASSIGNER_BROKER_URL?)",
            ),
        ],
    )
    def test_a_broker_away_or_misnamed(self, tmp_path: Path, stream: Path, url: str, says: str) -> None:
        done = run_assigner(env(tmp_path, url), "publish", str(stream))
        assert done.returncode == 1
        assert done.stderr.count("\n") == 1 and says in done.stderr, done.stderr

    def test_a_refused_login_and_a_missing_vhost(self, tmp_path: Path, stream: Path, rabbitmq_vhost: str) -> None:
        wrong = amqp_url(rabbitmq_vhost).replace("guest:guest@", "guest:wrong@")
        done = run_assigner(env(tmp_path, wrong), "publish", str(stream))
        assert (done.returncode, done.stderr.count("\n")) == (1, 1), done.stderr
        assert "the login was refused: check the user and password of ASSIGNER_BROKER_URL" in done.stderr
        missing = f"nowhere-{uuid.uuid4().hex[:6]}"
        done = run_assigner(env(tmp_path, amqp_url(missing)), "command", "complete", numbers(1)[0], "--by", "sup.a")
        assert (done.returncode, done.stderr.count("\n")) == (1, 1), done.stderr
        assert f"vhost '{missing}' does not exist or the user may not use it" in done.stderr

    def test_a_worker_whose_login_is_refused_says_so_and_exits(
        self, tmp_path: Path, rabbitmq_vhost: str, migrated_postgres: str
    ) -> None:
        wrong = amqp_url(rabbitmq_vhost).replace("guest:guest@", "guest:wrong@")
        done = run_assigner({**env(tmp_path, wrong), "ASSIGNER_DATABASE_URL": migrated_postgres}, "worker")
        assert (done.returncode, done.stderr.count("\n")) == (1, 1), done.stderr + done.stdout
        assert "the login was refused" in done.stderr

    def test_a_user_without_the_permission_to_wait_is_told_so(self, tmp_path: Path, rabbitmq_vhost: str) -> None:
        user = BrokerUser(f"writer-{uuid.uuid4().hex[:6]}", uuid.uuid4().hex)
        rabbitmqctl("add_user", user.name, user.password)
        try:
            rabbitmqctl("set_permissions", "-p", rabbitmq_vhost, user.name, "", ".*", "")  # may write, nothing else
            done = run_assigner(
                env(tmp_path, user.url(rabbitmq_vhost)),
                "command",
                "complete",
                numbers(1)[0],
                "--wait",
                "--timeout",
                "5",
            )
        finally:
            rabbitmqctl("delete_user", user.name, check=False)
        assert (done.returncode, done.stderr.count("\n")) == (1, 1), done.stderr
        assert done.stderr.startswith("error: broker: ") and "ACCESS_REFUSED" in done.stderr
        assert "check the user's permissions" in done.stderr

    def test_the_permissions_readme_gives_a_supervisor_are_enough_to_wait(
        self, tmp_path: Path, rabbitmq_vhost: str
    ) -> None:
        connection = client(amqp_url(rabbitmq_vhost))
        channel = connection.channel()
        declare_topology(channel)  # as a worker does at start
        connection.close()
        user = add_role_user(rabbitmq_vhost, "supervisor")  # README, "RabbitMQ users and permissions"
        try:
            done = run_assigner(
                env(tmp_path, user.url(rabbitmq_vhost)),
                "command",
                "complete",
                numbers(1)[0],
                "--wait",
                "--timeout",
                "2",
            )
        finally:
            rabbitmqctl("delete_user", user.name, check=False)
        assert done.returncode == 4, done.stderr  # published, bound, waited: no worker runs in this test
        assert done.stderr.strip() == "no answer within 2 s: is a worker running?"
