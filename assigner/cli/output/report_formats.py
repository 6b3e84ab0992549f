"""A report written out: a rich table for people, CSV for spreadsheets, JSON for programs."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from rich import box
from rich.console import Console
from rich.table import Column, Table

from assigner.domain.check_times import CheckFigures
from assigner.domain.commands import ReasonCode
from assigner.domain.model import Channel
from assigner.domain.reports import AbsenceLine, OfficerFigures, Report, UnitFigures

CHANNELS = [channel.value for channel in Channel]
WIDE = 130  # a console this wide takes the unit table in one piece
UNIT_FIGURES = [
    "for_rotation",
    "automatic",
    "by_turn",
    "kept_in_group",
    "by_hand",
    "redistributed",
    "held_now",
    "after_hours",
    "spread",
]
OFFICER_FIGURES = ["assigned", "open", "completed", "turns", "grouped", "share"]
CHECK_FIGURES = ["in_time", "late", "overdue_now", "median_hours", "p90_hours"]  # units, officers and the total
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet reads a cell starting so as a formula
CSV_COLUMNS = [
    "row",
    "customs_office",
    "department",
    "officer_id",
    "name",
    *CHANNELS,
    *UNIT_FIGURES,
    "held_reasons",
    "by_hand_reasons",
    "by_hand_supervisors",
    "by_hand_over_baseline",
    *OFFICER_FIGURES,
    *CHECK_FIGURES,
]


def unit_json(unit: UnitFigures, baseline: float, with_officers: bool = True) -> dict[str, Any]:
    """One unit's figures as JSON values; `baseline`, the share by hand it is held to."""
    body: dict[str, Any] = {
        "customs_office": unit.unit.customs_office,
        "department": unit.unit.department,
        "declarations": {channel: unit.by_channel.get(channel, 0) for channel in CHANNELS},
        "for_rotation": unit.for_rotation,
        "automatic": unit.automatic,
        "by_turn": unit.by_turn,
        "kept_in_group": unit.kept_in_group,
        "by_hand": unit.by_hand,
        "by_hand_share": round(unit.by_hand_share, 4),
        "by_hand_over_baseline": unit.over_baseline(baseline),
        "by_hand_reasons": dict(sorted(unit.by_hand_reasons.items())),
        "by_hand_supervisors": dict(sorted(unit.by_hand_supervisors.items())),
        "redistributed": unit.redistributed,
        "held_now": unit.held,
        "held_reasons": dict(sorted(unit.held_now.items())),
        "after_hours": unit.after_hours,
        **checks_json(unit.checks),
    }
    if with_officers:
        body["spread"] = unit.spread
        body["officers"] = [officer_json(unit, officer) for officer in unit.officers]
    return body


def officer_json(unit: UnitFigures, officer: OfficerFigures) -> dict[str, Any]:
    """One officer's figures in a unit as JSON values."""
    return {
        "officer_id": officer.officer_id,
        "name": officer.name,
        "on_roster": officer.on_roster,
        "assigned": officer.assigned,
        "open": officer.open,
        "completed": officer.completed,
        "turns": officer.turns,
        "grouped": officer.grouped,
        "share": round(unit.share(officer), 4),
        **checks_json(officer.checks),
    }


def checks_json(checks: CheckFigures) -> dict[str, Any]:
    """Checks against the legal clock as JSON values: times in working hours, null when none was completed."""
    return {
        "in_time": checks.in_time,
        "late": checks.late,
        "overdue_now": checks.overdue_now,
        "median_hours": checks.median_hours,
        "p90_hours": checks.p90_hours,
    }


def report_json(report: Report) -> dict[str, Any]:
    """The whole report as one JSON document."""
    period = report.period
    return {
        "scope": {"customs_office": report.scope.customs_office, "department": report.scope.department},
        "period": {
            "from": period.first_day.isoformat(),
            "to": period.last_day.isoformat(),
            "timezone": period.timezone,
        },
        "by_hand_baseline": report.by_hand_baseline,
        "units": [unit_json(unit, report.by_hand_baseline) for unit in report.units],
        "total": unit_json(report.total(), report.by_hand_baseline, with_officers=False),
        "absences": [absence_json(absence) for absence in report.absences],
    }


def absence_json(absence: AbsenceLine) -> dict[str, Any]:
    """One absence of the period as JSON values (times in UTC, ISO 8601)."""

    def moment(at: datetime | None) -> str | None:
        return None if at is None else at.astimezone(UTC).isoformat()

    return {
        "officer_id": absence.officer_id,
        "unit": str(absence.unit) if absence.unit else None,
        "starts_at": moment(absence.starts_at),
        "recorded_at": moment(absence.recorded_at),
        "until": moment(absence.until),
        "ended_at": moment(absence.ended_at),
        "created_by": absence.created_by,
        "reason": absence.reason,
        "back_dated": absence.back_dated,
    }


def write_csv(report: Report, out: TextIO) -> None:
    """One table: a row per unit (`unit`), per officer in a unit (`officer`), and the total (`total`); a text
    cell a spreadsheet would run as a formula is written with a leading quote (`'=...`)."""
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    baseline = report.by_hand_baseline
    for unit in report.units:
        writer.writerow(_inert(_unit_row("unit", unit_json(unit, baseline, with_officers=False), unit.spread)))
        for officer in unit.officers:
            values = officer_json(unit, officer)
            writer.writerow(
                _inert(
                    {
                        "row": "officer",
                        "customs_office": unit.unit.customs_office,
                        "department": unit.unit.department,
                        **{k: values[k] for k in ["officer_id", "name", *OFFICER_FIGURES]},
                        **_check_cells(values),
                    }
                )
            )
    writer.writerow(_inert(_unit_row("total", unit_json(report.total(), baseline, with_officers=False), None)))


def _inert(row: dict[str, Any]) -> dict[str, Any]:
    """The row with each text cell that starts as a formula does (OWASP's list) quoted, so a spreadsheet shows
    it as text: officer names and ids come from roster files."""
    safe: dict[str, Any] = {}
    for key, value in row.items():
        safe[key] = f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value
    return safe


def _check_cells(values: dict[str, Any]) -> dict[str, Any]:
    """The check columns of a CSV row: hours with 2 decimals, blank when no check was completed."""
    cells = {key: values[key] for key in CHECK_FIGURES}
    for key in ("median_hours", "p90_hours"):
        cells[key] = "" if values[key] is None else f"{values[key]:.2f}"
    return cells


def _unit_row(kind: str, values: dict[str, Any], spread: int | None) -> dict[str, Any]:
    row = {"row": kind, **{key: values[key] for key in ["customs_office", "department", *UNIT_FIGURES[:-1]]}}
    row.update(_check_cells(values))
    row.update(values["declarations"])
    row["spread"] = "" if spread is None else spread
    row["held_reasons"] = ";".join(f"{reason}:{count}" for reason, count in values["held_reasons"].items())
    for key in ("by_hand_reasons", "by_hand_supervisors"):
        row[key] = ";".join(f"{name}:{count}" for name, count in values[key].items())
    row["by_hand_over_baseline"] = values["by_hand_over_baseline"]
    if kind == "total":
        row["customs_office"] = row["department"] = ""
    return row


def print_table(report: Report, console: Console) -> None:
    """The report as two tables: per unit (with the total), then per officer. On a console too narrow for
    the unit table, it comes in two parts; a cell is never cut, its header folds instead."""
    period = report.period
    days = str(period.first_day) if period.first_day == period.last_day else f"{period.first_day} to {period.last_day}"
    title = f"{report.scope}, {days} ({period.timezone})"
    headers = [
        "unit",
        *CHANNELS,
        "to rotation",
        "automatic",
        "of which group",
        "by hand",
        "redistributed",
        "held now",
        "after hours",
        "spread",
    ]
    rows = [
        [str(unit.unit), *_unit_cells(unit), str(unit.spread if unit.spread is not None else "-")]
        for unit in report.units
    ]
    total = [["total", *_unit_cells(report.total()), ""]] if len(report.units) > 1 else []
    split = 1 + len(CHANNELS) + 3  # unit, channels, to rotation, automatic, of which group | the rest
    narrow = console.width < WIDE
    parts = [range(len(headers))] if not narrow else [range(split), [0, *range(split, len(headers))]]
    for number, columns in enumerate(parts):
        console.print(
            _table(
                [headers[i] for i in columns],
                [[row[i] for i in columns] for row in rows],
                [[row[i] for i in columns] for row in total],
                title if number == 0 else f"{title}, continued",
                narrow,
            )
        )
    for unit in report.units:
        if unit.held_now:
            reasons = ", ".join(f"{reason} {count:,}" for reason, count in sorted(unit.held_now.items()))
            console.print(f"held now in {unit.unit}: {reasons}")
    officer_rows = []
    for unit in report.units:
        for officer in unit.officers:
            name = officer.name if officer.on_roster else f"{officer.name} (not on the roster)"
            officer_rows.append(
                [
                    str(unit.unit),
                    officer.officer_id,
                    name,
                    *(
                        f"{n:,}"
                        for n in (officer.assigned, officer.open, officer.completed, officer.turns, officer.grouped)
                    ),
                    f"{unit.share(officer):.1%}",
                ]
            )
    if officer_rows:
        console.print(
            _table(
                ["unit", "officer", "name", "assigned", "open", "completed", "turns", "group", "share"],
                officer_rows,
                [],
                "Per officer (share of the unit's assigned declarations)",
                narrow,
                free=("name",),
            )
        )
    if report.units:
        _print_by_hand(report, console, narrow)
        _print_checks(report, console, narrow)
    else:
        console.print("no declarations registered in this period")
    if report.absences:
        _print_absences(report, console, narrow)


def _print_absences(report: Report, console: Console, narrow: bool) -> None:
    """The absences in force during the period, each marked when it was entered well after it began."""
    zone = ZoneInfo(report.period.timezone)

    def moment(at: datetime | None) -> str:
        return "-" if at is None else at.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    rows = [
        [
            absence.officer_id,
            str(absence.unit) if absence.unit else "all",
            moment(absence.starts_at),
            moment(absence.ended_at or absence.until),
            moment(absence.recorded_at),
            absence.created_by,
            "BACK-DATED" if absence.back_dated else "",
        ]
        for absence in report.absences
    ]
    title = f"Absences in the period ({report.period.timezone}; back-dated: entered over 5 minutes after they began)"
    console.print(_table(["officer", "unit", "from", "to", "entered", "by", "flag"], rows, [], title, narrow))


def _print_by_hand(report: Report, console: Console, narrow: bool) -> None:
    """Reassignments by hand: per unit, the share against the baseline, per reason code, per supervisor."""
    codes = [code.value for code in ReasonCode]
    codes += sorted({code for unit in report.units for code in unit.by_hand_reasons} - set(codes))
    rows = []
    for unit in report.units:
        flag = "OVER" if unit.over_baseline(report.by_hand_baseline) else ""
        supervisors = ", ".join(f"{name} {count:,}" for name, count in sorted(unit.by_hand_supervisors.items()))
        share = f"{unit.by_hand_share:.1%}" if unit.for_rotation else "-"
        counts = (f"{unit.by_hand_reasons.get(code, 0):,}" for code in codes)
        rows.append([str(unit.unit), f"{unit.by_hand:,}", share, flag, *counts, supervisors or "-"])
    console.print(
        _table(
            ["unit", "by hand", "share", f"> {report.by_hand_baseline:.1%}", *codes, "by supervisor"],
            rows,
            [],
            f"Reassigned by hand, by reason code (Official Letter 9689), against the {report.by_hand_baseline:.1%} "
            "baseline",
            narrow,
            free=("by supervisor",),
        )
    )


def _print_checks(report: Report, console: Console, narrow: bool) -> None:
    """The checks against the legal clock: a row per unit ("all"), then one per officer, and the total."""
    rows = []
    for unit in report.units:
        rows.append([str(unit.unit), "all", *_check_cells_text(unit.checks)])
        for officer in unit.officers:
            rows.append([str(unit.unit), officer.officer_id, *_check_cells_text(officer.checks)])
    total = [["total", "", *_check_cells_text(report.total().checks)]] if len(report.units) > 1 else []
    console.print(
        _table(
            ["unit", "officer", "in time", "late", "overdue now", "median h", "p90 h"],
            rows,
            total,
            "Checks against the legal clock (time to complete in working hours)",
            narrow,
        )
    )


def _check_cells_text(checks: CheckFigures) -> list[str]:
    hours = [checks.median_hours, checks.p90_hours]
    return [
        *(f"{n:,}" for n in (checks.in_time, checks.late, checks.overdue_now)),
        *("-" if value is None else f"{value:,.2f}" for value in hours),
    ]


def _table(
    headers: list[str],
    rows: list[list[str]],
    total: list[list[str]],
    title: str,
    narrow: bool,
    free: tuple[str, ...] = (),
) -> Table:
    """A table whose cells keep their whole value however narrow the console (headers and `free` columns
    fold instead, and a `narrow` one has no column rules); `total` rows come after a line."""
    widths = [max((len(row[i]) for row in rows + total), default=1) for i in range(len(headers))]
    columns = [
        Column(header, overflow="fold", min_width=None if header in free else width)
        for header, width in zip(headers, widths)
    ]
    table = (
        Table(
            *columns,
            title=title,
            title_justify="left",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
            show_edge=False,
            collapse_padding=True,
        )
        if narrow
        else Table(*columns, title=title, title_justify="left")
    )
    for row in rows:
        table.add_row(*row)
    if total:
        table.add_section()
        for row in total:
            table.add_row(*row)
    return table


def _unit_cells(unit: UnitFigures) -> list[str]:
    by_hand = f"{unit.by_hand:,} ({unit.by_hand_share:.1%})" if unit.for_rotation else "0"
    return [
        *(f"{unit.by_channel.get(channel, 0):,}" for channel in CHANNELS),
        f"{unit.for_rotation:,}",
        f"{unit.automatic:,}",
        f"{unit.kept_in_group:,}",
        by_hand,
        f"{unit.redistributed:,}",
        f"{unit.held:,}",
        f"{unit.after_hours:,}",
    ]
