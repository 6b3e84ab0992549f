"""The database being unreachable is waited out: the work is tried again, its messages kept in hand."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import structlog
from sqlalchemy.exc import InterfaceError, InternalError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from assigner.domain.errors import first_line
from assigner.storage.migrate import DatabaseNotReady

log = structlog.get_logger("assigner.worker")
OUTAGES = (OperationalError, InterfaceError, InternalError, ProgrammingError, PoolTimeout, DatabaseNotReady)
MAX_BACKOFF_SECONDS = 30.0
T = TypeVar("T")


class DatabaseUnavailable(Exception):
    """The database could not be reached and the worker is stopping: the batch stays unacknowledged."""


def through_outages(work: Callable[[], T], wait: Callable[[float], None], is_stopping: Callable[[], bool]) -> T:
    """Run `work` until it gets past a database outage, waiting longer each time (up to 30 s)."""
    backoff = 1.0
    while True:
        try:
            return work()
        except OUTAGES as error:
            if is_stopping():
                raise DatabaseUnavailable(str(error)) from error
            log.warning("database.unavailable", error=first_line(error), retry_in=backoff)
            wait(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
