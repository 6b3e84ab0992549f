"""`assigner roster`: import a roster file, list rosters, set how a unit orders its rounds."""

from __future__ import annotations

import getpass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from assigner.bootstrap import Runtime
from assigner.cli.output import terminal
from assigner.domain.draws import RotationMode
from assigner.domain.errors import InvalidInput
from assigner.files.roster_csv import read_roster
from assigner.schemas import codes
from assigner.services.draw_keys import set_rotation_mode
from assigner.services.roster import import_roster, roster_listing

app = typer.Typer(help="Officer rosters: import, list, rotation mode.", no_args_is_help=True)


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


@app.command("mode")
def mode(
    unit_name: Annotated[str, typer.Argument(metavar="OFFICE/DEPARTMENT", help="The unit, e.g. 01B1/00.")],
    rotation: Annotated[
        RotationMode,
        typer.Argument(
            help="sequential: each round in roster order, from the last officer served; drawn: each round in an "
            "order drawn under the day's key, whose hash is published before the day and the key after it."
        ),
    ],
) -> None:
    """Set how a unit orders each round of its rotation (audited; a drawn round starts from nobody served)."""
    unit = codes.unit_of(unit_name, "unit")
    runtime = Runtime().ready()
    actor = f"cli:{getpass.getuser()}"
    changed = set_rotation_mode(runtime.unit_of_work(), unit, rotation, runtime.clock, actor)
    typer.echo(f"unit {unit}: {rotation.value}" + ("" if changed else " already; nothing changed"))


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
