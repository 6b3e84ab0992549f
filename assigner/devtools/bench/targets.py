"""The performance targets `assigner bench compare` checks its figures against (never a test)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Target:
    """One target: what it asks, the figure measured, and whether it holds."""

    name: str
    wanted: str
    measured: str
    held: bool

    def row(self) -> dict[str, Any]:
        """As a row of the compare table."""
        return {"target": self.name, "wanted": self.wanted, "measured": self.measured, "holds": self.held}


def targets(figures: dict[str, Any]) -> list[Target]:
    """Each target, from the figures of a compare run."""
    drain, celery, broker = (
        figures["assigner_per_second"],
        figures["celery_noop_per_second"],
        figures["raw_amqp_per_second"],
    )
    found = [
        _at_least("worker / Celery doing nothing", drain / celery, 2.0),
        _at_least("worker / the broker's limit", drain / broker, 0.5),
        Target(
            "latency p99 at the offered load",
            "<= 50 ms",
            f"{figures['latency_p99_ms']:.1f} ms",
            figures["latency_p99_ms"] <= 50.0,
        ),
    ]
    for case in figures["costs"]:
        found.append(_at_most(f"cost ratio: {case['case']}", case["ratio"], 1.25))
    scaling = {row["workers"]: row for row in figures["scaling"]}
    if 1 in scaling and 4 in scaling:
        found.append(
            _at_least(
                f"4 workers / 1 worker over {scaling[4]['units']} units",
                scaling[4]["per_second"] / scaling[1]["per_second"],
                1.0,
            )
        )
        worst = max(scaling[4]["lock_wait_share"])
        found.append(Target("lock wait of each of 4 workers", "< 5 %", f"{worst:.1%} (the worst)", worst < 0.05))
    found.append(
        Target(
            "worker peak RSS",
            "<= 150 MB",
            f"{figures['worker_peak_rss_mib']:.0f} MiB",
            figures["worker_peak_rss_mib"] * 1.048576 <= 150.0,
        )
    )
    return found


def _at_least(name: str, ratio: float, wanted: float) -> Target:
    return Target(name, f">= {wanted:g}", f"{ratio:.2f}", ratio >= wanted)


def _at_most(name: str, ratio: float, wanted: float) -> Target:
    return Target(name, f"<= {wanted:g}", f"{ratio:.2f}", ratio <= wanted)
