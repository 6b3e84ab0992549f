"""`assigner chaos`: break workers, RabbitMQ and PostgreSQL while declarations flow, then count."""

from __future__ import annotations

import json
import signal
import sys
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
    broker_restarts: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="RabbitMQ restarts (default 1); with --cluster, faults of a node taken in turn: stop_app of "
            "the declarations queue's leader, SIGKILL of the node leading it (default 2).",
        ),
    ] = None,
    database_restarts: Annotated[
        int | None,
        typer.Option(min=0, help="PostgreSQL restarts; with --cluster, failovers to the standby (default 1)."),
    ] = None,
    queue_type: Annotated[
        str | None,
        typer.Option(
            help="classic or quorum: the contract's queues and the downstream ones (default classic; quorum "
            "with --cluster, which takes no other)."
        ),
    ] = None,
    cluster: Annotated[
        bool,
        typer.Option(
            "--cluster",
            help="Build a 3-node RabbitMQ cluster and a PostgreSQL primary with a standby of the run's own on "
            "loopback (this machine's servers untouched), strike them, remove them.",
        ),
    ] = False,
    standby: Annotated[
        str,
        typer.Option(
            help="With --cluster: sync (commits wait for the standby) or async (measures what a failover loses)."
        ),
    ] = "sync",
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
    partitions: Annotated[
        int, typer.Option(min=0, max=64, help="The workers' declaration_partitions (0: none, the default).")
    ] = DEFAULTS.partitions,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as one JSON document.")] = False,
) -> None:
    """Run workers on this machine's RabbitMQ and PostgreSQL, break them while a stream flows, check the result.

    Exit 0 when every check passes, 1 otherwise. Restarts this machine's servers: loopback only.
    """
    queue_type = queue_type or ("quorum" if cluster else "classic")
    if queue_type not in ("classic", "quorum"):
        raise typer.BadParameter("classic or quorum", param_hint="--queue-type")
    if cluster and queue_type != "quorum":
        raise typer.BadParameter(
            "a cluster run uses quorum queues (a classic queue lives on one node)", param_hint="--queue-type"
        )
    if standby not in ("sync", "async"):
        raise typer.BadParameter("sync or async", param_hint="--standby")
    if standby == "async" and not cluster:
        raise typer.BadParameter("only with --cluster (this machine's server has no standby)", param_hint="--standby")
    ignored = {
        "--rabbitmq": rabbitmq != DEFAULTS.rabbitmq,
        "--postgres": postgres != DEFAULTS.postgres,
        "--restart-rabbitmq": restart_rabbitmq != DEFAULTS.restart_rabbitmq,
        "--restart-postgresql": restart_postgresql != DEFAULTS.restart_postgresql,
    }
    if cluster and any(ignored.values()):
        given = ", ".join(name for name, changed in ignored.items() if changed)
        raise typer.BadParameter(
            f"a cluster run builds its own servers: {given} would be ignored", param_hint="--cluster"
        )
    # SIGTERM (a test's timeout, systemd, kill) unwinds like Ctrl-C: the servers, vhost and folders the run
    # made are removed on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    logs.configure(level="WARNING")
    console = terminal.console(stderr=True)
    options = Options(
        count,
        rate,
        workers,
        kills,
        (2 if cluster else 1) if broker_restarts is None else broker_restarts,
        1 if database_restarts is None else database_restarts,
        queue_type,
        rabbitmq,
        postgres,
        restart_rabbitmq,
        restart_postgresql,
        drain_timeout,
        cluster=cluster,
        synchronous=standby == "sync",
        partitions=partitions,
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
                "longest_pause_seconds": None if f.longest_pause is None else round(f.longest_pause, 2),
                "over_after_seconds": None if f.back is None or f.started is None else round(f.back - f.started, 1),
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
    faults = Table("fault", "due at", "struck at", "work resumed after", "longest pause", "over after")
    for f in report.faults:
        resumed = "" if f.kind == "commands" else "never" if f.resumed_after is None else f"{f.resumed_after:.1f} s"
        resumed += " of the strike" if f.on_cluster and f.resumed_after is not None else ""
        struck = "never" if f.at_message is None else f"message {f.at_message:,}"
        over = "" if f.back is None or f.started is None or f.kind == "commands" else f"{f.back - f.started:.1f} s"
        pause = "" if f.longest_pause is None else f"{f.longest_pause:.1f} s"
        faults.add_row(f.name, f"{f.at_share:.0%} of the planned stream", struck, resumed, pause, over)
    console.print(faults)
    figures = Table("figure", "value")
    for name, value in report.figures.items():
        figures.add_row(name, f"{value:,}" if isinstance(value, int) else str(value))
    console.print(figures)
