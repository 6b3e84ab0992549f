"""The fairness tests written out: a table for people, JSON and CSV for programs (domain/fairness.py)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table

from assigner.domain.fairness import ALPHA, MIN_DECLARATIONS, THIN, UnitFairness

METHOD = (
    f"per officer: the period's declarations each has now (its turn's, moved by hand since) against a fair draw "
    f"among the officers eligible at each turn (exact Poisson-binomial law, two-sided, Bonferroni over the unit's "
    f"officers); per enterprise with at least {MIN_DECLARATIONS} declarations: its busiest officer's count "
    f"against the exact Poisson-binomial tail (Bonferroni over the officers and the enterprises); flagged when "
    f"p < {ALPHA}; chance allows: the counts an officer's test does not flag; thin: turns with {THIN} or fewer "
    f"officers eligible"
)
CSV_COLUMNS = ["row", "unit", "officer_id", "enterprise", "declaration_key", "actual", "expected", "z", "p_value"]
CSV_COLUMNS += ["flagged", "eligible", "away"]


def fairness_json(units: Sequence[UnitFairness]) -> dict[str, Any]:
    """The tests as JSON values, with the method they follow."""
    return {
        "method": METHOD,
        "alpha": ALPHA,
        "units": [
            {
                "unit": unit.unit,
                "turns": unit.turns,
                "flagged": unit.flagged,
                "officers": [
                    {
                        "officer_id": o.officer_id,
                        "actual": o.actual,
                        "expected": round(o.expected, 2),
                        "z": _finite(o.z),
                        "p_value": round(o.p_value, 6),
                        "flagged": o.flagged,
                        "chance_allows": list(o.chance_allows),
                    }
                    for o in unit.officers
                ],
                "enterprises": [
                    {
                        "enterprise": e.enterprise,
                        "declarations": e.declarations,
                        "officer_id": e.officer_id,
                        "count": e.count,
                        "expected": round(e.expected, 2),
                        "p_value": round(e.p_value, 6),
                        "flagged": e.flagged,
                    }
                    for e in unit.enterprises
                ],
                "thin": [
                    {
                        "declaration_key": d.declaration_key,
                        "at": d.at.isoformat(),
                        "eligible": list(d.eligible),
                        "away": [{"officer_id": officer, "why": why} for officer, why in d.away],
                    }
                    for d in unit.thin
                ],
            }
            for unit in units
        ],
    }


def write_fairness_csv(units: Sequence[UnitFairness], out: TextIO) -> None:
    """One table: a row per officer test, per enterprise test and per thin turn."""
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n", restval="")
    writer.writeheader()
    for unit in units:
        for o in unit.officers:
            row = {"row": "officer", "unit": unit.unit, "officer_id": o.officer_id, "actual": o.actual}
            row |= {"expected": f"{o.expected:.2f}", "z": _finite(o.z), "p_value": f"{o.p_value:.6f}"}
            writer.writerow(row | {"flagged": o.flagged})
        for e in unit.enterprises:
            row = {"row": "enterprise", "unit": unit.unit, "officer_id": e.officer_id, "enterprise": e.enterprise}
            row |= {"actual": e.count, "expected": f"{e.expected:.2f}", "p_value": f"{e.p_value:.6f}"}
            writer.writerow(row | {"flagged": e.flagged})
        for d in unit.thin:
            writer.writerow(
                {
                    "row": "thin",
                    "unit": unit.unit,
                    "declaration_key": d.declaration_key,
                    "eligible": " ".join(d.eligible),
                    "away": " ".join(f"{officer}:{why}" for officer, why in d.away),
                }
            )


def print_fairness(units: Sequence[UnitFairness], console: Console) -> None:
    """Per unit: the officers' test, the enterprises flagged (and how many were tested), the thin turns."""
    console.print(f"Fairness tested by statistics ({METHOD})")
    if not units:
        console.print("no turn in this period")
    for unit in units:
        columns = ("officer", "has", "expected", "chance allows", "z", "p", "flag")
        table = Table(*columns, title=f"{unit.unit}: {unit.turns:,} turns")
        for o in unit.officers:
            flag = "OFF BEYOND CHANCE" if o.flagged else ""
            low, high = o.chance_allows
            expected, allows, z = f"{o.expected:,.1f}", f"{low:,}-{high:,}", f"{o.z:+.2f}"
            table.add_row(o.officer_id, f"{o.actual:,}", expected, allows, z, f"{o.p_value:.4f}", flag)
        console.print(table)
        flagged = [e for e in unit.enterprises if e.flagged]
        console.print(f"{unit.unit}: {len(unit.enterprises):,} enterprises tested, {len(flagged):,} flagged")
        for e in flagged:
            console.print(
                f"  enterprise {e.enterprise}: {e.count} of {e.declarations} declarations with {e.officer_id} "
                f"(expected {e.expected:.1f}), p = {e.p_value:.2e}"
            )
        for d in unit.thin:
            eligible, away = ", ".join(d.eligible), ", ".join(f"{o} ({why})" for o, why in d.away) or "nobody"
            console.print(
                f"  thin turn: {d.declaration_key} at {d.at:%Y-%m-%d %H:%M} UTC, eligible {eligible}; away {away}"
            )


def _finite(value: float) -> float | None:
    return None if value != value or value in (float("inf"), float("-inf")) else round(value, 3)
