"""The daily keys of drawn turns (domain/draws.py): made and committed, read by a batch that draws, revealed
after their day. A key made here is audited (draw_key_committed) and its event queued in the same transaction,
which draws nothing with it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from assigner.domain.draws import REVEAL_GRACE, Drawer, commitment, day_bounds, day_of, new_key
from assigner.domain.events import Event, draw_key_event, new_event_id
from assigner.storage.audit import AuditLog
from assigner.storage.errors import KeyNotCommitted, KeyRevealed
from assigner.storage.outbox import OutboxStore
from assigner.storage.tables import DrawKeyRow

ACTOR = "assigner"


class DrawKeyStore:
    """The days' keys. Their days are in the zone of the keys made so far, else the installation's default one:
    a later change of the default zone leaves the keys' days as they are (one after the other, no overlap)."""

    def __init__(self, session: Session, audit: AuditLog, outbox: OutboxStore, zone: ZoneInfo) -> None:
        self.session = session
        self.audit = audit
        self.outbox = outbox
        self.default_zone = zone
        self._zone: ZoneInfo | None = None

    @property
    def zone(self) -> ZoneInfo:
        """The zone whose days the keys serve."""
        if self._zone is None:
            kept = self.session.scalar(select(DrawKeyRow.zone).order_by(DrawKeyRow.day.desc()).limit(1))
            self._zone = ZoneInfo(kept) if kept else self.default_zone
        return self._zone

    def drawer(self, now: datetime) -> Drawer:
        """What this transaction draws with: `now`'s day's key, committed by an earlier transaction (else
        KeyNotCommitted), and the chain's head as committed when asked: after the units' locks, so at least the
        head their last entries made, and after the key's commitment."""
        day = day_of(now, self.zone)
        query = select(DrawKeyRow.secret, DrawKeyRow.revealed_at).where(DrawKeyRow.day == day)
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(read=True)  # a reveal waits for this transaction to commit
        found = self.session.execute(query).first()
        if found is None:
            raise KeyNotCommitted(day, now)
        secret, revealed_at = found
        if revealed_at is not None:
            raise KeyRevealed(f"the key of {day} was revealed at {revealed_at.isoformat()}")
        head_seq, head = self.audit.last_seal()
        return Drawer(day, bytes.fromhex(secret), head_seq, head)

    def commit(self, day: date, now: datetime) -> Event | None:
        """Make `day`'s key if no one has: its commitment audited and queued as audit.draw_key_committed (the
        event, returned). None when it was made already."""
        key = new_key()
        starts_at, ends_at = day_bounds(day, self.zone)
        row = {
            "day": day,
            "secret": key.hex(),
            "commitment": commitment(key),
            "starts_at": starts_at,
            "ends_at": ends_at,
            "zone": self.zone.key,
            "committed_at": now,
        }
        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        statement = dialect.insert(DrawKeyRow).values(row).on_conflict_do_nothing(index_elements=["day"])
        if self.session.execute(statement.returning(DrawKeyRow.day)).first() is None:
            return None
        details = _public(row)
        self.audit.record(now, ACTOR, "draw_key_committed", **details)
        event = draw_key_event("audit.draw_key_committed", details, now, new_event_id())
        self.outbox.add([event], now)
        return event

    def commit_days(self, now: datetime) -> list[Event]:
        """Today's and tomorrow's keys made if no one has (the events of those made)."""
        today = day_of(now, self.zone)
        made = (self.commit(day, now) for day in (today, today + timedelta(days=1)))
        return [event for event in made if event is not None]

    def reveal_ended(self, now: datetime) -> list[Event]:
        """Reveal every key whose day ended REVEAL_GRACE ago or more and is not revealed: each audited
        (draw_key_revealed, with the key) and queued as audit.draw_key_revealed; the events, oldest day first."""
        query = select(*_COLUMNS).where(DrawKeyRow.revealed_at.is_(None), DrawKeyRow.ends_at <= now - REVEAL_GRACE)
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(of=DrawKeyRow)  # waits for a batch still drawing with it
        events = []
        for key in self.session.execute(query.order_by(DrawKeyRow.day)).mappings().all():
            self.session.execute(update(DrawKeyRow).where(DrawKeyRow.day == key["day"]).values(revealed_at=now))
            details = {**_public(key), "key": key["secret"]}
            self.audit.record(now, ACTOR, "draw_key_revealed", **details)
            events.append(draw_key_event("audit.draw_key_revealed", details, now, new_event_id()))
        self.outbox.add(events, now)
        return events

    def committed(self) -> list[dict[str, Any]]:
        """Every key's public part (day, bounds, commitment; the key once revealed), newest day first."""
        rows = self.session.execute(select(*_COLUMNS).order_by(DrawKeyRow.day.desc())).mappings().all()
        return [{**_public(r), "key": r["secret"] if r["revealed_at"] else None} for r in rows]


_COLUMNS = (
    DrawKeyRow.day,
    DrawKeyRow.starts_at,
    DrawKeyRow.ends_at,
    DrawKeyRow.commitment,
    DrawKeyRow.secret,
    DrawKeyRow.revealed_at,
)


def _public(row: Mapping[Any, Any]) -> dict[str, Any]:
    """What a key's commitment says, as the audit entry and the event write it (times in UTC, ISO 8601)."""
    return {
        "day": row["day"].isoformat(),
        "starts_at": row["starts_at"].astimezone(UTC).isoformat(),
        "ends_at": row["ends_at"].astimezone(UTC).isoformat(),
        "commitment": row["commitment"],
    }
