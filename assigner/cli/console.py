"""`assigner console`: the supervisors' web console."""

from __future__ import annotations

from typing import Annotated

import typer

from assigner.bootstrap import Runtime
from assigner.settings import Settings


def console(
    host: Annotated[str | None, typer.Option(help="Interface to listen on (default console_host, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port (default console_port, 8080).")] = None,
) -> None:
    """Serve the supervisors' web console: their units, the roster and open work, and the commands they give."""
    import uvicorn

    from assigner.console.app import create_console

    settings = Settings()
    settings = settings.model_copy(
        update={"console_host": host or settings.console_host, "console_port": port or settings.console_port}
    )
    runtime = Runtime(settings).ready()
    typer.echo(f"assigner console on http://{settings.console_host}:{settings.console_port}/", err=True)
    uvicorn.run(
        create_console(runtime),
        host=settings.console_host,
        port=settings.console_port,
        log_level="warning",
        server_header=False,
    )
