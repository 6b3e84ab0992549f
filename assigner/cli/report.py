"""`assigner report`: what the rotation did over a period, per unit and per officer."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from assigner.bootstrap import Runtime
from assigner.cli.output import terminal
from assigner.cli.output.fairness_chart import write_fairness_chart
from assigner.cli.output.fairness_formats import fairness_json, print_fairness, write_fairness_csv
from assigner.cli.output.report_chart import write_chart
from assigner.cli.output.report_formats import print_table, report_json, write_csv
from assigner.domain.errors import InvalidInput
from assigner.domain.reports import Scope
from assigner.schemas import codes
from assigner.services.fairness import fairness_over
from assigner.services.reports import build_report, period_of


class Format(StrEnum):
    """How the report is printed."""

    TABLE = "table"
    CSV = "csv"
    JSON = "json"


def report(
    office: Annotated[str | None, typer.Option("--office", help="Only this customs office (default: all).")] = None,
    department: Annotated[
        str | None, typer.Option("--department", help="Only this department (needs --office).")
    ] = None,
    first_day: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First day, YYYY-MM-DD (default today).")
    ] = None,
    last_day: Annotated[
        datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day, included (default today).")
    ] = None,
    output: Annotated[Format, typer.Option("--format", help="table, csv or json.")] = Format.TABLE,
    chart: Annotated[
        Path | None,
        typer.Option(
            help="Also draw per-officer bars per unit to this PNG file; with --fairness, the fairness tests instead "
            "(each officer's declarations against the expected count and what chance allows, flagged ones marked).",
        ),
    ] = None,
    fair: Annotated[
        bool,
        typer.Option(
            "--fairness",
            help="Also test fairness by statistics (per officer, per enterprise, thin turns); reads the whole "
            "audit trail, as audit verify does.",
        ),
    ] = False,
) -> None:
    """Declarations by channel; automatic, by hand, redistributed, held; after hours; per officer; spread;
    checks in time, late and overdue now, with the median and 90th percentile working hours to complete.

    Days are in the office's time zone (the default working-hours time zone for several offices);
    a declaration belongs to the day it was registered.
    """
    office = codes.optional(codes.check_office, office)
    department = codes.optional(codes.check_department, department)
    if department is not None and office is None:
        raise InvalidInput("--department needs --office")
    runtime = Runtime().ready()
    timezone = runtime.policy.hours.timezone_for(office)
    now = runtime.clock()
    period = period_of(first_day and first_day.date(), last_day and last_day.date(), timezone, now)
    policy, scope = runtime.policy, Scope(office, department)
    result = build_report(runtime.unit_of_work(), scope, period, now, policy.hours, policy.by_hand_baseline)
    tested = fairness_over(runtime.unit_of_work(), scope, period) if fair else None
    if chart is not None and tested is not None:
        write_fairness_chart(tested, scope, period, chart)
    elif chart is not None:
        write_chart(result, chart)
    if output is Format.JSON:
        document = report_json(result)
        if tested is not None:
            document["fairness"] = fairness_json(tested)
        typer.echo(json.dumps(document, indent=2))
    elif output is Format.CSV:  # one table per file: with --fairness, the tests'
        if tested is not None:
            write_fairness_csv(tested, sys.stdout)
        else:
            write_csv(result, sys.stdout)
    else:
        console = terminal.console(piped_width=160)
        print_table(result, console)
        if tested is not None:
            print_fairness(tested, console)
    if chart is not None:
        typer.echo(f"chart written to {chart}", err=True)
