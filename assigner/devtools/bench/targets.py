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
    """Each target of the performance issue, from the figures of a compare run."""
    drain, celery, broker = (
        figures["assigner_per_second"],
        figures["celery_noop_per_second"],
        figures["raw_amqp_per_second"],
    )
    found = [
        _at_least("worker / Celery doing nothing (both by default: all cores)", drain / celery, 2.0),
        _at_least("worker / the broker's limit", drain / broker, 0.5),
        Target(
            f"latency p99 at {figures['latency_offered_per_second']:g}/s",
            "<= 50 ms",
            f"{figures['latency_p99_ms']:.1f} ms",
            figures["latency_p99_ms"] <= 50.0,
        ),
    ]
    for case in figures["costs"]:
        found.append(_at_most(f"cost ratio: {case['case']}", case["ratio"], 1.25))
    for row in figures["scaling"]:
        if row["processes"] != 4:  # the target's: one worker of 4 consumer processes
            continue
        worst = max(row["lock_wait_share"])
        partitions = row.get("partitions", 0)
        found.append(
            Target(
                f"lock wait of each of 4 processes over {row['units']} units"
                + (f", {partitions} partitions" if partitions else ""),
                "<= 5 %",
                f"{worst:.1%} (the worst)",
                worst <= 0.05,
            )
        )
    peak = max(
        [figures["worker_peak_rss_mib"], figures["worker_one_process_peak_rss_mib"]]
        + [row["peak_rss_mib"] for row in figures["scaling"]]
    )
    found.append(
        Target(
            "peak RSS of any one worker process", "<= 150 MB", f"{peak:.0f} MiB (the largest)", peak * 1.048576 <= 150.0
        )
    )
    return found


def _at_least(name: str, ratio: float, wanted: float) -> Target:
    return Target(name, f">= {wanted:g}", f"{ratio:.2f}", ratio >= wanted)


def _at_most(name: str, ratio: float, wanted: float) -> Target:
    return Target(name, f"<= {wanted:g}", f"{ratio:.2f}", ratio <= wanted)
