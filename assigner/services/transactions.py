"""Running a use case in one transaction, retried when a concurrent writer got in the way."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Transaction(AbstractContextManager[Any], Protocol):
    """A unit of work as far as running it goes: entered, committed, and told which errors are transient."""

    def commit(self) -> None: ...

    def is_transient(self, error: BaseException) -> bool: ...


def in_transaction(
    uow: Transaction, work: Callable[[], T], attempts: int = 10, changed: Callable[[T], bool] | None = None
) -> tuple[T, int]:
    """Run `work` inside `uow` and commit (unless `changed` says the result changed nothing: then it is rolled
    back, no write made); retry it whole on a transient error. Returns (result, attempts used)."""
    for attempt in range(1, attempts + 1):
        try:
            with uow:
                result = work()
                if changed is None or changed(result):
                    uow.commit()
            return result, attempt
        except Exception as error:
            if attempt == attempts or not uow.is_transient(error):
                raise
            time.sleep(random.uniform(0, min(0.02 * 2**attempt, 1.0)))
    raise AssertionError("unreachable: the last attempt returns or raises")
