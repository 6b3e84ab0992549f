"""`assigner bench compare`: the product's worker next to Celery doing nothing and the broker's limit, in one
run on the same RabbitMQ and PostgreSQL; then latency and where it goes, costs as things grow, scale-out,
memory, targets.

Celery and assigner are each measured twice: as they run by default (Celery's prefork pool and assigner's
worker both use every CPU), and as one process each. The headline figures (`assigner_per_second`,
`assigner_over_celery`, `assigner_over_raw`, `worker_peak_rss_mib`) are the default worker's against Celery's
default; the raw loop is one process either way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from assigner.devtools import samples
from assigner.devtools.bench import costs
from assigner.devtools.bench.baselines.amqp_tools import Drain
from assigner.devtools.bench.baselines.celery_noop import celery_noop_drain
from assigner.devtools.bench.baselines.raw_loop import raw_amqp_drain
from assigner.devtools.bench.drain import WorkerDrain, worker_drain
from assigner.devtools.bench.latency import latency, latency_figures
from assigner.devtools.bench.runs import SAMPLE_UNITS
from assigner.devtools.bench.targets import targets
from assigner.devtools.bench.world import bench_world
from assigner.devtools.chaos.setup import require_loopback
from assigner.domain.model import Unit

# (processes of one worker, declaration partitions): the default without partitions, then 4 with them
SCALE_RUNS = ((1, 0), (2, 0), (4, 0), (4, 16))


@dataclass(frozen=True)
class CompareOptions:
    """What a compare run measures, and on which servers."""

    count: int = 20_000
    rate: float = 200.0
    latency_count: int = 2_000
    cost_count: int = 5_000
    history: int = 1_000_000
    large_roster: int = 10_000
    many_units: int = 1_000
    scale_units: int = 100
    rabbitmq: str = "amqp://guest:guest@127.0.0.1:5672/"
    postgres: str = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def run_compare(options: CompareOptions, say: Callable[[str], None]) -> dict[str, Any]:
    """Every measurement in turn, each in a vhost and database of its own; the figures and the targets."""
    require_loopback(options.rabbitmq, options.postgres)
    bodies = _bodies(options.count, SAMPLE_UNITS, seed=1)
    figures: dict[str, Any] = {"backlog": options.count}
    figures.update(_drains(options, bodies, say))
    say(f"latency at {options.rate:g}/s over {options.latency_count:,} declarations")
    with bench_world(options.rabbitmq, options.postgres, SAMPLE_UNITS) as world:
        measured = latency(world, _bodies(options.latency_count, SAMPLE_UNITS, seed=2), options.rate)
    figures.update(latency_figures(measured))
    figures["scaling"] = _scaling(options, say)
    say(f"costs: {options.cost_count:,} assignments per case, the history case over {options.history:,} stored")
    pairs = costs.measure_costs(
        options.postgres,
        options.cost_count,
        history=options.history,
        progress=say,
        large_roster=options.large_roster,
        many_units=options.many_units,
    )
    figures["costs"] = [_cost_row(small, large) for small, large in pairs]
    figures["targets"] = [target.row() for target in targets(figures)]
    return figures


def _drains(options: CompareOptions, bodies: list[bytes], say: Callable[[str], None]) -> dict[str, Any]:
    celery: dict[int | None, Drain] = {}
    ours: dict[int | None, WorkerDrain] = {}
    for concurrency in (None, 1):  # None: each as it runs by default, a process per CPU
        say(f"(a) Celery no-op task draining {options.count:,}, {_processes(concurrency)}")
        with bench_world(options.rabbitmq, options.postgres, []) as world:
            celery[concurrency] = celery_noop_drain(world.broker_url, bodies, concurrency)
    say(f"(b) raw confirmed consume-publish-ack loop draining {options.count:,}")
    with bench_world(options.rabbitmq, options.postgres, []) as world:
        raw = raw_amqp_drain(world.broker_url, bodies)
    for concurrency in (None, 1):
        say(f"(c) assigner worker draining {options.count:,} over {len(SAMPLE_UNITS)} units, {_processes(concurrency)}")
        with bench_world(options.rabbitmq, options.postgres, SAMPLE_UNITS) as world:
            ours[concurrency] = worker_drain(world, bodies, 1, concurrency)
    return drain_figures(celery[None], celery[1], raw, ours[None], ours[1])


def drain_figures(
    celery: Drain, celery_one: Drain, raw: Drain, ours: WorkerDrain, ours_one: WorkerDrain
) -> dict[str, Any]:
    """The drains' figures: the headline ones are the default worker's against Celery's default."""
    return {
        "celery_noop_per_second": round(celery.rate),
        "celery_noop_one_process_per_second": round(celery_one.rate),
        "raw_amqp_per_second": round(raw.rate),
        "assigner_per_second": round(ours.rate),
        "assigner_one_process_per_second": round(ours_one.rate),
        "assigner_worker_processes": ours.processes,
        "assigner_over_celery": round(ours.rate / celery.rate, 2),
        "assigner_over_raw": round(ours.rate / raw.rate, 2),
        "assigner_one_process_over_celery_one_process": round(ours_one.rate / celery_one.rate, 2),
        "worker_peak_rss_mib": round(ours.peak_rss_mib, 1),
        "worker_one_process_peak_rss_mib": round(ours_one.peak_rss_mib, 1),
    }


def _processes(concurrency: int | None) -> str:
    return "as by default (a process per CPU)" if concurrency is None else f"{concurrency} process"


def _scaling(options: CompareOptions, say: Callable[[str], None]) -> list[dict[str, Any]]:
    units = costs.bench_units(options.scale_units)
    bodies = _bodies(options.count, units, seed=3)
    rows = []
    for processes, partitions in SCALE_RUNS:
        say(
            f"one worker of {processes} process(es), {partitions} partitions, draining {options.count:,} over "
            f"{options.scale_units} units"
        )
        with bench_world(options.rabbitmq, options.postgres, units) as world:
            # The lock sampler tells the processes apart by their sessions' application_name (PGAPPNAME, numbered
            # by the supervisor).
            drain = worker_drain(world, bodies, 1, concurrency=processes, partitions=partitions)
        rows.append(
            {
                "processes": processes,
                "partitions": partitions,
                "units": options.scale_units,
                "per_second": round(drain.rate),
                "lock_wait_share": [round(share, 3) for share in drain.lock_wait_share],
                "peak_rss_mib": round(drain.peak_rss_mib, 1),
            }
        )
    return rows


def _cost_row(small: Any, large: Any) -> dict[str, Any]:
    return {
        "case": f"{small.case} vs {large.case}",
        "small_ms": round(small.per_assignment_ms, 3),
        "large_ms": round(large.per_assignment_ms, 3),
        "ratio": round(large.per_assignment_ms / small.per_assignment_ms, 2),
    }


def _bodies(count: int, units: list[Unit], seed: int) -> list[bytes]:
    return [json.dumps(message).encode() for message in samples.declarations(count, units, seed=seed, channel="yellow")]
