"""`assigner health`: one line per check; exit 0 when healthy, 1 otherwise."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from assigner.bootstrap import Runtime
from assigner.domain.health_checks import Limits
from assigner.ops.probes import check_health


def health(
    as_json: Annotated[bool, typer.Option("--json", help="Print the checks as one JSON document.")] = False,
    max_silence: Annotated[
        float, typer.Option(min=1, help="Fail when no declarations consumer was seen for this many seconds.")
    ] = Limits.max_silence,
    max_age: Annotated[
        float, typer.Option(min=1, help="Fail when messages wait and none was processed for this many seconds.")
    ] = Limits.max_age,
    max_dead_letters: Annotated[
        int | None, typer.Option(min=0, help="Fail above this many dead letters (default: only warn).")
    ] = None,
) -> None:
    """Check the database (reachable, migrated), the broker, queue and dead-letter depths, and the worker."""
    checks = check_health(Runtime(), Limits(max_silence, max_age, max_dead_letters))
    healthy = all(check.ok for check in checks)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "healthy": healthy,
                    "checks": [
                        {"name": c.name, "status": c.status, "detail": c.detail, "value": c.value} for c in checks
                    ],
                },
                indent=2,
            )
        )
    else:
        for check in checks:
            typer.echo(f"{check.status:<4} {check.name}: {check.detail}")
    if not healthy:
        raise typer.Exit(1)
