"""When a copy of a refused message is dead-lettered (again), and when it is only acknowledged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assigner.domain.dead_letters import CLAIM_SETTLES, DeadLetter, SeenLetter, fingerprint, must_publish

NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def letter(redelivered: bool = False) -> DeadLetter:
    return DeadLetter(fingerprint("q", b"body"), "q", "why", redelivered)


class TestMustPublish:
    def test_a_letter_never_seen_is_published(self) -> None:
        assert must_publish(letter(), None, NOW)

    def test_a_letter_published_before_is_not_even_redelivered(self) -> None:
        seen = SeenLetter(NOW - timedelta(hours=1), NOW - timedelta(hours=1))
        assert not must_publish(letter(), seen, NOW)
        assert not must_publish(letter(redelivered=True), seen, NOW)

    def test_a_letter_claimed_just_now_is_left_to_its_claimant_unless_this_copy_is_a_redelivery(self) -> None:
        seen = SeenLetter(NOW - timedelta(seconds=1), None)
        assert not must_publish(letter(), seen, NOW)
        assert must_publish(letter(redelivered=True), seen, NOW)

    def test_a_claim_left_unconfirmed_past_its_settling_time_is_published_again(self) -> None:
        assert must_publish(letter(), SeenLetter(NOW - CLAIM_SETTLES, None), NOW)


class TestFingerprint:
    def test_the_queue_and_the_body_make_the_fingerprint(self) -> None:
        assert fingerprint("q", b"a") == fingerprint("q", b"a")
        assert len({fingerprint("q", b"a"), fingerprint("q", b"b"), fingerprint("r", b"a")}) == 3
