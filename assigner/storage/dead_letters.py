"""Dead letters claimed, and marked once the broker confirmed them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from assigner.domain.dead_letters import DeadLetter, SeenLetter
from assigner.storage.tables import DeadLetterRow

REASON_LIMIT = 2000


class DeadLetterStore:
    """Which dead letters were seen before; recording claims, repeats and confirmations."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def seen(self, fingerprints: Collection[str]) -> dict[str, SeenLetter]:
        """The letters already claimed, by fingerprint, locked until the transaction ends."""
        if not fingerprints:
            return {}
        query = (
            select(DeadLetterRow.fingerprint, DeadLetterRow.claimed_at, DeadLetterRow.published_at)
            .where(DeadLetterRow.fingerprint.in_(sorted(set(fingerprints))))
            .with_for_update()
        )
        return {key: SeenLetter(claimed, published) for key, claimed, published in self.session.execute(query)}

    def claim(self, letters: Sequence[DeadLetter], known: Collection[str], now: datetime) -> None:
        """Record that these letters are being published now (`known`: those claimed before)."""
        fresh = [letter for letter in letters if letter.fingerprint not in known]
        if fresh:
            self.session.execute(
                insert(DeadLetterRow),
                [
                    {
                        "fingerprint": letter.fingerprint,
                        "queue": letter.queue,
                        "reason": letter.reason[:REASON_LIMIT],
                        "first_seen_at": now,
                        "last_seen_at": now,
                        "claimed_at": now,
                        "times_seen": 1,
                    }
                    for letter in fresh
                ],
            )
        again = sorted({letter.fingerprint for letter in letters} & set(known))
        if again:
            self.session.execute(
                update(DeadLetterRow)
                .where(DeadLetterRow.fingerprint.in_(again))
                .values(claimed_at=now, last_seen_at=now, times_seen=DeadLetterRow.times_seen + 1)
            )

    def count_repeats(self, fingerprints: Sequence[str], now: datetime) -> None:
        """Copies seen again and not dead-lettered again: counted (one update per copy)."""
        for fingerprint in fingerprints:
            self.session.execute(
                update(DeadLetterRow)
                .where(DeadLetterRow.fingerprint == fingerprint)
                .values(last_seen_at=now, times_seen=DeadLetterRow.times_seen + 1)
            )

    def mark_published(self, fingerprints: Collection[str], now: datetime) -> None:
        """The broker confirmed these dead letters."""
        if fingerprints:
            self.session.execute(
                update(DeadLetterRow)
                .where(DeadLetterRow.fingerprint.in_(sorted(set(fingerprints))), DeadLetterRow.published_at.is_(None))
                .values(published_at=now)
            )

    def forget_before(self, moment: datetime) -> None:
        """Drop the letters published and not seen since `moment`."""
        self.session.execute(
            delete(DeadLetterRow).where(DeadLetterRow.published_at.is_not(None), DeadLetterRow.last_seen_at < moment)
        )
