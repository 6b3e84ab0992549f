"""Where a worker's time goes, as its /metrics tells: each batch phase's mean and approximate p99.

The phases (histogram `assigner_batch_phase_seconds`, per batch): wait (collecting the batch, from its first
message taken off the connection), decide (reading it and the transactions), publish (events confirmed, the
confirms recorded), ack. A message's time queued in the broker, or in the connection while the batch before
it was handled, is in none of them: `queued_ms` is what the end-to-end mean leaves once the phases before the
event is out are taken away (means per batch against a mean per message: an approximation).
"""

from __future__ import annotations

import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

PHASE_METRIC = "assigner_batch_phase_seconds"
PHASES = ("wait", "decide", "publish", "ack")
BEFORE_THE_EVENT = ("wait", "decide", "publish")  # the event is out before the ack


@dataclass(frozen=True)
class Phase:
    """One phase over a run's batches: its mean and approximate p99 (from the histogram's buckets), in ms."""

    name: str
    batches: int
    mean_ms: float
    p99_ms: float

    def figures(self) -> dict[str, float]:
        """As the compare run's JSON has it."""
        return {"mean": round(self.mean_ms, 2), "p99": round(self.p99_ms, 2), "batches": self.batches}


def scrape(port: int, host: str = "127.0.0.1") -> str:
    """The text a worker's /metrics serves."""
    with urllib.request.urlopen(f"http://{host}:{port}/metrics", timeout=10) as answer:
        return str(answer.read().decode())


def batch_phases(text: str, queue: str) -> dict[str, Phase]:
    """Each phase observed on `queue`'s batches, in PHASES' order, from a /metrics text."""
    buckets: dict[str, list[tuple[float, float]]] = {}
    sums: dict[str, float] = {}
    counts: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        if family.name != PHASE_METRIC:
            continue
        for sample in family.samples:
            if sample.labels.get("queue") != queue:
                continue
            phase = sample.labels["phase"]
            if sample.name.endswith("_bucket"):
                buckets.setdefault(phase, []).append((float(sample.labels["le"]), sample.value))
            elif sample.name.endswith("_sum"):
                sums[phase] = sample.value
            elif sample.name.endswith("_count"):
                counts[phase] = sample.value
    found = {}
    for phase in PHASES:
        count = counts.get(phase, 0.0)
        if count:
            p99 = quantile(0.99, buckets.get(phase, []))
            found[phase] = Phase(phase, int(count), sums.get(phase, 0.0) / count * 1000, p99 * 1000)
    return found


def quantile(q: float, buckets: list[tuple[float, float]]) -> float:
    """The q-quantile of a histogram's cumulative (upper bound, count) buckets, interpolated within its bucket
    as Prometheus's histogram_quantile does; in the +Inf bucket, the largest finite bound."""
    ordered = sorted(buckets)
    total = ordered[-1][1] if ordered else 0.0
    if not total:
        return 0.0
    rank = q * total
    lower, below = 0.0, 0.0
    for bound, count in ordered:
        if count >= rank:
            if bound == float("inf"):
                return lower
            return lower + (bound - lower) * (rank - below) / (count - below)  # below < rank <= count
        lower, below = bound, count
    return lower


def queued_ms(end_to_end_mean_ms: float, phases: Mapping[str, Phase]) -> float:
    """What the end-to-end mean leaves once the worker's phases before the event are taken away."""
    return end_to_end_mean_ms - sum(phases[name].mean_ms for name in BEFORE_THE_EVENT if name in phases)
