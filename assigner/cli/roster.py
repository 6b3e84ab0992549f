"""`assigner roster`: import a roster file, list rosters."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from assigner.bootstrap import Runtime
from assigner.cli.output import terminal
from assigner.domain.errors import InvalidInput
from assigner.files.roster_csv import read_roster
from assigner.schemas import codes
from assigner.services.roster import import_roster, roster_listing

app = typer.Typer(help="Officer rosters: import, list.", no_args_is_help=True)


@app.command("import")
def import_(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, help="CSV: officer_id,name,customs_office,department,role[,active]."
        ),
    ],
) -> None:
    """Make each unit named in FILE have exactly FILE's roster, in FILE's order (idempotent)."""
    entries = read_roster(file)
    runtime = Runtime().ready()
    result = import_roster(runtime.unit_of_work(), entries, runtime.clock, runtime.policy, f"cli:{getpass.getuser()}")
    table = Table("unit", "checkers", "added", "removed", "reordered", "supervisors", title=f"roster {file.name}")
    for change in result.units:
        status = "new unit" if change.created else ("reordered" if change.reordered else "-")
        table.add_row(
            str(change.unit),
            str(len(change.checkers)),
            str(len(change.added)),
            str(len(change.removed)),
            status,
            str(len(change.supervisors)),
        )
    _console().print(table)
    typer.echo(
        f"{result.officers_changed} officer(s) created or updated; {len(result.released)} held declaration(s) assigned"
    )


@app.command("list")
def list_(
    office: Annotated[str | None, typer.Option("--office", help="Only this customs office.")] = None,
    department: Annotated[str | None, typer.Option("--department", help="Only this department.")] = None,
) -> None:
    """Print each roster: position, officer, status (active, absent, inactive) and assignment count."""
    office, department = codes.optional(codes.check_office, office), codes.optional(codes.check_department, department)
    runtime = Runtime().ready()
    lines = roster_listing(runtime.unit_of_work(), runtime.clock, office, department)
    if not lines:
        raise InvalidInput("no roster matches: import one with `assigner roster import FILE.csv`")
    table = Table("unit", "pos", "officer", "name", "role", "status", "assigned", "next")
    for column in table.columns:
        column.no_wrap = True
    for line in lines:
        position = str(line.position) if line.position is not None else ""
        assigned = str(line.assigned) if line.role == "checker" else ""
        table.add_row(
            str(line.unit),
            position,
            line.officer_id,
            line.name,
            line.role.value,
            line.status,
            assigned,
            "▶" if line.is_next else "",
        )
    _console().print(table)


def _console() -> Console:
    return terminal.console(piped_width=120)
