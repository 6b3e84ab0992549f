"""The append-only audit log: every decision and every change, with its reasons (rule 6)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import RowMapping, Select, exists, func, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from assigner.domain.audit_chain import CHAINED_FIELDS, GENESIS, SEALED_FIELDS, entry_hash, seal_hash
from assigner.domain.commands import CommandHeader
from assigner.domain.model import Unit
from assigner.domain.moves import Holding, Move
from assigner.storage.bulk import insert_rows
from assigner.storage.tables import AUDIT_BATCHES, AuditDailyHeadRow, AuditRow, AuditSealRow

# The advisory lock that makes sealing one transaction at a time (PostgreSQL).
_SEAL_LOCK = 0x61756469745F6C67
_STREAM = 5000
_ENTRY_COLUMNS = tuple(getattr(AuditRow, name) for name in ("batch", *CHAINED_FIELDS, "prev_hash", "hash"))
_SEAL_COLUMNS = tuple(getattr(AuditSealRow, name) for name in (*SEALED_FIELDS, "prev_hash", "hash"))
_DAILY_COLUMNS = (AuditDailyHeadRow.day, AuditDailyHeadRow.seq, AuditDailyHeadRow.head, AuditDailyHeadRow.entries)


class AuditLog:
    """Appends audit entries; never updates or deletes them."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._batch: int | None = None  # this transaction's batch number, once it has an entry
        self._count = 0
        self._last_hash = GENESIS
        self._last_at: datetime | None = None

    def record(self, now: datetime, actor: str, action: str, reason: str | None = None, **details: Any) -> None:
        """An entry about something other than one declaration (a roster import, ...)."""
        self.append([{"occurred_at": now, "actor": actor, "action": action, "reason": reason, "details": details}])

    def record_unit(self, now: datetime, actor: str, action: str, unit: Unit, **details: Any) -> None:
        """An entry about one unit's settings (its rotation mode, ...)."""
        entry = {"occurred_at": now, "actor": actor, "action": action, "details": details}
        self.append([{**entry, "customs_office": unit.customs_office, "department": unit.department}])

    def record_moves(self, moves: Sequence[Move], header: CommandHeader, now: datetime) -> None:
        """One entry per declaration a command moved (or held, when nobody could take it)."""
        self.append([_move_entry(move, header, now) for move in moves])

    def record_change(
        self,
        now: datetime,
        actor: str,
        action: str,
        reason: str | None = None,
        *,
        command_id: str | None = None,
        officer_id: str | None = None,
        holding: Holding | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """An entry about a command or a change it made (a completion, an absence, a return)."""
        entry: dict[str, Any] = {
            "occurred_at": now,
            "actor": actor,
            "action": action,
            "reason": reason,
            "command_id": command_id,
            "officer_id": officer_id,
            "details": details or {},
        }
        if holding is not None:
            entry.update(_declaration_columns(holding))
            entry["officer_id"] = officer_id or holding.officer_id
        self.append([entry])

    def entries(self, declaration_key: str) -> list[dict[str, Any]]:
        """One declaration's entries (any amendment) in chain order, with their seal's number."""
        query = (
            select(*_ENTRY_COLUMNS, AuditSealRow.seq.label("seal"))
            .join(AuditSealRow, AuditSealRow.batch == AuditRow.batch)
            .where(AuditRow.declaration_key == declaration_key)
            .order_by(AuditSealRow.seq, AuditRow.seq)
        )
        return [dict(row) for row in self.session.execute(query).mappings()]

    def latest_assignments(self, keys: Sequence[str], officer_id: str) -> dict[str, dict[str, Any]]:
        """For each declaration, the latest entry that gave it to `officer_id` (its why: the turn, the cursor, who
        was skipped, the group, or who moved it by hand and why)."""
        if not keys:
            return {}
        query = (
            select(*_ENTRY_COLUMNS, AuditRow.declaration_key)
            .where(
                AuditRow.declaration_key.in_(sorted(set(keys))),
                AuditRow.officer_id == officer_id,
                AuditRow.action.in_(("assigned", "reassigned")),
            )
            .order_by(AuditRow.id)
        )
        return {row["declaration_key"]: dict(row) for row in self.session.execute(query).mappings()}

    def recent(self, unit: Unit, limit: int, actions: Collection[str] | None = None) -> list[dict[str, Any]]:
        """The unit's latest entries, newest first; only those of these `actions` when given."""
        query = (
            select(*_ENTRY_COLUMNS)
            .where(AuditRow.customs_office == unit.customs_office, AuditRow.department == unit.department)
            .order_by(AuditRow.id.desc())
            .limit(limit)
        )
        if actions is not None:
            query = query.where(AuditRow.action.in_(sorted(actions)))
        return [dict(row) for row in self.session.execute(query).mappings()]

    def seals(self, after: int = 0) -> Iterator[dict[str, Any]]:
        """The seals after seal number `after`, in order, streamed."""
        query = select(*_SEAL_COLUMNS).where(AuditSealRow.seq > after).order_by(AuditSealRow.seq)
        for row in self._stream(query):
            yield dict(row)

    def batches(self, first: int | None = None) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        """Entries from batch number `first` on (all of them when None), batch by batch in number order, each
        in its order, streamed."""
        query = select(*_ENTRY_COLUMNS).order_by(AuditRow.batch, AuditRow.seq)
        if first is not None:
            query = query.where(AuditRow.batch >= first)
        number, entries = -1, list[dict[str, Any]]()
        for row in self._stream(query):
            if row["batch"] != number:
                if entries:
                    yield number, entries
                number, entries = row["batch"], []
            entries.append(dict(row))
        if entries:
            yield number, entries

    def head(self) -> str:
        """The log's head: the last seal's hash (GENESIS while the log is empty)."""
        return self.last_seal()[1]

    def last_seal(self) -> tuple[int, str]:
        """The last seal's number and hash as committed now: (0, GENESIS) while the log is empty."""
        last = self.session.execute(
            select(AuditSealRow.seq, AuditSealRow.hash).order_by(AuditSealRow.seq.desc()).limit(1)
        ).first()
        return (int(last[0]), str(last[1])) if last else (0, GENESIS)

    def read_one_snapshot(self) -> None:
        """Make this transaction read the log as of one moment and write nothing; called before any read.

        PostgreSQL reads each statement in a snapshot of its own by default (a batch committed between the
        seals' read and the entries' would seem to be under no seal); SQLite's transaction is one already.
        """
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))

    def seals_with_hash(self, head: str) -> list[dict[str, Any]]:
        """The seals whose stored hash is `head` (a head printed by an earlier verify), in seal order."""
        query = select(*_SEAL_COLUMNS).where(AuditSealRow.hash == head).order_by(AuditSealRow.seq)
        return [dict(row) for row in self.session.execute(query).mappings()]

    def seal_at(self, seq: int) -> dict[str, Any] | None:
        """The seal numbered `seq`, if there is one."""
        row = self.session.execute(select(*_SEAL_COLUMNS).where(AuditSealRow.seq == seq)).mappings().first()
        return dict(row) if row else None

    def entries_up_to(self, seal: int) -> int:
        """How many entries the seals up to number `seal` say they took: the last one's place in the log."""
        total = self.session.scalar(select(func.sum(AuditSealRow.entries)).where(AuditSealRow.seq <= seal))
        return int(total or 0)

    def first_unsealed(self) -> dict[str, Any] | None:
        """The first entry (by batch number, then place) whose batch number no seal has, if any."""
        sealed = exists().where(AuditSealRow.batch == AuditRow.batch)
        query = select(AuditRow.batch, AuditRow.seq).where(~sealed).order_by(AuditRow.batch, AuditRow.seq).limit(1)
        row = self.session.execute(query).mappings().first()
        return dict(row) if row else None

    def unsealed(self) -> Iterator[dict[str, Any]]:
        """The entries whose batch number no seal has (inserted?), by batch number then place, streamed."""
        sealed = exists().where(AuditSealRow.batch == AuditRow.batch)
        query = select(*_ENTRY_COLUMNS).where(~sealed).order_by(AuditRow.batch, AuditRow.seq)
        for row in self._stream(query):
            yield dict(row)

    def last_seal_before(self, moment: datetime) -> dict[str, Any] | None:
        """The highest-numbered seal stamped before `moment`, if any. (A seal is stamped with its entries' latest
        time, before it commits: seals stamped in order may commit, and be numbered, slightly out of it.)"""
        before = AuditSealRow.sealed_at < moment
        latest = select(*_SEAL_COLUMNS).where(before).order_by(AuditSealRow.sealed_at.desc()).limit(1)
        found = self.session.execute(latest).mappings().first()  # by the time index: no scan of the history
        if found is None:
            return None
        later = select(*_SEAL_COLUMNS).where(before, AuditSealRow.seq > found["seq"])
        overtaken = self.session.execute(later.order_by(AuditSealRow.seq.desc()).limit(1)).mappings().first()
        return dict(overtaken or found)

    def entries_between(self, after_seal: int, up_to_seal: int) -> int:
        """How many entries the seals numbered after `after_seal` up to `up_to_seal` took."""
        total = self.session.scalar(
            select(func.sum(AuditSealRow.entries)).where(AuditSealRow.seq > after_seal, AuditSealRow.seq <= up_to_seal)
        )
        return int(total or 0)

    def daily_head(self, day: date) -> dict[str, Any] | None:
        """The head kept for `day`, if it was."""
        row = self.session.execute(select(*_DAILY_COLUMNS).where(AuditDailyHeadRow.day == day)).mappings().first()
        return dict(row) if row else None

    def last_daily_head(self) -> dict[str, Any] | None:
        """The latest day's head kept, if any."""
        query = select(*_DAILY_COLUMNS).order_by(AuditDailyHeadRow.day.desc()).limit(1)
        row = self.session.execute(query).mappings().first()
        return dict(row) if row else None

    def keep_daily_head(self, day: date, seal: Mapping[str, Any], entries: int, now: datetime) -> bool:
        """Keep `seal` as `day`'s head; False if that day's head was kept already (by another worker)."""
        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        row = {"day": day, "seq": seal["seq"], "head": seal["hash"], "entries": entries, "published_at": now}
        statement = dialect.insert(AuditDailyHeadRow).values(row).on_conflict_do_nothing(index_elements=["day"])
        # A row comes back only if this one was inserted (an ORM session's rowcount says -1 either way).
        return self.session.execute(statement.returning(AuditDailyHeadRow.day)).first() is not None

    def first_batch_after(self, seal: int) -> int | None:
        """The lowest batch number sealed after seal number `seal`."""
        return self.session.scalar(select(func.min(AuditSealRow.batch)).where(AuditSealRow.seq > seal))

    def sealed_up_to(self, seal: int, from_batch: int) -> frozenset[int]:
        """Batch numbers from `from_batch` on that seals up to number `seal` took (they overlapped later ones)."""
        query = select(AuditSealRow.batch).where(AuditSealRow.batch >= from_batch, AuditSealRow.seq <= seal)
        return frozenset(self.session.scalars(query))

    def append(self, entries: Sequence[dict[str, Any]]) -> None:
        """Add entries to this transaction's batch, each hashed with the one before it; sealed at commit."""
        if not entries:
            return
        if self._batch is None:
            self._batch = self._next_batch()
        rows = []
        for entry in entries:
            self._count += 1
            row = {**_EMPTY, **entry, "batch": self._batch, "seq": self._count, "prev_hash": self._last_hash}
            row["hash"] = entry_hash(self._last_hash, row)
            self._last_hash = row["hash"]
            self._last_at = max(self._last_at or row["occurred_at"], row["occurred_at"])
            rows.append(row)
        insert_rows(self.session, AuditRow, rows)

    def seal(self) -> dict[str, Any] | None:
        """Seal this transaction's batch into the chain; called last before the commit. Returns the seal (None
        when the transaction wrote no entry)."""
        if self._batch is None:
            return None
        if self.session.get_bind().dialect.name == "postgresql":
            # Held to the commit, which follows at once: the one step taken one transaction at a time.
            self.session.execute(select(func.pg_advisory_xact_lock(_SEAL_LOCK)))
        seq, prev_hash = self.last_seal()
        seal = {
            "seq": seq + 1,
            "batch": self._batch,
            "entries": self._count,
            "last_hash": self._last_hash,
            "sealed_at": self._last_at,
            "prev_hash": prev_hash,
        }
        seal["hash"] = seal_hash(prev_hash, seal)
        self.session.execute(insert(AuditSealRow), [seal])
        self._batch = None
        return seal

    def _stream(self, query: Select[Any]) -> Iterator[RowMapping]:
        # On the session's connection, not through the ORM's result machinery: a verify reads millions.
        connection = self.session.connection()
        yield from connection.execute(query.execution_options(yield_per=_STREAM)).mappings()

    def _next_batch(self) -> int:
        if self.session.get_bind().dialect.name == "postgresql":
            return int(self.session.execute(select(AUDIT_BATCHES.next_value())).scalar_one())
        # SQLite admits one writer at a time (BEGIN IMMEDIATE): the next number is free.
        return int(self.session.execute(select(func.coalesce(func.max(AuditRow.batch), 0) + 1)).scalar_one())


_EMPTY: dict[str, Any] = {
    name: None
    for name in (
        "mode",
        "declaration_key",
        "declaration_number",
        "customs_office",
        "department",
        "officer_id",
        "previous_officer_id",
        "command_id",
        "reason",
    )
} | {"details": {}}


def _declaration_columns(holding: Holding) -> dict[str, Any]:
    return {
        "declaration_key": holding.key,
        "declaration_number": holding.declaration_number,
        "customs_office": holding.unit.customs_office,
        "department": holding.unit.department,
    }


def _move_entry(move: Move, header: CommandHeader, now: datetime) -> dict[str, Any]:
    holding = move.holding
    if move.officer_id is None:
        action = "held"
    else:
        action = "reassigned" if holding.officer_id is not None else "assigned"
    details: dict[str, Any] = {"after_hours": holding.after_hours, "status_before": holding.status.value}
    if move.turn is not None:
        details.update(move.turn.explained())
    if move.follows is not None:
        details["follows"] = move.follows
    if move.officer_id is None:
        details["hold_reason"] = "no_eligible_officer"
    if header.reason_code is not None:
        details["reason_code"] = header.reason_code.value
    return {
        "occurred_at": now,
        "actor": header.issued_by,
        "action": action,
        "mode": move.mode.value,
        **_declaration_columns(holding),
        "officer_id": move.officer_id,
        "previous_officer_id": move.previous_officer_id,
        "command_id": header.command_id,
        "reason": header.reason,
        "details": details,
    }
