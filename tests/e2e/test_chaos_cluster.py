"""`assigner chaos --cluster`, smaller than its defaults: a 3-node RabbitMQ cluster with quorum queues and a
PostgreSQL primary with a synchronous standby, built on loopback beside this machine's servers; the node
leading the declarations queue stopped (stop_app), another leader killed (SIGKILL), the primary crashed and
the standby promoted, a worker killed; nothing lost or doubled, every announced decision held, and
everything the run made removed, this machine's own servers untouched."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from e2e.support import passed_chaos_run

pytestmark = pytest.mark.slow

SMALL_RUN = ("--cluster", "--count", "3000", "--rate", "250", "--kills", "1", "--json")
RUN_TIMEOUT = 900  # liveness: the run takes about two minutes


def _server_pids() -> dict[str, str]:
    """This machine's own RabbitMQ node and PostgreSQL server: their process ids."""
    rabbit = subprocess.run(["rabbitmqctl", "-q", "eval", "os:getpid()."], capture_output=True, text=True)
    postgres = subprocess.run(["pgrep", "-f", "postgres -D /var/lib/postgresql"], capture_output=True, text=True)
    return {"rabbitmq": rabbit.stdout.strip(), "postgresql": postgres.stdout.split()[0]}


def _epmd_names() -> str:
    return subprocess.run(["epmd", "-names"], capture_output=True, text=True).stdout


@pytest.fixture
def cluster_tools(rabbitmq_management: str, migrated_postgres: str) -> None:
    """RabbitMQ's and PostgreSQL's server programs (CI has them: a missing one fails there, skips elsewhere)."""
    missing = [tool for tool in ("rabbitmq-server", "rabbitmqctl", "epmd") if shutil.which(tool) is None]
    if not list(Path("/usr/lib/postgresql").glob("*/bin/pg_basebackup")):
        missing.append("pg_basebackup")
    if missing and os.environ.get("CI") != "true":
        pytest.skip(f"a cluster run needs {', '.join(missing)}")
    assert not missing, f"CI lacks {missing}"


class TestChaosCluster:
    def test_a_cluster_run_survives_a_leader_stop_a_node_kill_a_failover_and_a_worker_kill(
        self, cluster_tools: None
    ) -> None:
        before = _server_pids()
        report, said = passed_chaos_run(SMALL_RUN, RUN_TIMEOUT)
        checks = {check["name"] for check in report["checks"]}
        assert {"announced decisions held", "standby streaming again", "every RabbitMQ node back"} <= checks
        faults = {re.sub(r"assigner-chaos-\d@localhost", "NODE", fault["fault"]): fault for fault in report["faults"]}
        assert set(faults) == {
            "SIGKILL worker 1",
            "stop_app the declarations queue's leader, NODE",
            "supervisor commands burst",
            "PostgreSQL failover: primary stopped (immediate), standby promoted",
            "SIGKILL RabbitMQ node NODE, the declarations queue's leader",
        }
        assert all(
            fault["resumed_after_seconds"] is not None and fault["over_after_seconds"] is not None
            for name, fault in faults.items()
            if name != "supervisor commands burst"
        )
        assert all(
            fault["longest_pause_seconds"] is not None
            for name, fault in faults.items()
            if name not in ("supervisor commands burst", "SIGKILL worker 1")
        )
        assert report["figures"]["queue type"] == "quorum"
        assert "synchronous standby" in report["figures"]["servers"]

        built = re.search(r"in (/tmp/assigner-cluster-\w+)", said.replace("\n", " "))
        assert built, said[-2000:]
        assert not Path(built.group(1)).exists(), "the run's servers' folders are removed"
        assert "assigner-chaos-" not in _epmd_names(), "the run's RabbitMQ nodes are stopped"
        assert _server_pids() == before, "this machine's own RabbitMQ and PostgreSQL were not touched"

    def test_an_asynchronous_standby_is_only_for_a_cluster_run_and_the_queues_are_quorum_there(self) -> None:
        for args, says in (
            (["--standby", "async"], "only with --cluster"),
            (["--cluster", "--queue-type", "classic"], "quorum"),
            (["--cluster", "--standby", "later"], "sync or async"),
            (["--cluster", "--postgres", "postgresql+psycopg://postgres@127.0.0.1:5432/x"], "--postgres would be"),
        ):
            done = subprocess.run(
                [sys.executable, "-m", "assigner", "chaos", *args], capture_output=True, text=True, timeout=60
            )
            assert done.returncode == 2 and says in done.stderr and "Traceback" not in done.stderr, done.stderr
