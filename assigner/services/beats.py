"""Consumers' signs of life, which `assigner health` reads."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Protocol

FORGET_AFTER = timedelta(days=7)


class BeatWriter(Protocol):
    """Where beats are written."""

    def beat(self, consumer: str, queue: str, now: datetime, processed: int, stopped: bool = False) -> None: ...

    def forget_before(self, moment: datetime) -> None: ...


class BeatingUnitOfWork(AbstractContextManager["BeatingUnitOfWork"], Protocol):
    """A transaction with the beats."""

    @property
    def beats(self) -> BeatWriter: ...

    def commit(self) -> None: ...


def record_beat(
    uow: BeatingUnitOfWork,
    consumer: str,
    queue: str,
    now: datetime,
    processed: int,
    starting: bool = False,
    stopped: bool = False,
) -> None:
    """The consumer is alive (or has stopped cleanly) and processed `processed` messages since its last beat.

    On start, old beats go.
    """
    with uow:
        if starting:
            uow.beats.forget_before(now - FORGET_AFTER)
        uow.beats.beat(consumer, queue, now, processed, stopped)
        uow.commit()
