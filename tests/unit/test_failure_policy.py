"""The worker's failure policy with a handler that fails as told: narrowed down, put back, dead-lettered."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from assigner.broker import topology
from assigner.broker.publishing import NotConfirmed, Outgoing
from workers.failures import FailurePolicy

NOW = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)


class Delivery:
    """A delivered message; what settles it is kept."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.delivery_tag = 1
        self.content_encoding = "utf-8"
        self.properties: dict[str, Any] = {}
        self.headers: dict[str, Any] = {}
        self.delivery_info = {"redelivered": False}
        self.settled: list[str] = []

    @property
    def acknowledged(self) -> bool:
        return bool(self.settled)

    def ack(self, multiple: bool = False) -> None:
        self.settled.append("ack")

    def requeue(self) -> None:
        self.settled.append("requeue")


class Handler:
    """Acknowledges every message, except that it raises on `poison`, before or after the acks."""

    def __init__(self, poison: bytes, after_ack: bool = False, error: Exception | None = None) -> None:
        self.poison = poison
        self.after_ack = after_ack
        self.error = error or ZeroDivisionError("a defect")
        self.batches: list[int] = []

    def handle(self, batch: Sequence[Delivery], publisher: Any) -> None:
        self.batches.append(len(batch))
        if not self.after_ack and any(m.body == self.poison for m in batch):
            raise self.error
        for message in batch:
            message.ack()
        if self.after_ack:
            raise self.error


class Publisher:
    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    def publish(self, messages: list[Outgoing]) -> None:
        self.sent.extend(messages)


def policy(handler: Handler) -> FailurePolicy:
    return FailurePolicy(topology.DECLARATIONS, handler, 3, (ConnectionError,), False, lambda: NOW)  # type: ignore[arg-type]


class TestFailurePolicy:
    def test_the_failing_message_is_found_put_back_and_the_others_acknowledged(self) -> None:
        handler, publisher = Handler(b"bad"), Publisher()
        batch = [Delivery(b"a"), Delivery(b"bad"), Delivery(b"c")]
        policy(handler).handle(batch, publisher)  # type: ignore[arg-type]
        assert [m.settled for m in batch] == [["ack"], ["requeue"], ["ack"]]
        assert handler.batches == [3, 1, 1, 1] and publisher.sent == []

    def test_after_max_failures_it_is_dead_lettered_with_the_error_and_acknowledged(self) -> None:
        handler, publisher = Handler(b"bad"), Publisher()
        guard = policy(handler)
        deliveries = [Delivery(b"bad") for _ in range(3)]
        for delivery in deliveries:
            guard.handle([delivery], publisher)  # type: ignore[list-item]
        assert [d.settled for d in deliveries] == [["requeue"], ["requeue"], ["ack"]]
        [letter] = publisher.sent
        assert letter.routing_key == topology.DECLARATIONS_DLQ
        assert letter.headers[topology.ERROR_HEADER] == "failed 3 times: ZeroDivisionError: a defect"

    def test_a_failure_after_the_acks_is_only_logged_the_outcome_stands(self) -> None:
        handler, publisher = Handler(b"", after_ack=True), Publisher()
        guard = policy(handler)
        for _ in range(4):
            batch = [Delivery(b"a")]
            guard.handle(batch, publisher)  # type: ignore[arg-type]
            assert batch[0].settled == ["ack"]
        assert publisher.sent == [] and not guard.failures

    @pytest.mark.parametrize("error", [ConnectionError("broker away"), NotConfirmed("not confirmed")])
    def test_an_outage_of_the_broker_passes_through_to_the_consumer_unsettled(self, error: Exception) -> None:
        batch = [Delivery(b"bad")]
        with pytest.raises(type(error)):
            policy(Handler(b"bad", error=error)).handle(batch, Publisher())  # type: ignore[arg-type]
        assert batch[0].settled == []
