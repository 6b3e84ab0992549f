"""The database being unreachable is waited out: the work is tried again, its messages kept in hand.

While the database is away it is probed cheaply and often, so that work resumes within a probe
interval of its return. An outage while the database answers its probe (a schema not yet migrated, a
disk full, a read-only standby) is retried with a growing backoff instead, so that it never spins, and so is
a conflict that outlived the transaction's own retries, TRANSIENT_ROUNDS times. Any other error is raised:
the worker's failure policy (workers/failures.py) counts it against the messages.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import structlog

from assigner.domain.errors import first_line
from assigner.storage.errors import DatabaseError, classify

log = structlog.get_logger("assigner.worker")
PROBE_EVERY_SECONDS = 0.5
FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
STILL_AWAY_EVERY_SECONDS = 30.0  # how often a long outage is logged again
T = TypeVar("T")


TRANSIENT_ROUNDS = 5  # conflicts that outlive the transaction's own retries this often: counted, not waited


WAITED_OUT = (DatabaseError.OUTAGE, DatabaseError.TRANSIENT)


def waits_out(error: BaseException) -> bool:
    """Whether work failing with `error` is to be tried again rather than counted against its messages."""
    return classify(error) in WAITED_OUT


class DatabaseUnavailable(Exception):
    """The database could not be reached and the worker is stopping: the batch stays unacknowledged."""


class Outages:
    """Runs work through database outages; `probe` raises unless the database answers."""

    def __init__(
        self, probe: Callable[[], None], wait: Callable[[float], None], is_stopping: Callable[[], bool]
    ) -> None:
        self.probe = probe
        self.wait = wait
        self.is_stopping = is_stopping

    def through(self, work: Callable[[], T]) -> T:
        """Run `work` until it gets past any database outage."""
        backoff = FIRST_BACKOFF_SECONDS
        down_since: float | None = None
        conflicts = 0
        while True:
            try:
                result = work()
            except Exception as error:
                kind = classify(error)
                if kind not in WAITED_OUT:
                    raise
                if kind is DatabaseError.TRANSIENT:
                    conflicts += 1
                    if conflicts > TRANSIENT_ROUNDS:  # no other writer keeps conflicting that long: a defect
                        raise
                if self.is_stopping():
                    raise DatabaseUnavailable(str(error)) from error
                if down_since is None:
                    down_since = time.monotonic()
                    log.warning("database.unavailable", error=first_line(error))
                if self._answers():  # not its absence: back off, so that a standing failure never spins
                    log.warning("database.retrying", error=first_line(error), retry_in=backoff)
                    self.wait(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                else:
                    self._wait_for_return(down_since)
                continue
            if down_since is not None:
                log.info("database.back", unavailable_seconds=round(time.monotonic() - down_since, 1))
            return result

    def _answers(self) -> bool:
        try:
            self.probe()
        except Exception as error:
            if waits_out(error):
                return False
            raise
        return True

    def _wait_for_return(self, down_since: float) -> None:
        """Probe every PROBE_EVERY_SECONDS until the database answers (or the worker stops)."""
        last_said = time.monotonic()
        while not self.is_stopping():
            self.wait(PROBE_EVERY_SECONDS)
            if self._answers():
                return
            if time.monotonic() - last_said >= STILL_AWAY_EVERY_SECONDS:
                log.warning("database.still_unavailable", seconds=round(time.monotonic() - down_since))
                last_said = time.monotonic()
