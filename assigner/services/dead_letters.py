"""Use cases of dead letters: which copies to dead-letter, and recording the broker's confirms."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Protocol

from assigner.domain.dead_letters import DeadLetter, SeenLetter, must_publish
from assigner.services.ports import Clock
from assigner.services.transactions import in_transaction

FORGET_AFTER = timedelta(days=7)


class DeadLetterBook(Protocol):
    """Where dead letters are recorded."""

    def seen(self, fingerprints: Collection[str]) -> dict[str, SeenLetter]: ...

    def claim(self, letters: Sequence[DeadLetter], known: Collection[str], now: datetime) -> None: ...

    def count_repeats(self, fingerprints: Sequence[str], now: datetime) -> None: ...

    def mark_published(self, fingerprints: Collection[str], now: datetime) -> None: ...

    def forget_before(self, moment: datetime) -> None: ...


class DeadLetterUnitOfWork(AbstractContextManager["DeadLetterUnitOfWork"], Protocol):
    """A transaction with the dead letters."""

    @property
    def dead_letters(self) -> DeadLetterBook: ...

    def commit(self) -> None: ...

    def is_transient(self, error: BaseException) -> bool: ...


def claim_dead_letters(uow: DeadLetterUnitOfWork, letters: Sequence[DeadLetter], clock: Clock) -> list[bool]:
    """For each letter, whether to publish it now (each once, even twice in one batch) or not (a repeat)."""
    if not letters:
        return []

    def work() -> list[bool]:
        now = clock()
        seen = uow.dead_letters.seen({letter.fingerprint for letter in letters})
        decided: list[bool] = []
        claimed: set[str] = set()
        for letter in letters:
            publish = letter.fingerprint not in claimed and must_publish(letter, seen.get(letter.fingerprint), now)
            if publish:
                claimed.add(letter.fingerprint)
            decided.append(publish)
        claims = [letter for letter, publish in zip(letters, decided) if publish]
        repeats = [letter.fingerprint for letter, publish in zip(letters, decided) if not publish]
        uow.dead_letters.claim(claims, set(seen), now)
        uow.dead_letters.count_repeats(repeats, now)
        return decided

    return in_transaction(uow, work)[0]


def mark_dead_letters_published(uow: DeadLetterUnitOfWork, letters: Sequence[DeadLetter], clock: Clock) -> None:
    """The broker confirmed these dead letters: their copies are not dead-lettered again."""
    if not letters:
        return
    in_transaction(uow, lambda: uow.dead_letters.mark_published({letter.fingerprint for letter in letters}, clock()))


def forget_old_dead_letters(uow: DeadLetterUnitOfWork, clock: Clock) -> None:
    """Forget letters published and not seen for FORGET_AFTER: a copy after that is dead-lettered again."""
    with uow:
        uow.dead_letters.forget_before(clock() - FORGET_AFTER)
        uow.commit()
