"""`assigner bench compare`, small, on this machine's RabbitMQ and PostgreSQL: every contender drains the whole
backlog, every case assigns what it was given, the targets are judged from those figures, nothing is left."""

from __future__ import annotations

import json
import subprocess

import pytest

from assigner.cli import run
from environment import POSTGRES_ADMIN_URL

pytestmark = pytest.mark.slow
SERVER = "amqp://guest:guest@127.0.0.1:5672/"


def bench_leftovers() -> tuple[list[str], list[str]]:
    """The bench's vhosts and databases still on the servers."""
    vhosts = subprocess.run(["rabbitmqctl", "-q", "list_vhosts"], capture_output=True, text=True, check=True)
    databases = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SELECT datname FROM pg_database"],
                               capture_output=True, text=True, check=True)
    return ([name for name in vhosts.stdout.split() if name.startswith("assigner-bench-")],
            [name for name in databases.stdout.split() if name.startswith("assigner_bench")])


class TestBenchCompare:
    def test_a_small_compare_measures_everything_and_leaves_nothing_behind(
        self, rabbitmq_url: str, postgres_url: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        before = bench_leftovers()
        args = ["bench", "compare", "--count", "300", "--latency-count", "40", "--rate", "100", "--cost-count", "20",
                "--history", "300", "--large-roster", "30", "--many-units", "12", "--scale-units", "6",
                "--rabbitmq", SERVER, "--postgres", POSTGRES_ADMIN_URL, "--json"]
        assert run(args) == 0
        found = json.loads(capsys.readouterr().out)

        assert (found["bench"], found["backlog"]) == ("compare", 300)
        for rate in ("celery_noop_per_second", "raw_amqp_per_second", "assigner_per_second"):
            assert found[rate] > 0
        assert found["assigner_over_celery"] == pytest.approx(
            found["assigner_per_second"] / found["celery_noop_per_second"], rel=0.02)
        assert 0 < found["latency_p50_ms"] <= found["latency_p99_ms"] <= found["latency_max_ms"]
        assert [row["workers"] for row in found["scaling"]] == [1, 2, 4]
        assert all(len(row["lock_wait_share"]) == row["workers"] and row["units"] == 6 for row in found["scaling"])
        assert [row["case"] for row in found["costs"]] == [
            "1 unit of 10 officers vs 1 unit of 30 officers", "1 unit vs 12 units", "empty history vs 300 stored"]
        assert 0 < found["worker_peak_rss_mib"] < 1024
        judged = {row["target"]: row["holds"] for row in found["targets"]}
        assert judged["worker / Celery doing nothing"] == (found["assigner_over_celery"] >= 2)
        assert len(judged) == 3 + 3 + 2 + 1
        assert bench_leftovers() == before
