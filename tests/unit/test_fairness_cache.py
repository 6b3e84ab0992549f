"""The fairness tests kept for a page read again: replayed once per (scope, period, trail head), again once the
trail has grown, never twice at once for one key, the least recently read dropped first, a refusal not kept."""

from __future__ import annotations

import threading
import time
from datetime import date
from types import SimpleNamespace
from typing import Any

import pytest

from assigner.domain.errors import InvalidInput
from assigner.domain.fairness import UnitFairness
from assigner.domain.reports import Period, Scope
from assigner.services import fairness_cache
from assigner.services.fairness_cache import KeptFairness

UNIT = Scope("01B1", "00")
DAY = Period(date(2025, 6, 2), date(2025, 6, 2), "Asia/Ho_Chi_Minh")


class Trail:
    """A unit of work whose audit log has a head the test moves; its replays counted."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.head = "h1"
        self.replays: list[tuple[Scope, Period, str]] = []
        self.refuse = False
        self.hold: threading.Event | None = None  # a replay waits for it when set
        monkeypatch.setattr(fairness_cache, "fairness_over", self.replay)

    def unit_of_work(self) -> Any:
        trail = self

        class UnitOfWork:
            audit = SimpleNamespace(head=lambda: trail.head)

            def __enter__(self) -> Any:
                return self

            def __exit__(self, *exc: object) -> None:
                return None

        return UnitOfWork()

    def replay(self, uow: Any, scope: Scope, period: Period) -> list[UnitFairness]:
        self.replays.append((scope, period, self.head))
        if self.hold is not None:
            assert self.hold.wait(5)
        if self.refuse:
            raise InvalidInput("the audit trail does not follow the rotation rules at entry 3")
        return [UnitFairness(f"{scope.customs_office}/{scope.department}", len(self.replays))]


@pytest.fixture
def trail(monkeypatch: pytest.MonkeyPatch) -> Trail:
    return Trail(monkeypatch)


class TestKeptFairness:
    def test_a_reload_reads_the_kept_tests_until_the_trail_grows(self, trail: Trail) -> None:
        kept = KeptFairness()
        first = kept.tests(trail.unit_of_work, UNIT, DAY)
        assert kept.tests(trail.unit_of_work, UNIT, DAY) is first and len(trail.replays) == 1
        trail.head = "h2"  # a new seal
        assert kept.tests(trail.unit_of_work, UNIT, DAY)[0].turns == 2
        other = Period(date(2025, 6, 1), date(2025, 6, 2), "Asia/Ho_Chi_Minh")
        kept.tests(trail.unit_of_work, UNIT, other)
        kept.tests(trail.unit_of_work, Scope("01B1", "01"), DAY)
        assert [(scope, period) for scope, period, _ in trail.replays[2:]] == [
            (UNIT, other),
            (Scope("01B1", "01"), DAY),
        ]

    def test_the_least_recently_read_is_dropped_beyond_its_size(self, trail: Trail) -> None:
        kept = KeptFairness(kept=2)
        for head in ("h1", "h2", "h1", "h3"):  # h1 read again, so h2 goes when h3 comes
            trail.head = head
            kept.tests(trail.unit_of_work, UNIT, DAY)
        for head in ("h1", "h3", "h2"):
            trail.head = head
            kept.tests(trail.unit_of_work, UNIT, DAY)
        assert [head for _, _, head in trail.replays] == ["h1", "h2", "h3", "h2"]

    def test_a_refusal_is_not_kept(self, trail: Trail) -> None:
        kept = KeptFairness()
        trail.refuse = True
        for _ in range(2):
            with pytest.raises(InvalidInput, match="does not follow the rotation rules"):
                kept.tests(trail.unit_of_work, UNIT, DAY)
        assert len(trail.replays) == 2

    def test_readers_asking_during_a_replay_wait_for_it_and_share_its_answer(self, trail: Trail) -> None:
        kept = KeptFairness()
        trail.hold = threading.Event()
        answers: list[list[UnitFairness]] = []
        readers = [
            threading.Thread(target=lambda: answers.append(kept.tests(trail.unit_of_work, UNIT, DAY))) for _ in range(4)
        ]
        for reader in readers:
            reader.start()
        while not trail.replays:
            time.sleep(0.01)
        time.sleep(0.2)  # the others ask meanwhile
        trail.hold.set()
        for reader in readers:
            reader.join(5)
        assert len(trail.replays) == 1 and len(answers) == 4 and all(answer is answers[0] for answer in answers)
