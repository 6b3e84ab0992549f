"""`assigner chaos`: break workers, RabbitMQ and PostgreSQL while declarations flow, then count."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from assigner import logs
from assigner.cli.output import terminal
from assigner.devtools.chaos.run import Options, Report, run_chaos

DEFAULTS = Options()


def chaos(
    count: Annotated[
        int,
        typer.Option(
            min=100,
            help="Valid declarations planned; the stream goes on past them until "
            "the faults are over and work was seen after them.",
        ),
    ] = DEFAULTS.count,
    rate: Annotated[float, typer.Option(min=1, help="Messages offered per second.")] = DEFAULTS.rate,
    workers: Annotated[int, typer.Option(min=1, max=32, help="Worker processes.")] = DEFAULTS.workers,
    kills: Annotated[int, typer.Option(min=0, help="Workers killed with SIGKILL (and restarted).")] = DEFAULTS.kills,
    broker_restarts: Annotated[int, typer.Option(min=0, help="RabbitMQ restarts.")] = DEFAULTS.broker_restarts,
    database_restarts: Annotated[int, typer.Option(min=0, help="PostgreSQL restarts.")] = DEFAULTS.database_restarts,
    queue_type: Annotated[
        str, typer.Option(help="classic or quorum: the contract's queues and the downstream ones.")
    ] = DEFAULTS.queue_type,
    rabbitmq: Annotated[
        str, typer.Option(help="This machine's RabbitMQ (a vhost of the run's own is made).")
    ] = DEFAULTS.rabbitmq,
    postgres: Annotated[
        str, typer.Option(help="This machine's PostgreSQL server (a database of the run's own is made).")
    ] = DEFAULTS.postgres,
    restart_rabbitmq: Annotated[
        str, typer.Option(help="Shell command restarting RabbitMQ, returning once it answers.")
    ] = DEFAULTS.restart_rabbitmq,
    restart_postgresql: Annotated[
        str, typer.Option(help="Shell command restarting PostgreSQL.")
    ] = DEFAULTS.restart_postgresql,
    drain_timeout: Annotated[
        float, typer.Option(min=10, help="Seconds the drain may take after publishing.")
    ] = DEFAULTS.drain_timeout,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as one JSON document.")] = False,
) -> None:
    """Run workers on this machine's RabbitMQ and PostgreSQL, break them while a stream flows, check the result.

    Exit 0 when every check passes, 1 otherwise. Restarts this machine's servers: loopback only.
    """
    if queue_type not in ("classic", "quorum"):
        raise typer.BadParameter("classic or quorum", param_hint="--queue-type")
    logs.configure(level="WARNING")
    console = terminal.console(stderr=True)
    options = Options(
        count,
        rate,
        workers,
        kills,
        broker_restarts,
        database_restarts,
        queue_type,
        rabbitmq,
        postgres,
        restart_rabbitmq,
        restart_postgresql,
        drain_timeout,
    )
    report = run_chaos(options, lambda line: console.print(f"chaos: {line}"))
    if as_json:
        typer.echo(json.dumps(_document(report), indent=2))
    else:
        _print(report)
    if not report.ok:
        raise typer.Exit(1)


def _document(report: Report) -> dict[str, object]:
    return {
        "ok": report.ok,
        "checks": [asdict(v) for v in report.verdicts],
        "faults": [
            {
                "fault": f.name,
                "at": round(f.at_share, 2),
                "at_message": f.at_message,
                "resumed_after_seconds": f.resumed_after,
            }
            for f in report.faults
        ],
        "figures": report.figures,
    }


def _print(report: Report) -> None:
    console = terminal.console(width=160)
    checks = Table("check", "", "what was counted", title="assigner chaos: " + ("PASSED" if report.ok else "FAILED"))
    for v in report.verdicts:
        checks.add_row(v.name, "ok" if v.ok else "FAIL", v.detail)
    console.print(checks)
    faults = Table("fault", "due at", "struck at", "work resumed after")
    for f in report.faults:
        resumed = "" if f.kind == "commands" else "never" if f.resumed_after is None else f"{f.resumed_after:.1f} s"
        struck = "never" if f.at_message is None else f"message {f.at_message:,}"
        faults.add_row(f.name, f"{f.at_share:.0%} of the planned stream", struck, resumed)
    console.print(faults)
    figures = Table("figure", "value")
    for name, value in report.figures.items():
        figures.add_row(name, f"{value:,}" if isinstance(value, int) else str(value))
    console.print(figures)
