"""The report as a picture: per unit, each officer's automatic turns (and group assignments) as bars; under them
each officer's checks (in time, late, overdue now), then their median and 90th percentile time to complete."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from assigner.cli.output.charts import pyplot
from assigner.domain.errors import InvalidInput
from assigner.domain.reports import Report, UnitFigures

PANELS = 3  # per unit: turns, checks, times to complete
IN_TIME, LATE, OVERDUE = "#2f855a", "#dd6b20", "#c53030"
MEDIAN, NINETIETH = "#4a5568", "#a0aec0"
WIDTH = 0.4  # of each of an officer's two time bars


def write_chart(report: Report, path: Path) -> None:
    """Write a PNG with three panels per unit; raises InvalidInput when matplotlib is missing or nothing to draw."""
    drawing = pyplot()
    units = [unit for unit in report.units if unit.officers]
    if not units:
        raise InvalidInput("no officer has declarations in this period: nothing to chart")
    columns = min(len(units), 3)
    rows = math.ceil(len(units) / columns)
    figure, axes = drawing.subplots(
        PANELS * rows, columns, figsize=(max(7.5, 5 * columns), 8.4 * rows + 0.6), squeeze=False
    )
    for index in range(rows * columns):
        row, column = divmod(index, columns)
        panels = [axes[PANELS * row + panel][column] for panel in range(PANELS)]
        if index >= len(units):
            for panel in panels:
                panel.set_visible(False)
            continue
        _draw_turns(panels[0], units[index])
        _draw_checks(panels[1], units[index])
        _draw_times(panels[2], units[index])
    for panel in range(PANELS):
        axes[panel][0].legend(fontsize=7)
    period = report.period
    figure.suptitle(f"Assignments and checks per officer, {report.scope}, {period.first_day} to {period.last_day}")
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)
    drawing.close(figure)


def _draw_turns(panel: Any, unit: UnitFigures) -> None:
    names = [officer.officer_id for officer in unit.officers]
    turns = [officer.turns for officer in unit.officers]
    grouped = [officer.grouped for officer in unit.officers]
    panel.bar(names, turns, label="by turn", color="#2b6cb0")
    panel.bar(names, grouped, bottom=turns, label="kept with a group", color="#9ac1e8")
    spread = "-" if unit.spread is None else str(unit.spread)
    panel.set_title(f"{unit.unit}: {unit.automatic:,} automatic, spread {spread}", fontsize=10)
    panel.tick_params(axis="x", labelrotation=45, labelsize=8)


def _draw_checks(panel: Any, unit: UnitFigures) -> None:
    """Each officer's checks, stacked: completed in time, completed late, open and overdue now."""
    names = [officer.officer_id for officer in unit.officers]
    in_time = [officer.checks.in_time for officer in unit.officers]
    late = [officer.checks.late for officer in unit.officers]
    overdue = [officer.checks.overdue_now for officer in unit.officers]
    panel.bar(names, in_time, label="completed in time", color=IN_TIME)
    panel.bar(names, late, bottom=in_time, label="completed late", color=LATE)
    below = [done + more for done, more in zip(in_time, late)]
    panel.bar(names, overdue, bottom=below, label="open, overdue now", color=OVERDUE)
    checks = unit.checks
    panel.set_title(
        f"{unit.unit} checks: {checks.in_time:,} in time, {checks.late:,} late, {checks.overdue_now:,} overdue now",
        fontsize=10,
    )
    panel.tick_params(axis="x", labelrotation=45, labelsize=8)


def _draw_times(panel: Any, unit: UnitFigures) -> None:
    """Each officer's median and 90th percentile time to complete, side by side, in working hours."""
    places = range(len(unit.officers))
    medians = [officer.checks.median_hours or 0.0 for officer in unit.officers]
    ninetieth = [officer.checks.p90_hours or 0.0 for officer in unit.officers]
    panel.bar([x - WIDTH / 2 for x in places], medians, WIDTH, label="median", color=MEDIAN)
    panel.bar([x + WIDTH / 2 for x in places], ninetieth, WIDTH, label="90th percentile", color=NINETIETH)
    panel.set_xticks(list(places), [officer.officer_id for officer in unit.officers])
    for place, officer in zip(places, unit.officers):
        if officer.checks.median_hours is None:
            panel.text(place, 0, "none completed", ha="center", va="bottom", fontsize=7)
    panel.set_ylabel("working hours", fontsize=8)
    checks = unit.checks
    times = "no check completed"
    if checks.median_hours is not None and checks.p90_hours is not None:
        times = f"median {checks.median_hours:.2f} h, 90th percentile {checks.p90_hours:.2f} h"
    panel.set_title(f"{unit.unit} time to complete: {times}", fontsize=10)
    panel.tick_params(axis="x", labelrotation=45, labelsize=8)
