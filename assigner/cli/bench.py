"""`assigner bench`: measure `assign` on a fresh database; prints figures, asserts nothing."""

from __future__ import annotations

import json
import resource
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from kombu.entity import Queue

from assigner import logging as assigner_logging
from assigner import bench_report, sample
from assigner.bootstrap import Runtime
from assigner.broker.connection import connect, display_url
from assigner.cli.assign import assign_file, print_summary
from assigner.cli.publish import publish_lines
from assigner.demo import start_worker, stop_worker, wait_until_consuming, watch_events
from assigner.domain.model import Unit
from assigner.roster_file import read_roster
from assigner.resources import shipped
from assigner.services.roster import import_roster, roster_listing
from assigner.settings import Settings
from assigner.storage import migrate
from assigner.storage.scratch import scratch_database

UNITS = [Unit("01B1", "00"), Unit("01B1", "01"), Unit("02CI", "00")]


@contextmanager
def fresh_database(folder: Path, postgres: str | None) -> Iterator[str]:
    """An empty database for the run: an SQLite file, or a scratch PostgreSQL database."""
    if postgres is None:
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    with scratch_database(postgres, "assigner_bench") as url:
        yield url


def bench(
    count: Annotated[int, typer.Option(min=1, help="Declarations to assign (all yellow).")] = 10_000,
    postgres: Annotated[
        str | None, typer.Option(help="PostgreSQL server URL to make a scratch database on; default SQLite.")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Declarations per transaction.")] = 500,
    pipeline: Annotated[
        bool, typer.Option(help="Measure the broker pipeline instead: publish, a worker process, every event back.")
    ] = False,
    broker: Annotated[
        str | None, typer.Option(help="With --pipeline: RabbitMQ URL (amqp://...); default the embedded broker.")
    ] = None,
    report: Annotated[
        bool, typer.Option(help="Measure reports instead: load a year of --rows declarations, time one-month reports.")
    ] = False,
    rows: Annotated[int, typer.Option(min=1, help="With --report: declarations in the year loaded.")] = 1_000_000,
) -> None:
    """Import the sample roster (3 units), assign COUNT declarations, print rate, memory and spread."""
    assigner_logging.configure(level="WARNING")
    if report:
        bench_reports(postgres, rows)
        return
    with tempfile.TemporaryDirectory() as folder, fresh_database(Path(folder), postgres) as url:
        settings = Settings(database_url=url, home=Path(folder), broker_url=broker, batch_size=batch_size,
                            events_queue=f"assigner.bench.{uuid.uuid4().hex[:8]}")
        runtime = Runtime(settings)
        migrate.upgrade(runtime.engine)
        entries = read_roster(shipped("samples") / "roster.csv")
        import_roster(runtime.unit_of_work(), entries, runtime.clock, runtime.policy, "bench")
        messages = sample.declarations(count, UNITS, seed=42, channel="yellow")
        if pipeline:
            bench_pipeline(settings, [json.dumps(m).encode() for m in messages])
        else:
            stream = Path(folder) / "declarations.jsonl"
            stream.write_text("".join(json.dumps(m) + "\n" for m in messages))
            started = time.perf_counter()
            tally = assign_file(runtime, stream, batch_size)
            print_summary(tally, time.perf_counter() - started, runtime.engine.dialect.name)
        _print_spread(runtime)
        runtime.engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    typer.echo(f"peak memory {peak:,.0f} MiB (whole process)")


def bench_reports(postgres: str | None, rows: int) -> None:
    """Load a year of declarations into a fresh database, then time the reports on it."""
    with tempfile.TemporaryDirectory() as folder, fresh_database(Path(folder), postgres) as url:
        runtime = Runtime(Settings(database_url=url, home=Path(folder)))
        migrate.upgrade(runtime.engine)
        started = time.perf_counter()
        with Progress(transient=True) as progress:
            task = progress.add_task("loading a year of declarations", total=rows)
            bench_report.load_year(runtime, rows, lambda done: progress.update(task, completed=done))
        typer.echo(f"loaded {rows:,} declarations over {len(bench_report.units())} units in "
                   f"{time.perf_counter() - started:.1f} s ({runtime.engine.dialect.name})")
        for label, best, median, counted in bench_report.time_reports(runtime):
            typer.echo(f"report {label:<28} {counted:>9,} declarations: best {best:.3f} s, median {median:.3f} s")
        runtime.engine.dispose()


def bench_pipeline(settings: Settings, bodies: list[bytes]) -> None:
    """Start a worker, publish the bodies, and time until the last event is back."""
    with (settings.home / "worker.log").open("ab") as log:
        worker = start_worker(settings, log)
        try:
            wait_until_consuming(settings, worker, 60)
            started = time.perf_counter()
            publish_lines(settings, iter(bodies), len(bodies))
            published = time.perf_counter() - started
            watch, _ = watch_events(settings, len(bodies), 0, worker, 600, lambda seen: None)
            elapsed = watch.last_at - started
        finally:
            stop_worker(worker)
            _delete_queue(settings)
    typer.echo(f"published {len(bodies):,} in {published:.2f} s; last event after {elapsed:.2f} s: "
               f"{len(bodies) / elapsed:,.0f} declarations/s end to end ({display_url(settings)}, "
               f"batches of up to {settings.batch_size})")


def _delete_queue(settings: Settings) -> None:
    with connect(settings) as connection:
        Queue(settings.events_queue, routing_key="#")(connection.default_channel).delete()


def _print_spread(runtime: Runtime) -> None:
    counts: dict[Unit, list[int]] = {}
    for line in roster_listing(runtime.unit_of_work(), runtime.clock):
        if line.position is not None:
            counts.setdefault(line.unit, []).append(line.assigned)
    for unit, assigned in counts.items():
        typer.echo(f"{unit}: {len(assigned)} officers, {sum(assigned):,} assigned, spread {max(assigned) - min(assigned)}")
