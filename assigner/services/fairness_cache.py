"""The fairness tests (services/fairness.py) kept for a page read again: a replay of the whole trail can take tens
of seconds, and its answer changes only when the trail does. Each answer is kept under its scope, its period and
the trail's head (the last seal's hash): a new seal makes a new key, so nothing kept is ever out of date."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from assigner.domain.fairness import UnitFairness
from assigner.domain.reports import Period, Scope
from assigner.services.fairness import fairness_over
from assigner.services.ports import UnitOfWork

KEPT = 16  # answers kept, the least recently read dropped first
Key = tuple[Scope, Period, str]


class KeptFairness:
    """Fairness tests by (scope, period, trail head), shared by the threads that read them: one replay per key at a
    time (a reload during a replay waits for it, then reads its answer). The answers are shared: read them only."""

    def __init__(self, kept: int = KEPT) -> None:
        self._kept: OrderedDict[Key, list[UnitFairness]] = OrderedDict()
        self._size = kept
        self._lock = threading.Lock()  # guards the two dicts
        self._replaying: dict[Key, threading.Lock] = {}

    def tests(self, unit_of_work: Callable[[], UnitOfWork], scope: Scope, period: Period) -> list[UnitFairness]:
        """The tests of `scope` over `period` on the trail as it is now (InvalidInput if it does not follow the
        rules, as fairness_over; not kept). Blocking: run it off an event loop."""
        # The head is read before the replay: a seal committed between the two makes an answer newer than its key,
        # never older (the next reader, seeing the newer head, replays).
        key = (scope, period, _head(unit_of_work()))
        found = self._found(key)
        if found is not None:
            return found
        with self._lock:
            replaying = self._replaying.setdefault(key, threading.Lock())
        with replaying:
            try:
                found = self._found(key)  # replayed while this one waited
                if found is None:
                    found = fairness_over(unit_of_work(), scope, period)
                    self._keep(key, found)
                return found
            finally:
                with self._lock:
                    if self._replaying.get(key) is replaying:
                        del self._replaying[key]

    def _found(self, key: Key) -> list[UnitFairness] | None:
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
            return found

    def _keep(self, key: Key, found: list[UnitFairness]) -> None:
        with self._lock:
            self._kept[key] = found
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)


def _head(uow: UnitOfWork) -> str:
    """The trail's head now: the last seal's hash."""
    with uow:
        return uow.audit.head()
