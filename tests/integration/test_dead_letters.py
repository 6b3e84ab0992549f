"""Each message that can never be processed is dead-lettered once, whoever sees a copy of it again."""

from __future__ import annotations

from integration.conftest import FrozenClock
from sqlalchemy import text

from assigner.bootstrap import Runtime
from assigner.domain.dead_letters import CLAIM_SETTLES, DeadLetter, fingerprint
from assigner.services.dead_letters import (
    FORGET_AFTER,
    claim_dead_letters,
    forget_old_dead_letters,
    mark_dead_letters_published,
)

QUEUE = "assigner.declarations"


def letter(body: bytes, redelivered: bool = False) -> DeadLetter:
    return DeadLetter(fingerprint(QUEUE, body), QUEUE, "not JSON", redelivered)


def claim(runtime: Runtime, *letters: DeadLetter) -> list[bool]:
    return claim_dead_letters(runtime.unit_of_work(), list(letters), runtime.clock)


def published(runtime: Runtime, *letters: DeadLetter) -> None:
    mark_dead_letters_published(runtime.unit_of_work(), list(letters), runtime.clock)


def times_seen(runtime: Runtime, of: DeadLetter) -> int | None:
    with runtime.engine.connect() as connection:
        found = connection.execute(
            text("SELECT times_seen FROM dead_letters WHERE fingerprint = :key"), {"key": of.fingerprint}
        ).scalar()
    return None if found is None else int(found)


class TestDeadLetteredOnce:
    def test_a_new_letter_is_published_and_a_copy_after_its_confirm_is_not(self, runtime: Runtime) -> None:
        poison = letter(b"<xml/>")
        assert claim(runtime, poison) == [True]
        published(runtime, poison)
        assert claim(runtime, letter(b"<xml/>")) == [False]
        assert claim(runtime, letter(b"<xml/>", redelivered=True)) == [False]
        assert times_seen(runtime, poison) == 3

    def test_two_copies_in_one_batch_are_published_once(self, runtime: Runtime) -> None:
        assert claim(runtime, letter(b"{"), letter(b"{"), letter(b"}")) == [True, False, True]

    def test_a_copy_while_another_worker_publishes_the_first_is_not_published_again(self, runtime: Runtime) -> None:
        assert claim(runtime, letter(b"{")) == [True]
        assert claim(runtime, letter(b"{")) == [False]  # delivered to a second worker at the same time

    def test_a_redelivered_copy_of_an_unconfirmed_letter_is_published_its_first_worker_died(
        self, runtime: Runtime
    ) -> None:
        assert claim(runtime, letter(b"{")) == [True]
        assert claim(runtime, letter(b"{", redelivered=True)) == [True]

    def test_an_unconfirmed_claim_older_than_it_settles_is_published_again(
        self, runtime: Runtime, clock: FrozenClock
    ) -> None:
        assert claim(runtime, letter(b"{")) == [True]
        clock.advance(seconds=CLAIM_SETTLES.total_seconds())
        assert claim(runtime, letter(b"{")) == [True]

    def test_the_same_body_on_another_queue_is_another_letter(self, runtime: Runtime) -> None:
        assert claim(runtime, letter(b"{")) == [True]
        assert claim(runtime, DeadLetter(fingerprint("assigner.commands", b"{"), "assigner.commands", "bad")) == [True]

    def test_letters_published_and_unseen_for_a_week_are_forgotten(self, runtime: Runtime, clock: FrozenClock) -> None:
        old, unconfirmed = letter(b"old"), letter(b"unconfirmed")
        claim(runtime, old, unconfirmed)
        published(runtime, old)
        clock.advance(seconds=FORGET_AFTER.total_seconds() + 1)
        forget_old_dead_letters(runtime.unit_of_work(), runtime.clock)
        assert times_seen(runtime, old) is None
        assert times_seen(runtime, unconfirmed) == 1
        assert claim(runtime, letter(b"old")) == [True]
