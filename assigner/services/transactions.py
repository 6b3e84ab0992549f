"""Running a use case in one transaction, retried when a concurrent writer got in the way."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from assigner.services.ports import UnitOfWork

T = TypeVar("T")


def in_transaction(uow: UnitOfWork, work: Callable[[], T], attempts: int = 10) -> tuple[T, int]:
    """Run `work` inside `uow` and commit; retry it whole on a transient error. Returns (result, attempts used)."""
    for attempt in range(1, attempts + 1):
        try:
            with uow:
                result = work()
                uow.commit()
            return result, attempt
        except Exception as error:
            if attempt == attempts or not uow.is_transient(error):
                raise
            time.sleep(random.uniform(0, min(0.02 * 2**attempt, 1.0)))
    raise AssertionError("unreachable: the last attempt returns or raises")
