"""Consumers' signs of life, one row per consumer thread."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from assigner.domain.health_checks import Beat
from assigner.storage.tables import WorkerBeatRow


class BeatStore:
    """Writes a consumer's beat; reads everyone's."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def beat(self, consumer: str, queue: str, now: datetime, processed: int, stopped: bool = False) -> None:
        """The consumer is alive at `now` (or stopped then), and processed `processed` messages just before."""
        changes: dict[str, object] = {"seen_at": now, "stopped_at": now if stopped else None}
        if processed:
            changes.update(last_message_at=now, messages=WorkerBeatRow.messages + processed)
        updated = self.session.execute(update(WorkerBeatRow).where(WorkerBeatRow.consumer == consumer).values(changes))
        if updated.rowcount == 0:  # type: ignore[attr-defined]
            self.session.execute(
                insert(WorkerBeatRow).values(
                    consumer=consumer,
                    queue=queue,
                    started_at=now,
                    seen_at=now,
                    last_message_at=now if processed else None,
                    messages=processed,
                    stopped_at=changes["stopped_at"],
                )
            )

    def forget_before(self, moment: datetime) -> None:
        """Drop the beats of consumers not seen since `moment` (long stopped)."""
        self.session.execute(delete(WorkerBeatRow).where(WorkerBeatRow.seen_at < moment))

    def all(self) -> list[Beat]:
        """Every consumer's latest beat, the most recently seen first."""
        rows = self.session.scalars(select(WorkerBeatRow).order_by(WorkerBeatRow.seen_at.desc()))
        return [
            Beat(r.consumer, r.queue, r.started_at, r.seen_at, r.last_message_at, r.messages, r.stopped_at)
            for r in rows
        ]
