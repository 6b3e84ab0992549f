"""Dead letters: each message that can never be processed goes to its dead-letter queue once.

A message is acknowledged only after its dead letter is confirmed, so a worker that dies first gets it
redelivered; a copy seen again (redelivered after an ack was lost, or re-sent by its producer) is not
dead-lettered again once the first copy's dead letter is published, nor while another worker is about
to publish it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

CLAIM_SETTLES = timedelta(seconds=10)  # a claim older than this and still unpublished: its worker is gone


@dataclass(frozen=True)
class DeadLetter:
    """A message refused for good: which one (by fingerprint), from which queue, and why."""

    fingerprint: str
    queue: str
    reason: str
    redelivered: bool = False  # the broker delivered it before, to a consumer that did not acknowledge it


@dataclass(frozen=True)
class SeenLetter:
    """What is recorded of a dead letter already claimed."""

    claimed_at: datetime
    published_at: datetime | None


def fingerprint(queue: str, body: bytes) -> str:
    """A message's identity as a dead letter: the SHA-256 of its queue and its body."""
    return hashlib.sha256(queue.encode() + b"\0" + body).hexdigest()


def must_publish(letter: DeadLetter, seen: SeenLetter | None, now: datetime) -> bool:
    """Whether this copy's dead letter must be published (else it is acknowledged as already handled)."""
    if seen is None:
        return True
    if seen.published_at is not None:
        return False
    # Claimed, not yet published: by a worker that died (its message comes back redelivered), or by one
    # publishing it right now (a second copy delivered to another worker at the same time).
    return letter.redelivered or now - seen.claimed_at >= CLAIM_SETTLES
