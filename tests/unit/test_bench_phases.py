"""Reading a worker's batch phases from its /metrics text: each phase's mean, its p99 from the buckets, and
what the end-to-end time leaves for the broker. The text is what prometheus_client writes."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from assigner.devtools.bench.phases import Phase, batch_phases, quantile, queued_ms
from workers.metrics import PHASE_BUCKETS

QUEUE = "assigner.declarations"


def served(observed: dict[tuple[str, str], list[float]]) -> str:
    """The /metrics text of a registry holding only the phase histogram, with these (queue, phase) seconds."""
    registry = CollectorRegistry()
    histogram = Histogram(
        "assigner_batch_phase_seconds", "phases", ["queue", "phase"], buckets=PHASE_BUCKETS, registry=registry
    )
    for (queue, phase), seconds in observed.items():
        for value in seconds:
            histogram.labels(queue, phase).observe(value)
    return generate_latest(registry).decode()


class TestBatchPhases:
    def test_each_phase_s_mean_and_batches_in_milliseconds_in_the_phases_order(self) -> None:
        text = served(
            {
                (QUEUE, "ack"): [0.0002, 0.0004],
                (QUEUE, "wait"): [0.001, 0.003],
                (QUEUE, "decide"): [0.010, 0.020],
                ("assigner.commands", "wait"): [5.0],
            }
        )
        found = batch_phases(text, QUEUE)
        assert list(found) == ["wait", "decide", "ack"]  # no publish observed: left out
        assert (found["wait"].batches, found["wait"].mean_ms) == (2, pytest.approx(2.0))
        assert found["decide"].mean_ms == pytest.approx(15.0)
        assert found["ack"].mean_ms == pytest.approx(0.3)

    def test_the_p99_falls_in_the_bucket_of_the_99th_percent_batch(self) -> None:
        seconds = [0.004] * 98 + [0.025, 0.025]  # the 99th of 100 batches between 20 and 30 ms
        found = batch_phases(served({(QUEUE, "decide"): seconds}), QUEUE)["decide"]
        assert 20.0 < found.p99_ms <= 30.0
        assert found.p99_ms == pytest.approx(25.0)  # halfway through its bucket, as histogram_quantile says

    def test_another_metric_or_no_phase_at_all_gives_no_phase(self) -> None:
        text = '# TYPE assigner_batch_seconds histogram\nassigner_batch_seconds_count{queue="q"} 3.0\n'
        assert batch_phases(text, QUEUE) == {}
        assert batch_phases(served({}), QUEUE) == {}


class TestQuantile:
    def test_interpolated_within_its_bucket(self) -> None:
        assert quantile(0.5, [(0.01, 0.0), (0.02, 10.0), (float("inf"), 10.0)]) == pytest.approx(0.015)

    def test_in_the_infinite_bucket_it_is_the_largest_finite_bound(self) -> None:
        assert quantile(0.99, [(0.01, 1.0), (0.02, 1.0), (float("inf"), 10.0)]) == 0.02

    def test_no_observation_is_zero(self) -> None:
        assert quantile(0.99, [(0.01, 0.0), (float("inf"), 0.0)]) == 0.0
        assert quantile(0.99, []) == 0.0


class TestQueued:
    def test_the_phases_before_the_event_are_taken_from_the_end_to_end_mean(self) -> None:
        phases = {name: Phase(name, 10, mean, mean) for name, mean in [("wait", 1.0), ("publish", 3.0), ("ack", 9.0)]}
        assert queued_ms(20.0, phases) == pytest.approx(16.0)  # no decide observed; the ack is after the event
