"""`assigner bench compare`, small, on this machine's RabbitMQ and PostgreSQL: every contender drains the whole
backlog (Celery and assigner as by default and as one process), the latency run reads the worker's phases from
its /metrics, every case assigns what it was given, the targets are judged from those figures, nothing is left."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from environment import POSTGRES_ADMIN_URL
from sqlalchemy.engine import make_url

from assigner.bootstrap import Runtime
from assigner.cli import run
from assigner.devtools.bench import compare, costs
from assigner.devtools.bench.runs import scratch_runtime
from assigner.devtools.bench.world import World, bench_world

pytestmark = pytest.mark.slow
SERVER = "amqp://guest:guest@127.0.0.1:5672/"


def still_there(vhosts: set[str], databases: set[str]) -> tuple[set[str], set[str]]:
    """Which of these vhosts and databases the servers still hold."""
    listed = subprocess.run(["rabbitmqctl", "-q", "list_vhosts"], capture_output=True, text=True, check=True)
    stored = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SELECT datname FROM pg_database"],
        capture_output=True,
        text=True,
        check=True,
    )
    return vhosts & set(listed.stdout.split()), databases & set(stored.stdout.split())


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> tuple[set[str], set[str]]:
    """The vhosts and databases the compare run makes, noted as it makes them (other runs on the same
    servers may make their own meanwhile)."""
    vhosts: set[str] = set()
    databases: set[str] = set()

    @contextmanager
    def noted_world(*args: Any, **kwargs: Any) -> Iterator[World]:
        with bench_world(*args, **kwargs) as world:
            vhosts.add(world.vhost)
            databases.add(str(make_url(world.database_url).database))
            yield world

    @contextmanager
    def noted_runtime(*args: Any, **kwargs: Any) -> Iterator[Runtime]:
        with scratch_runtime(*args, **kwargs) as runtime:
            databases.add(str(runtime.engine.url.database))
            yield runtime

    monkeypatch.setattr(compare, "bench_world", noted_world)
    monkeypatch.setattr(costs, "scratch_runtime", noted_runtime)
    return vhosts, databases


class TestBenchCompare:
    def test_a_small_compare_measures_everything_and_leaves_nothing_behind(
        self,
        rabbitmq_url: str,
        postgres_url: str,
        capsys: pytest.CaptureFixture[str],
        made: tuple[set[str], set[str]],
    ) -> None:
        args = [
            "bench",
            "compare",
            "--count",
            "300",
            "--latency-count",
            "40",
            "--rate",
            "100",
            "--cost-count",
            "20",
            "--history",
            "300",
            "--large-roster",
            "30",
            "--many-units",
            "12",
            "--scale-units",
            "6",
            "--rabbitmq",
            SERVER,
            "--postgres",
            POSTGRES_ADMIN_URL,
            "--json",
        ]
        assert run(args) == 0
        found = json.loads(capsys.readouterr().out)

        assert (found["bench"], found["backlog"]) == ("compare", 300)
        rates = ("celery_noop", "celery_noop_one_process", "raw_amqp", "assigner", "assigner_one_process")
        for rate in rates:
            assert found[f"{rate}_per_second"] > 0
        assert found["assigner_over_celery"] == pytest.approx(
            found["assigner_per_second"] / found["celery_noop_per_second"], rel=0.02
        )
        assert found["assigner_one_process_over_celery_one_process"] == pytest.approx(
            found["assigner_one_process_per_second"] / found["celery_noop_one_process_per_second"], rel=0.02
        )
        assert found["assigner_worker_processes"] >= 1
        assert 0 < found["latency_p50_ms"] <= found["latency_p99_ms"] <= found["latency_max_ms"]
        assert found["latency_offered_per_second"] == 100
        phases = found["latency_phases_ms"]
        assert list(phases) == ["wait", "decide", "publish", "ack"]
        for phase in phases.values():
            assert phase["batches"] >= 1 and 0 <= phase["mean"] and 0 <= phase["p99"]
        assert found["latency_queued_ms"] == pytest.approx(
            found["latency_mean_ms"] - sum(phases[name]["mean"] for name in ("wait", "decide", "publish")), abs=0.2
        )
        assert [(row["processes"], row["partitions"]) for row in found["scaling"]] == [(1, 0), (2, 0), (4, 0), (4, 16)]
        assert all(len(row["lock_wait_share"]) == row["processes"] and row["units"] == 6 for row in found["scaling"])
        assert [row["case"] for row in found["costs"]] == [
            "1 unit of 10 officers vs 1 unit of 30 officers",
            "1 unit vs 12 units",
            "empty history vs 300 stored",
        ]
        assert 0 < found["worker_peak_rss_mib"] < 1024 and 0 < found["worker_one_process_peak_rss_mib"] < 1024
        judged = {row["target"]: row["holds"] for row in found["targets"]}
        assert judged["worker / Celery doing nothing (both by default: all cores)"] == (
            found["assigner_over_celery"] >= 2
        )
        assert judged["latency p99 at 100/s"] == (found["latency_p99_ms"] <= 50)
        assert (
            len(judged) == 3 + 3 + 2 + 1
        )  # throughput and latency, costs, lock waits (without and with partitions), memory
        vhosts, databases = made
        assert len(vhosts) == 5 + 1 + 4 and len(databases) == 5 + 1 + 4 + 6  # drains, latency, scaling; costs
        assert still_there(vhosts, databases) == (set(), set())
