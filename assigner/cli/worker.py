"""`assigner worker`: the Celery worker with assigner's defaults."""

from __future__ import annotations

import socket
from typing import Annotated

import typer

from assigner.bootstrap import Runtime


def worker(
    loglevel: Annotated[str, typer.Option(help="Celery's log level (assigner's outcome lines are INFO).")] = "INFO",
    hostname: Annotated[str | None, typer.Option("--hostname", "-n", help="Node name (default assigner@HOST).")] = None,
) -> None:
    """Consume assigner.declarations until stopped (SIGTERM finishes the batch in hand, then exits)."""
    Runtime().ready()  # a clear one-line error before Celery starts, not a traceback from inside it
    from workers.app import app

    argv = [
        "worker",
        f"--loglevel={loglevel}",
        f"--hostname={hostname or f'assigner@{socket.gethostname()}'}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    app.worker_main(argv)
