"""`assigner db`: migrations."""

from __future__ import annotations

import typer

from assigner.bootstrap import Runtime
from assigner.storage import migrate

app = typer.Typer(help="Create or migrate the database.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Migrate the database (PostgreSQL or SQLite) to the newest schema."""
    runtime = Runtime()
    revision = migrate.upgrade(runtime.engine)
    typer.echo(f"database {runtime.engine.url.render_as_string()} is at revision {revision} (head)")


@app.command("status")
def status() -> None:
    """Say which revision the database is at; exit 1 unless it is at head."""
    runtime = Runtime()
    runtime.require_database()
    at, head = migrate.current(runtime.engine), migrate.head(runtime.engine)
    typer.echo(f"database {runtime.engine.url.render_as_string()} is at revision {at or 'none'}; head is {head}")
    if at != head:
        raise typer.Exit(1)
