"""How often a sign-in may be tried: the policy against guessing passwords, per account and per client.

Plain logic on times handed in (no clock of its own, no web, no storage): after a few failures each further
attempt waits twice as long as the one before, up to a cap; after many failures in a window the key is
locked for a while. An attempt is counted as failed when it is admitted, and forgiven if it succeeds, so
attempts sent in parallel cannot all slip in before the first failure is known.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    """The numbers of the policy; the defaults are the console's."""

    free_failures: int = 3  # failures before any wait
    first_wait: timedelta = timedelta(seconds=2)  # after `free_failures`; doubled by each further failure
    longest_wait: timedelta = timedelta(seconds=60)
    lock_failures: int = 10  # this many failures within `window` lock the key ...
    window: timedelta = timedelta(minutes=15)
    lock: timedelta = timedelta(minutes=15)  # ... for this long
    max_keys: int = 10_000  # keys remembered; the least recently tried is forgotten first

    def wait_after(self, failures: int) -> timedelta:
        """How long the next attempt waits after `failures` recent failures."""
        if failures < self.free_failures:
            return timedelta(0)
        doublings = min(failures - self.free_failures, 30)  # 2**30 times any wait is past any cap
        return min(self.first_wait * (1 << doublings), self.longest_wait)


@dataclass
class _Record:
    failures: deque[datetime] = field(default_factory=deque)  # within the window, oldest first
    locked_until: datetime | None = None
    locked_at: datetime | None = None  # the failure that locked it (forgiving it unlocks)


class Throttle:
    """The failures of each key (an account, a client address), bounded in number of keys."""

    def __init__(self, policy: ThrottlePolicy | None = None) -> None:
        self.policy = policy or ThrottlePolicy()
        self._records: OrderedDict[str, _Record] = OrderedDict()
        self._lock = threading.Lock()

    def admit(self, keys: tuple[str, ...], now: datetime) -> float:
        """Seconds to wait before trying again, if any key must still wait (nothing counted); otherwise 0,
        and the attempt is counted as a failure of every key until `succeeded` says otherwise."""
        with self._lock:
            wait = max(self._wait(key, now) for key in keys)
            if wait > 0:
                return wait
            for key in keys:
                self._fail(key, now)
        return 0.0

    def succeeded(self, account: str, client: str, admitted_at: datetime) -> None:
        """An admitted attempt proved right: the account starts afresh, the client's count forgets it."""
        with self._lock:
            self._records.pop(account, None)
            record = self._records.get(client)
            if record is None:
                return
            if admitted_at in record.failures:
                record.failures.remove(admitted_at)
            if record.locked_at == admitted_at:
                record.locked_until = record.locked_at = None

    def __len__(self) -> int:
        return len(self._records)

    def _wait(self, key: str, now: datetime) -> float:
        record = self._records.get(key)
        if record is None:
            return 0.0
        if record.locked_until is not None:
            if record.locked_until > now:
                return (record.locked_until - now).total_seconds()
            record.locked_until = record.locked_at = None
        while record.failures and record.failures[0] <= now - self.policy.window:
            record.failures.popleft()
        if not record.failures:
            return 0.0
        ready = record.failures[-1] + self.policy.wait_after(len(record.failures))
        return max((ready - now).total_seconds(), 0.0)

    def _fail(self, key: str, now: datetime) -> None:
        record = self._records.pop(key, None) or _Record()
        self._records[key] = record  # the most recently tried last: the first forgotten is the least recent
        record.failures.append(now)
        if len(record.failures) >= self.policy.lock_failures:
            record.locked_until, record.locked_at = now + self.policy.lock, now
        while len(self._records) > self.policy.max_keys:
            self._records.popitem(last=False)
