"""`assigner bench assign|pipeline|report|verify|compare`: figures measured on this machine; asserts nothing.

Each subcommand makes what it measures on (a scratch database, a vhost) and removes it afterwards, and
prints its figures, or one JSON document with `--json`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from assigner import logs
from assigner.cli.output.bench_table import emit, progress
from assigner.devtools.bench import console_timing, runs
from assigner.devtools.bench.compare import CompareOptions, run_compare

app = typer.Typer(help="Measure the product on this machine: figures printed, nothing asserted.", no_args_is_help=True)

Postgres = Annotated[
    str | None, typer.Option(help="PostgreSQL server URL to make a scratch database on; default SQLite.")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the figures as one JSON document.")]
DEFAULTS = CompareOptions()


@app.command("assign")
def assign(
    count: Annotated[int, typer.Option(min=1, help="Declarations to assign (all yellow).")] = 10_000,
    postgres: Postgres = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Declarations per transaction.")] = 500,
    drawn: Annotated[bool, typer.Option("--drawn", help="Every unit draws its rounds' order.")] = False,
    as_json: AsJson = False,
) -> None:
    """Import the sample roster (3 units), assign COUNT declarations in process: rate, memory, spread."""
    logs.configure(level="WARNING")
    emit("assign", runs.assign(count, postgres, batch_size, drawn), as_json)


@app.command("pipeline")
def pipeline(
    count: Annotated[int, typer.Option(min=1, help="Declarations to publish (all yellow).")] = 10_000,
    postgres: Postgres = None,
    broker: Annotated[str | None, typer.Option(help="RabbitMQ URL (amqp://...); default the embedded broker.")] = None,
    batch_size: Annotated[int, typer.Option(min=1, help="Declarations per transaction.")] = 500,
    as_json: AsJson = False,
) -> None:
    """Start a worker process, publish COUNT declarations, time until the last event is back."""
    logs.configure(level="WARNING")
    emit("pipeline", runs.pipeline(count, postgres, broker, batch_size), as_json)


@app.command("report")
def report(
    rows: Annotated[int, typer.Option(min=1, help="Declarations in the year loaded.")] = 1_000_000,
    postgres: Postgres = None,
    as_json: AsJson = False,
) -> None:
    """Load a year of ROWS declarations, then time the reports an office and an auditor run."""
    logs.configure(level="WARNING")
    with progress(not as_json) as advance:
        figures = runs.reports(rows, postgres, advance)
    emit("report", figures, as_json)


@app.command("verify")
def verify(
    entries: Annotated[int, typer.Option(min=2, help="Audit entries to write, then verify.")] = 1_000_000,
    postgres: Postgres = None,
    as_json: AsJson = False,
) -> None:
    """Write an audit log of ENTRIES (turns over 10 units, sealed per 500), time a full verify and one
    `--since` the head written before the last 1 % (or the last batch)."""
    logs.configure(level="WARNING")
    with progress(not as_json) as advance:
        figures = runs.verify(entries, postgres, advance)
    emit("verify", figures, as_json)


@app.command("console")
def console(
    home: Annotated[Path, typer.Option(help="An ASSIGNER_HOME with data: `assigner demo --home DIR` makes one.")],
    officer: Annotated[str, typer.Option(help="Whose own page is asked for.")] = "off.0102",
    supervisor: Annotated[str, typer.Option(help="Who asks for the units and the unit's page.")] = "sup.01b1",
    unit: Annotated[str, typer.Option(help="The unit's page asked for, OFFICE/DEPARTMENT.")] = "01B1/01",
    rounds: Annotated[int, typer.Option(min=1, help="Requests per page (the median is printed).")] = 20,
    as_json: AsJson = False,
) -> None:
    """Time the console's pages on a demo's data, in process: an officer's own page, a supervisor's units and
    unit pages, and their live parts."""
    logs.configure(level="WARNING")
    emit("console", console_timing.console_pages(home, officer, supervisor, unit, rounds), as_json)


@app.command("compare")
def compare(
    count: Annotated[int, typer.Option(min=100, help="Backlog drained by each contender.")] = DEFAULTS.count,
    rate: Annotated[float, typer.Option(min=1, help="Offered load of the latency run, per second.")] = DEFAULTS.rate,
    latency_count: Annotated[
        int, typer.Option(min=10, help="Declarations of the latency run.")
    ] = DEFAULTS.latency_count,
    cost_count: Annotated[
        int, typer.Option(min=10, help="Declarations timed in each cost case.")
    ] = DEFAULTS.cost_count,
    history: Annotated[
        int, typer.Option(min=0, help="Declarations stored before the history cost case.")
    ] = DEFAULTS.history,
    large_roster: Annotated[
        int, typer.Option(min=11, help="Officers of the large roster's unit.")
    ] = DEFAULTS.large_roster,
    many_units: Annotated[int, typer.Option(min=2, help="Units of the many-units cost case.")] = DEFAULTS.many_units,
    scale_units: Annotated[
        int, typer.Option(min=1, help="Units one worker of 1, 2 and 4 processes drains over.")
    ] = DEFAULTS.scale_units,
    rabbitmq: Annotated[str, typer.Option(help="RabbitMQ (a vhost of the run's own is made).")] = DEFAULTS.rabbitmq,
    postgres: Annotated[
        str, typer.Option(help="PostgreSQL server (databases of the run's own are made).")
    ] = DEFAULTS.postgres,
    as_json: AsJson = False,
) -> None:
    """Side by side on this machine's RabbitMQ and PostgreSQL: Celery doing nothing, the broker's limit for
    our work, assigner's worker (Celery and assigner as by default, all cores, then one process each); latency
    at a fixed load and the worker's phases; costs as rosters, units and history grow; a worker of 1, 2 and 4
    processes over many units; peak RSS per process; and which targets hold."""
    logs.configure(level="WARNING")
    options = CompareOptions(
        count, rate, latency_count, cost_count, history, large_roster, many_units, scale_units, rabbitmq, postgres
    )
    say = (lambda line: None) if as_json else (lambda line: typer.echo(f"bench: {line}", err=True))
    figures: dict[str, Any] = run_compare(options, say)
    emit("compare", figures, as_json)
