"""The chaos stream lasts as long as its faults need work: faults strike one after another with work between
them, and the stream goes on past the planned messages until work was seen after the last (fake clocks)."""

from __future__ import annotations

import threading
from typing import ClassVar

from assigner.devtools.chaos.faults import Fault, Pace, run_faults, schedule
from assigner.devtools.chaos.plan import make_plan
from assigner.devtools.chaos.stream import Stream, Tail
from assigner.devtools.chaos.upstream import Upstream
from assigner.settings import Settings

RATE = 500  # messages a second


class FakeStream:
    """An upstream publishing RATE messages a second of a clock that moves only when someone waits."""

    def __init__(self) -> None:
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def clock(self) -> float:
        return self.now

    def published(self) -> int:
        return int(self.now * RATE)


class FakeFaults:
    """Carries out a fault by letting the fake clock run for as long as that kind takes to recover from."""

    def __init__(self, stream: FakeStream, seconds: dict[str, float]) -> None:
        self.stream = stream
        self.seconds = seconds
        self.over_at: list[int] = []  # messages published when each fault was over

    def carry_out(self, fault: Fault) -> None:
        self.stream.sleep(self.seconds[fault.kind])
        self.over_at.append(self.stream.published())


def strike(faults: list[Fault], seconds: dict[str, float], planned: int, spacing: int) -> FakeFaults:
    stream = FakeStream()
    fake = FakeFaults(stream, seconds)
    run_faults(
        faults, fake.carry_out, stream.published, Pace(planned, spacing), threading.Event(), stream.sleep, stream.clock
    )
    return fake


class TestFaultPace:
    SLOW: ClassVar[dict[str, float]] = {
        "kill": 4.0,
        "broker": 25.0,
        "database": 15.0,
        "commands": 3.0,
    }  # seconds to recover

    def test_each_fault_strikes_at_its_share_of_the_planned_stream_when_the_one_before_was_quick(self) -> None:
        faults = schedule(kills=1, broker_restarts=0, database_restarts=0, workers=4)
        strike(faults, {"kill": 0.1, "commands": 0.1}, planned=100_000, spacing=500)
        for fault in faults:
            assert fault.at_message is not None
            assert round(fault.at_share * 100_000) <= fault.at_message < round(fault.at_share * 100_000) + 100

    def test_slow_recoveries_push_the_later_faults_past_the_planned_stream_with_work_between_each(self) -> None:
        # 5,000 planned messages last 10 s at 500/s; the faults take 66 s: the stream must go on for them.
        faults = schedule(kills=3, broker_restarts=1, database_restarts=1, workers=4)
        fake = strike(faults, self.SLOW, planned=5_000, spacing=500)
        starts = [fault.at_message or 0 for fault in faults]
        assert all(start >= round(fault.at_share * 5_000) for start, fault in zip(starts, faults))
        for over, start in zip(fake.over_at, starts[1:]):
            assert start >= over + 500, "a fault strikes only once work flowed after the one before"
        assert max(starts) > 5_000 * 5, "the last faults strike long after the planned stream would have ended"
        assert [fault.kind for fault in faults] == ["kill", "broker", "commands", "database", "kill", "kill"]

    def test_no_fault_strikes_once_the_run_is_stopping(self) -> None:
        faults = schedule(kills=1, broker_restarts=1, database_restarts=0, workers=2)
        stopping = threading.Event()
        stopping.set()
        stream = FakeStream()
        run_faults(faults, lambda fault: None, stream.published, Pace(1000, 10), stopping, stream.sleep)
        assert all(fault.started is None for fault in faults)


class TestTail:
    def test_the_stream_goes_on_while_faults_are_under_way(self) -> None:
        tail = Tail(lambda since: None, clock=lambda: 0.0)
        assert tail.goes_on() and tail.goes_on()

    def test_it_ends_once_a_decision_was_stored_after_the_last_fault(self) -> None:
        stream = FakeStream()
        decided: list[float] = []
        tail = Tail(lambda since: min((t for t in decided if t > since), default=None), clock=stream.clock)
        stream.sleep(70.0)
        tail.faults_over()
        stream.sleep(2.0)
        assert tail.goes_on(), "no decision yet after the faults"
        decided.append(72.5)
        assert not tail.goes_on()
        assert tail.resumed_after == 2.5

    def test_it_ends_without_work_after_its_patience_and_says_so(self) -> None:
        stream = FakeStream()
        tail = Tail(lambda since: None, clock=stream.clock, patience=30.0)
        tail.faults_over()
        stream.sleep(29.0)
        assert tail.goes_on()
        stream.sleep(2.0)
        assert not tail.goes_on() and tail.resumed_after is None

    def test_a_database_still_away_counts_as_no_work_yet(self) -> None:
        def away(since: float) -> float | None:
            raise OSError("connection refused")

        tail = Tail(away, clock=lambda: 0.0)
        tail.faults_over()
        assert tail.goes_on()


class TestStream:
    def test_parts_follow_the_planned_stream_with_numbers_and_poison_of_their_own(self) -> None:
        planned = make_plan(500, seed=7)
        parts = iter([True, True, False])
        stream = Stream(planned, 7, 200, lambda: next(parts))
        first, second, last = stream.more(), stream.more(), stream.more()
        assert first and second and last == []
        whole = stream.whole()
        assert len(whole.expected) == 900 and len(planned.expected) == 500, "the planned stream is left as it was"
        assert whole.messages == planned.messages + first + second
        assert sorted(whole.poison) == sorted(f"chaos-poison-{n}" for n in range(9))
        originals = [m.message_id for m in whole.messages if m.kind != "resend"]
        assert len(originals) == len(set(originals)), "every message but a re-send is new"

    def test_the_upstream_publishes_the_parts_in_order_until_there_are_none(self) -> None:
        planned = make_plan(100, seed=3)
        parts = iter([True, False])
        stream = Stream(planned, 3, 100, lambda: next(parts))
        upstream = Upstream(
            Settings(broker_url="amqp://up:pw@127.0.0.1:5672//"),
            planned.messages,
            50_000,
            threading.Event(),
            stream.more,
        )
        chunks: list[list[str]] = []

        def publish(publisher: object, chunk: list[object]) -> None:
            chunks.append([message.properties["message_id"] for message in chunk])
            upstream.published.confirmed += len(chunk)

        upstream._publish = publish  # type: ignore[method-assign, assignment]
        upstream.run()
        sent = [message_id for chunk in chunks for message_id in chunk]
        assert sent == [m.message_id for m in stream.whole().messages]
        assert upstream.published.confirmed == len(stream.whole().messages) and upstream.published.done.is_set()
