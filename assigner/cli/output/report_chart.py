"""The report as a picture: per unit, each officer's automatic turns (and group assignments) as bars."""

from __future__ import annotations

import math
from pathlib import Path

from assigner.domain.errors import InvalidInput
from assigner.domain.reports import Report


def write_chart(report: Report, path: Path) -> None:
    """Write a PNG with one panel per unit; raises InvalidInput when matplotlib is missing or nothing to draw."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # no display: files only
        from matplotlib import pyplot
    except ImportError as error:
        raise InvalidInput("--chart needs matplotlib: pip install 'assigner[chart]'") from error
    units = [unit for unit in report.units if unit.officers]
    if not units:
        raise InvalidInput("no officer has declarations in this period: nothing to chart")
    columns = min(len(units), 3)
    rows = math.ceil(len(units) / columns)
    figure, axes = pyplot.subplots(rows, columns, figsize=(max(7.5, 5 * columns), 3.6 * rows + 0.6), squeeze=False)
    for panel, unit in zip(axes.flat, units):
        names = [officer.officer_id for officer in unit.officers]
        turns = [officer.turns for officer in unit.officers]
        grouped = [officer.grouped for officer in unit.officers]
        panel.bar(names, turns, label="by turn", color="#2b6cb0")
        panel.bar(names, grouped, bottom=turns, label="kept with a group", color="#9ac1e8")
        spread = "-" if unit.spread is None else str(unit.spread)
        panel.set_title(f"{unit.unit}: {unit.automatic:,} automatic, spread {spread}", fontsize=10)
        panel.tick_params(axis="x", labelrotation=45, labelsize=8)
    for panel in list(axes.flat)[len(units) :]:
        panel.set_visible(False)
    axes.flat[0].legend(fontsize=8)
    period = report.period
    figure.suptitle(f"Assignments per officer, {report.scope}, {period.first_day} to {period.last_day}")
    figure.tight_layout()
    figure.savefig(path, format="png", dpi=100)
    pyplot.close(figure)
