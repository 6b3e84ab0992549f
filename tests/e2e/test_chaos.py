"""`assigner chaos`, smaller than its defaults, as CI's proof that nothing is lost or doubled under faults.

It restarts this machine's RabbitMQ and PostgreSQL: the tests marked `restarts_services` run last, and
leave both servers running whatever happens.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e.support import ensure_services_running, passed_chaos_run

pytestmark = [pytest.mark.slow, pytest.mark.restarts_services]

SMALL_RUN = (
    "--count",
    "5000",
    "--rate",
    "250",
    "--kills",
    "1",
    "--broker-restarts",
    "1",
    "--database-restarts",
    "1",
    "--json",
)
RUN_TIMEOUT = 900  # liveness: the run takes about a minute


@pytest.fixture
def servers_left_running(rabbitmq_management: str, migrated_postgres: str) -> Iterator[None]:
    """Whatever the run does, RabbitMQ and PostgreSQL are up again for the tests after it."""
    try:
        yield
    finally:
        ensure_services_running()


class TestChaos:
    @pytest.mark.parametrize(("queue_type", "partitions"), [("classic", 0), ("quorum", 0), ("classic", 16)])
    def test_a_run_with_a_kill_a_broker_restart_and_a_database_restart_passes_every_check(
        self, queue_type: str, partitions: int, servers_left_running: None
    ) -> None:
        arguments = [*SMALL_RUN, "--queue-type", queue_type, "--partitions", str(partitions)]
        report, _ = passed_chaos_run(arguments, RUN_TIMEOUT)
        assert {fault["fault"] for fault in report["faults"]} >= {
            "SIGKILL worker 1",
            "restart RabbitMQ",
            "restart PostgreSQL",
            "supervisor commands burst",
        }
        assert all(
            f["resumed_after_seconds"] is not None
            for f in report["faults"]
            if f["fault"] != "supervisor commands burst"
        )
        figures = report["figures"]
        assert figures["poison"] >= 50 and figures["kinds of poison"] == 35 and figures["queue type"] == queue_type
        assert figures["declaration partitions"] == partitions
        assert figures["valid declarations"] >= 5000  # the planned ones, and more while the faults went on
