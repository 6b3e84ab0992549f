"""The fairness tests as a picture (domain/fairness.py): per unit, each officer's declarations now as a bar,
against the count a fair draw among the eligible expects (a diamond) and the counts chance allows (a whisker: those
the officer's test does not flag); a flagged officer's bar red, hatched and labelled; the method under it all."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assigner.cli.output.charts import pyplot
from assigner.cli.output.fairness_formats import METHOD
from assigner.domain.errors import InvalidInput
from assigner.domain.fairness import UnitFairness
from assigner.domain.reports import Period, Scope

FAIR, FLAGGED, EXPECTED = "#2b6cb0", "#c53030", "#1a202c"
PANEL_WIDTH, PANEL_HEIGHT = 5.0, 4.2  # inches, per unit
CHARACTERS_PER_INCH = 18  # of the caption's small type: where its lines wrap
LINE_HEIGHT = 0.14  # inches, a line of the caption


def write_fairness_chart(units: Sequence[UnitFairness], scope: Scope, period: Period, path: Path) -> None:
    """Write a PNG with a panel per unit; raises InvalidInput when matplotlib is missing or nothing to draw."""
    drawing = pyplot()
    if not units:
        raise InvalidInput("no turn in this period: no fairness test to chart")
    columns = min(len(units), 3)
    rows = math.ceil(len(units) / columns)
    width = max(7.5, PANEL_WIDTH * columns)
    caption = textwrap.fill(f"Method: {METHOD}.", int(width * CHARACTERS_PER_INCH))
    below = (caption.count("\n") + 2) * LINE_HEIGHT
    figure, axes = drawing.subplots(rows, columns, figsize=(width, PANEL_HEIGHT * rows + below + 0.6), squeeze=False)
    for index in range(rows * columns):
        panel = axes[index // columns][index % columns]
        if index < len(units):
            draw_unit(panel, units[index])
        else:
            panel.set_visible(False)
    figure.suptitle(f"Fairness tested by statistics, {scope}, {period.first_day} to {period.last_day}")
    figure.text(0.01, 0.01, caption, fontsize=7, va="bottom", ha="left")
    figure.tight_layout(rect=(0, below / figure.get_figheight(), 1, 1))
    figure.savefig(path, format="png", dpi=100)
    drawing.close(figure)


def draw_unit(panel: Any, unit: UnitFairness) -> None:
    """One unit: the officers' bars (flagged ones red, hatched, labelled), each with its expected count and what
    chance allows."""
    officers = unit.officers
    fair = [(place, o) for place, o in enumerate(officers) if not o.flagged]
    flagged = [(place, o) for place, o in enumerate(officers) if o.flagged]
    if fair:
        panel.bar([p for p, _ in fair], [o.actual for _, o in fair], color=FAIR, label="declarations now")
    if flagged:  # said in words and by hatching too, not by colour alone
        label = "flagged: off beyond chance"
        panel.bar([p for p, _ in flagged], [o.actual for _, o in flagged], color=FLAGGED, hatch="//", label=label)
    for place, o in flagged:
        panel.text(place, o.actual, "flagged", ha="center", va="bottom", fontsize=7, color=FLAGGED)
    below = [max(0.0, o.expected - o.chance_allows[0]) for o in officers]
    above = [max(0.0, o.chance_allows[1] - o.expected) for o in officers]
    panel.errorbar(
        range(len(officers)),
        [o.expected for o in officers],
        yerr=[below, above],
        fmt="D",
        markersize=4,
        color=EXPECTED,
        capsize=4,
        label="expected; whisker: what chance allows",
    )
    panel.set_xticks(range(len(officers)), [o.officer_id for o in officers])
    panel.tick_params(axis="x", labelrotation=45, labelsize=8)
    panel.set_ylabel("declarations", fontsize=8)
    panel.margins(y=0.1)  # room for the word over a flagged bar
    tested, off = len(unit.enterprises), sum(1 for e in unit.enterprises if e.flagged)
    panel.set_title(
        f"{unit.unit}: {unit.turns:,} turns, {len(unit.thin):,} thin\n"
        f"flagged: {len(flagged)} of {len(officers)} officers, {off} of {tested} enterprises",
        fontsize=9,
    )
    panel.legend(fontsize=7)
