"""An in-memory unit of work with the storage's behaviour, for fast service tests."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import TracebackType
from typing import Any

from assigner.domain.commands import CommandHeader, Done
from assigner.domain.dead_letters import DeadLetter, SeenLetter
from assigner.domain.decision_records import DecisionRecord
from assigner.domain.events import Event
from assigner.domain.groups import GroupBook
from assigner.domain.model import Absence, Channel, Declaration, KnownDeclaration, Status, Unit
from assigner.domain.moves import Holding
from assigner.domain.roster import Officer
from assigner.domain.rotation import Eligibility, Rotation, roster_of


class TransientError(Exception):
    """What a lost race looks like to the fake."""


class RefusedError(Exception):
    """What a value the database cannot hold looks like to the fake."""


@dataclass
class Cursor:
    channels: frozenset[Channel]
    position: int = 0
    turn: int = 0


@dataclass
class Store:
    """The fake's database."""

    units: dict[Unit, Cursor] = field(default_factory=dict)
    officers: dict[str, Officer] = field(default_factory=dict)
    checkers: dict[Unit, list[str]] = field(default_factory=dict)
    supervisors: dict[Unit, list[str]] = field(default_factory=dict)
    declarations: dict[str, KnownDeclaration] = field(default_factory=dict)
    latest: dict[str, Declaration] = field(default_factory=dict)
    holds: list[str] = field(default_factory=list)
    assignments: list[tuple[str, str, int | None]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    outbox: list[tuple[Event, datetime, datetime | None]] = field(default_factory=list)
    dead_letters: dict[str, SeenLetter] = field(default_factory=dict)
    dead_letter_repeats: Counter[str] = field(default_factory=Counter)  # copies seen again, not re-published
    commands: dict[str, Done] = field(default_factory=dict)
    refused_keys: set[str] = field(default_factory=set)  # declarations the fake database refuses to store


class FakeRotations:
    def __init__(self, store: Store) -> None:
        self.store = store

    def all_units(self, customs_office: str | None = None, department: str | None = None) -> list[Unit]:
        return sorted(
            u
            for u in self.store.units
            if customs_office in (None, u.customs_office) and department in (None, u.department)
        )

    def lock(self, units: Iterable[Unit], now: datetime) -> dict[Unit, Rotation]:
        return self.load(units, now, lock=True)

    def load(self, units: Iterable[Unit], now: datetime, lock: bool = False) -> dict[Unit, Rotation]:
        rotations = {}
        for unit in set(units):
            cursor = self.store.units.get(unit)
            if cursor is None:
                continue
            officers = self.store.checkers.get(unit, [])
            inactive = {o: Eligibility.INACTIVE for o in officers if not self.store.officers[o].active}
            rotations[unit] = Rotation(
                unit, roster_of(officers, inactive), cursor.position, cursor.turn, cursor.channels
            )
        return rotations

    def move_cursor(self, unit: Unit, position: int, now: datetime) -> None:
        self.store.units[unit].position = position

    def save(self, rotations: Iterable[Rotation], now: datetime) -> None:
        for rotation in rotations:
            cursor = self.store.units[rotation.unit]
            cursor.position, cursor.turn = rotation.position, rotation.turn

    def any_drawn(self) -> bool:
        return False  # every fake unit goes in roster order


class FakeDeclarations:
    def __init__(self, store: Store) -> None:
        self.store = store

    def known(self, keys: Iterable[str]) -> dict[str, KnownDeclaration]:
        return {key: self.store.declarations[key] for key in keys if key in self.store.declarations}

    def held_in(self, units: Iterable[Unit]) -> dict[Unit, list[Declaration]]:
        wanted = set(units)
        held: dict[Unit, list[Declaration]] = {}
        for key in self.store.holds:
            unit = self.store.declarations[key].unit
            if unit in wanted:
                held.setdefault(unit, []).append(self.store.latest[key])
        return held

    def group_owners(self, declarations: Iterable[Declaration]) -> GroupBook:
        book = GroupBook()
        for key, _officer, _turn in self.store.assignments:  # oldest assignment first
            known = self.store.declarations[key]
            if known.status is Status.ASSIGNED and known.officer_id:
                book.join(self.store.latest[key], known.officer_id)
        return book

    def save(self, records: Sequence[DecisionRecord]) -> None:
        for record in records:
            key = record.key
            if key in self.store.refused_keys:
                raise RefusedError(f"value too long for declaration {key}")
            row = record.declaration
            if row is None:
                continue
            unit = Unit(row["customs_office"], row["department"])
            number, status = row["declaration_number"], Status(row["status"])
            stored = self.store.declarations.get(key)
            due_at = row.get("due_at", stored.due_at if stored else None)
            self.store.declarations[key] = KnownDeclaration(key, number, unit, status, row["officer_id"], due_at)
            self.store.latest[key] = self._as_stored(record, row, unit)
            if record.assignment is not None:
                self.store.assignments.append((key, record.assignment["officer_id"], record.assignment["turn"]))
            if record.leaves_hold and key in self.store.holds:
                self.store.holds.remove(key)
            if record.hold is not None:
                self.store.holds.append(key)

    def _as_stored(self, record: DecisionRecord, row: dict[str, Any], unit: Unit) -> Declaration:
        """The declaration as storage keeps it: its row's fields, its containers (those stored when unchanged)."""
        stored = self.store.latest.get(record.key)
        if record.containers is not None:
            containers = tuple(c["container_number"] for c in record.containers)
        else:
            containers = stored.container_numbers if stored else ()
        documents = row.get("documents_received_at", stored.documents_received_at if stored else None)
        return Declaration(
            row["declaration_number"],
            unit,
            Channel(row["channel"]),
            row["registered_at"],
            row["declaration_type"],
            row["enterprise_tax_code"],
            row["first_declaration_number"],
            row["branch_index"],
            row["branch_count"],
            containers,
            documents,
        )


class FakeRoster:
    def __init__(self, store: Store) -> None:
        self.store = store

    def ensure_units(self, units: Iterable[Unit], channels: frozenset[Channel], now: datetime) -> list[Unit]:
        created = sorted(set(units) - set(self.store.units))
        for unit in created:
            self.store.units[unit] = Cursor(channels)
        return created

    def upsert_officers(self, officers: Sequence[Officer], now: datetime) -> list[dict[str, object]]:
        changes: list[dict[str, object]] = []
        for officer in officers:
            if self.store.officers.get(officer.officer_id) != officer:
                changes.append({"officer_id": officer.officer_id})
                self.store.officers[officer.officer_id] = officer
        return changes

    def checkers(self, unit: Unit) -> list[str]:
        return list(self.store.checkers.get(unit, []))

    def supervisors(self, unit: Unit) -> list[str]:
        return sorted(self.store.supervisors.get(unit, []))

    def supervised_by(self, officer_id: str) -> list[Unit]:
        return sorted(unit for unit, officer_ids in self.store.supervisors.items() if officer_id in officer_ids)

    def replace_checkers(self, unit: Unit, officer_ids: Sequence[str]) -> None:
        self.store.checkers[unit] = list(officer_ids)

    def replace_supervisors(self, unit: Unit, officer_ids: Sequence[str]) -> None:
        self.store.supervisors[unit] = sorted(set(officer_ids))

    def names(self, officer_ids: Iterable[str]) -> dict[str, str]:
        return {o: self.store.officers[o].name for o in officer_ids}

    def assignment_counts(self, unit: Unit) -> dict[str, int]:
        counts: dict[str, int] = {}
        for known in self.store.declarations.values():
            if known.unit == unit and known.officer_id:
                counts[known.officer_id] = counts.get(known.officer_id, 0) + 1
        return counts


class FakeAudit:
    def __init__(self, store: Store) -> None:
        self.store = store

    def append(self, entries: Sequence[dict[str, Any]]) -> None:
        self.store.audit.extend({"action": e["action"], "key": e["declaration_key"]} for e in entries)

    def daily_head(self, day: date) -> dict[str, Any] | None:
        return None

    def last_seal_before(self, moment: datetime) -> dict[str, Any] | None:
        return None  # the fake seals nothing: no day's head to publish

    def record(self, now: datetime, actor: str, action: str, reason: str | None = None, **details: Any) -> None:
        self.store.audit.append({"action": action, "actor": actor, **details})

    def record_change(self, now: datetime, actor: str, action: str, reason: str | None, **details: Any) -> None:
        self.store.audit.append({"action": action, "actor": actor, "reason": reason, **details})


class FakeOutbox:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, events: Sequence[Event], now: datetime) -> None:
        self.store.outbox.extend((event, now, None) for event in events)

    def latest_for(self, keys: Iterable[str]) -> dict[str, Event]:
        wanted = set(keys)
        return {
            e.declaration_key: e for e, _, _ in self.store.outbox if e.declaration_key in wanted and e.declaration_key
        }

    def for_command(self, command_id: str) -> list[Event]:
        return [e for e, _, _ in self.store.outbox if e.command_id == command_id]

    def pending(self, created_before: datetime, limit: int) -> list[Event]:
        return [e for e, created, published in self.store.outbox if published is None and created < created_before][
            :limit
        ]

    def mark_published(self, event_ids: Sequence[str], now: datetime) -> None:
        wanted = set(event_ids)
        self.store.outbox[:] = [
            (e, created, now if e.event_id in wanted and published is None else published)
            for e, created, published in self.store.outbox
        ]


class FakeDeadLetters:
    def __init__(self, store: Store) -> None:
        self.store = store

    def seen(self, fingerprints: Collection[str]) -> dict[str, SeenLetter]:
        return {f: self.store.dead_letters[f] for f in fingerprints if f in self.store.dead_letters}

    def claim(self, letters: Sequence[DeadLetter], known: Collection[str], now: datetime) -> None:
        for letter in letters:
            self.store.dead_letters[letter.fingerprint] = SeenLetter(now, None)

    def count_repeats(self, fingerprints: Sequence[str], now: datetime) -> None:
        self.store.dead_letter_repeats.update(fingerprints)

    def mark_published(self, fingerprints: Collection[str], now: datetime) -> None:
        for fingerprint in fingerprints:
            seen = self.store.dead_letters[fingerprint]
            self.store.dead_letters[fingerprint] = SeenLetter(seen.claimed_at, seen.published_at or now)

    def forget_before(self, moment: datetime) -> None:
        for fingerprint, seen in list(self.store.dead_letters.items()):
            if seen.published_at is not None and seen.published_at < moment:
                del self.store.dead_letters[fingerprint]


class FakeCommands:
    def __init__(self, store: Store) -> None:
        self.store = store

    def outcome(self, command_id: str) -> Done | None:
        return self.store.commands.get(command_id)

    def add(self, header: CommandHeader, rejected_because: str | None, body: dict[str, Any], now: datetime) -> None:
        self.store.commands[header.command_id] = Done(rejected_because is None, rejected_because, body)


class FakeHoldings:
    """No declaration is held by anyone in these fakes' tests of commands."""

    def by_keys(self, keys: Iterable[str]) -> dict[str, Holding]:
        return {}

    def flag_overdue(self, now: datetime, limit: int) -> list[Holding]:
        return []


class FakeDrawKeys:
    """No unit draws its turns in these fakes' tests: no key to make or reveal."""

    def commit_days(self, now: datetime) -> list[Event]:
        return []

    def reveal_ended(self, now: datetime) -> list[Event]:
        return []

    def committed(self) -> list[dict[str, Any]]:
        return []


class FakeAbsences:
    """No absence is recorded in these fakes' tests of commands."""

    def due(self, now: datetime) -> list[Absence]:
        return []


class FakeUnitOfWork:
    """Repositories over a Store; what a transaction did is undone unless commit() was called.

    `journal`, when given, hears "commit" at each commit (the worker tests order it against acks).
    """

    def __init__(self, store: Store | None = None, journal: list[str] | None = None) -> None:
        self.store = store or Store()
        self.journal = journal
        self.commits = 0
        self.rotations = FakeRotations(self.store)
        self.declarations = FakeDeclarations(self.store)
        self.roster = FakeRoster(self.store)
        self.audit = FakeAudit(self.store)
        self.outbox = FakeOutbox(self.store)
        self.dead_letters = FakeDeadLetters(self.store)
        self.commands = FakeCommands(self.store)
        self.holdings = FakeHoldings()
        self.absences = FakeAbsences()
        self.draw_keys = FakeDrawKeys()
        self._snapshot: Store | None = None
        self._committed = False

    def __enter__(self) -> FakeUnitOfWork:
        self._snapshot = copy.deepcopy(self.store)
        self._committed = False
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if not self._committed and self._snapshot is not None:
            self.store.__dict__.update(self._snapshot.__dict__)

    def commit(self) -> None:
        self._committed = True
        self.commits += 1
        if self.journal is not None:
            self.journal.append("commit")

    def is_transient(self, error: BaseException) -> bool:
        return isinstance(error, TransientError)

    def refusal(self, error: BaseException) -> str | None:
        return str(error) if isinstance(error, RefusedError) else None
