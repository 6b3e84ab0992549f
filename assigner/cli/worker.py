"""`assigner worker`: the Celery worker with assigner's defaults."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from assigner.bootstrap import Runtime
from assigner.settings import Settings


def worker(
    loglevel: Annotated[str, typer.Option(help="Celery's log level (assigner's outcome lines are INFO).")] = "INFO",
    hostname: Annotated[
        str | None, typer.Option("--hostname", "-n", help="Node name, unique per worker (default assigner-PID@HOST).")
    ] = None,
    metrics_port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Serve Prometheus metrics on this port (/metrics).")
    ] = None,
) -> None:
    """Consume assigner.declarations and assigner.commands until stopped (SIGTERM finishes the batch in hand)."""
    settings = Settings()
    if metrics_port is not None:
        settings = settings.model_copy(update={"metrics_port": metrics_port})
    runtime = Runtime(settings).ready()  # a clear one-line error before Celery starts, not a traceback from inside it
    from workers.factory import create_app
    from workers.nodes import check_node_name, default_node_name

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


def _celery(app: Any, argv: list[str]) -> int:
    """Celery's command line on this app, returning its exit code (app.worker_main drops it)."""
    from celery.bin.celery import celery as command

    command.params[0].default = app  # what app.start does
    try:
        return int(command.main(args=argv, standalone_mode=False) or 0)
    finally:
        command.params[0].default = None
