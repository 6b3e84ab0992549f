"""`assigner worker`: the Celery worker with assigner's defaults, one consumer process per CPU."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer

from assigner.bootstrap import Runtime
from assigner.broker.connection import is_embedded
from assigner.settings import Settings


def worker(
    loglevel: Annotated[str, typer.Option(help="Celery's log level (assigner's outcome lines are INFO).")] = "INFO",
    hostname: Annotated[
        str | None,
        typer.Option(
            "--hostname",
            "-n",
            help="Node name, unique per worker (default assigner-PID@HOST); with several processes, NAME-N@HOST each.",
        ),
    ] = None,
    metrics_port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Serve Prometheus metrics on this port (/metrics).")
    ] = None,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency",
            "-c",
            min=0,
            max=256,
            help="Consumer processes (default worker_concurrency: 0, one per CPU; one on the embedded broker).",
        ),
    ] = None,
) -> None:
    """Consume assigner.declarations and assigner.commands until stopped (SIGTERM finishes the batch in hand)."""
    from workers.supervisor import Supervisor, child_names, die_with_supervisor

    supervised = die_with_supervisor()
    settings = Settings()
    if metrics_port is not None or supervised:  # a supervisor's child never serves: its supervisor does
        settings = settings.model_copy(update={"metrics_port": None if supervised else metrics_port})
    runtime = Runtime(settings).ready()  # a clear one-line error before Celery starts, not a traceback from inside it
    from workers.nodes import check_node_name, default_node_name

    processes = processes_of(settings, concurrency)
    if processes > 1:
        # Each child's name free, and the broker's login and vhost right (the supervisor's own name checks them
        # when the children take their own): refused in one line here, not by children restarted forever.
        for name in [name for name in child_names(hostname, processes) if name] or [default_node_name()]:
            check_node_name(settings, name)
        supervisor = Supervisor(runtime, processes, hostname, loglevel, settings.metrics_port)
        _exit_now(runtime, supervisor.run())

    from workers.factory import create_app

    app = create_app(runtime=runtime)
    name = hostname or default_node_name()
    check_node_name(runtime.settings, name)

    argv = [
        "worker",
        f"--loglevel={loglevel}",
        f"--hostname={name}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    code = _celery(app, argv)
    if code:  # an unrecoverable error (a port taken, say): a service manager must see the failure
        raise typer.Exit(code)
    _exit_now(runtime, 0)


def _exit_now(runtime: Runtime, code: int) -> None:
    """Exit once stopped cleanly, without the interpreter's teardown: freeing every module's objects takes
    0.4 s, and a stopped worker has nothing left to do but close its database connections."""
    runtime.engine.dispose()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def processes_of(settings: Settings, given: int | None) -> int:
    """How many consumer processes: as given, else the setting; 0 is one per CPU (one on the embedded broker,
    whose SQLite database takes one writer at a time)."""
    from workers.supervisor import cpu_count

    wanted = settings.worker_concurrency if given is None else given
    if wanted:
        return wanted
    return 1 if is_embedded(settings) else cpu_count()


def _celery(app: Any, argv: list[str]) -> int:
    """Celery's command line on this app, returning its exit code (app.worker_main drops it)."""
    from celery.bin.celery import celery as command

    command.params[0].default = app  # what app.start does
    try:
        return int(command.main(args=argv, standalone_mode=False) or 0)
    finally:
        command.params[0].default = None
