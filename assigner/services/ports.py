"""What the services need from storage and from time: the shapes fakes must have."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Protocol

from assigner.domain.commands import CommandHeader, Done
from assigner.domain.decision_records import DecisionRecord
from assigner.domain.events import Event
from assigner.domain.groups import GroupBook, GroupKind
from assigner.domain.model import Absence, Channel, Declaration, KnownDeclaration, Unit
from assigner.domain.moves import Holding, Move
from assigner.domain.reports import BY_HAND_BASELINE
from assigner.domain.roster import Officer
from assigner.domain.rotation import Rotation
from assigner.domain.working_hours import HoursBook

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, timezone-aware (UTC)."""
    return datetime.now(UTC)


class Rotations(Protocol):
    """Units' rotations: loaded, locked (fixed order), saved."""

    def all_units(self, customs_office: str | None = None, department: str | None = None) -> list[Unit]: ...

    def lock(self, units: Iterable[Unit], now: datetime) -> dict[Unit, Rotation]: ...

    def load(self, units: Iterable[Unit], now: datetime, lock: bool = False) -> dict[Unit, Rotation]: ...

    def move_cursor(self, unit: Unit, position: int, now: datetime) -> None: ...

    def save(self, rotations: Iterable[Rotation], now: datetime) -> None: ...


class Declarations(Protocol):
    """What is known of declarations, what is held, and the decisions' writes."""

    def known(self, keys: Iterable[str]) -> dict[str, KnownDeclaration]: ...

    def held_in(self, units: Iterable[Unit]) -> dict[Unit, list[Declaration]]: ...

    def registered(
        self, start: datetime, end: datetime, office: str | None = None, department: str | None = None
    ) -> dict[str, str | None]: ...

    def group_owners(self, declarations: Iterable[Declaration]) -> GroupBook: ...

    def save(self, records: Sequence[DecisionRecord]) -> None: ...


class Rosters(Protocol):
    """Units, officers, roster order and supervisors."""

    def ensure_units(self, units: Iterable[Unit], channels: frozenset[Channel], now: datetime) -> list[Unit]: ...

    def upsert_officers(self, officers: Sequence[Officer], now: datetime) -> list[dict[str, object]]: ...

    def checkers(self, unit: Unit) -> list[str]: ...

    def supervisors(self, unit: Unit) -> list[str]: ...

    def supervised_by(self, officer_id: str) -> list[Unit]: ...

    def units_of(self, officer_id: str) -> list[Unit]: ...

    def replace_checkers(self, unit: Unit, officer_ids: Sequence[str]) -> None: ...

    def replace_supervisors(self, unit: Unit, officer_ids: Sequence[str]) -> None: ...

    def names(self, officer_ids: Iterable[str]) -> dict[str, str]: ...

    def assignment_counts(self, unit: Unit) -> dict[str, int]: ...


class Audit(Protocol):
    """The append-only audit log."""

    def append(self, entries: Sequence[dict[str, Any]]) -> None: ...

    def record(self, now: datetime, actor: str, action: str, reason: str | None = None, **details: Any) -> None: ...

    def entries(self, declaration_key: str) -> list[dict[str, Any]]: ...

    def recent(self, unit: Unit, limit: int, actions: Collection[str] | None = None) -> list[dict[str, Any]]: ...

    def latest_assignments(self, keys: Sequence[str], officer_id: str) -> dict[str, dict[str, Any]]: ...

    def seals(self, after: int = 0) -> Iterator[dict[str, Any]]: ...

    def batches(self, first: int | None = None) -> Iterator[tuple[int, list[dict[str, Any]]]]: ...

    def head(self) -> str: ...

    def read_one_snapshot(self) -> None: ...

    def seals_with_hash(self, head: str) -> list[dict[str, Any]]: ...

    def seal_at(self, seq: int) -> dict[str, Any] | None: ...

    def entries_up_to(self, seal: int) -> int: ...

    def first_unsealed(self) -> dict[str, Any] | None: ...

    def unsealed(self) -> Iterator[dict[str, Any]]: ...

    def last_seal_before(self, moment: datetime) -> dict[str, Any] | None: ...

    def entries_between(self, after_seal: int, up_to_seal: int) -> int: ...

    def daily_head(self, day: date) -> dict[str, Any] | None: ...

    def last_daily_head(self) -> dict[str, Any] | None: ...

    def keep_daily_head(self, day: date, seal: Mapping[str, Any], entries: int, now: datetime) -> bool: ...

    def first_batch_after(self, seal: int) -> int | None: ...

    def sealed_up_to(self, seal: int, from_batch: int) -> frozenset[int]: ...

    def record_moves(self, moves: Sequence[Move], header: CommandHeader, now: datetime) -> None: ...

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
    ) -> None: ...


class Outbox(Protocol):
    """Events stored with their decisions, published after the commit."""

    def add(self, events: Sequence[Event], now: datetime) -> None: ...

    def latest_for(self, keys: Iterable[str]) -> dict[str, Event]: ...

    def for_command(self, command_id: str) -> list[Event]: ...

    def pending(self, created_before: datetime, limit: int) -> list[Event]: ...

    def mark_published(self, event_ids: Sequence[str], now: datetime) -> None: ...


class Holdings(Protocol):
    """Declarations as commands see and change them."""

    def by_keys(self, keys: Iterable[str]) -> dict[str, Holding]: ...

    def of_group(self, kind: GroupKind, key: str) -> list[Holding]: ...

    def assigned_to(self, officer_id: str, units: Iterable[Unit]) -> list[Holding]: ...

    def move(self, moves: Sequence[Move], header: CommandHeader, now: datetime) -> None: ...

    def complete(self, key: str, now: datetime) -> None: ...

    def flag_overdue(self, now: datetime, limit: int) -> list[Holding]: ...

    def completed_by(self, officer_id: str, limit: int) -> list[Holding]: ...


class OpenWork(Protocol):
    """A unit's open declarations as its supervisor's page reads them: counted, the most urgent, a page."""

    def counts_by_officer(self, unit: Unit) -> dict[str, int]: ...

    def urgency(self, unit: Unit, now: datetime, soon: datetime) -> tuple[int, int]: ...

    def due_by(self, unit: Unit, moment: datetime, limit: int) -> list[Holding]: ...

    def assigned_page(self, unit: Unit, search: str, limit: int, offset: int) -> tuple[list[Holding], int]: ...

    def held(self, unit: Unit, limit: int) -> tuple[list[tuple[Holding, str, datetime]], int]: ...


class Absences(Protocol):
    """Officers' absences."""

    def start(
        self,
        officer_id: str,
        units: Sequence[Unit],
        until: datetime | None,
        reason: str | None,
        by: str,
        now: datetime,
        since: datetime | None = None,
    ) -> None: ...

    def in_force(self, officer_id: str, now: datetime) -> list[Absence]: ...

    def due(self, now: datetime) -> list[Absence]: ...

    def end(self, absences: Sequence[Absence], now: datetime) -> None: ...

    def close_due(self, absences: Sequence[Absence]) -> None: ...


class Commands(Protocol):
    """Commands done, by command_id."""

    def outcome(self, command_id: str) -> Done | None: ...

    def add(self, header: CommandHeader, rejected_because: str | None, body: dict[str, Any], now: datetime) -> None: ...


class UnitOfWork(AbstractContextManager["UnitOfWork"], Protocol):
    """One transaction over the repositories; rolled back unless commit() is called."""

    @property
    def rotations(self) -> Rotations: ...

    @property
    def declarations(self) -> Declarations: ...

    @property
    def roster(self) -> Rosters: ...

    @property
    def audit(self) -> Audit: ...

    @property
    def outbox(self) -> Outbox: ...

    @property
    def holdings(self) -> Holdings: ...

    @property
    def open_work(self) -> OpenWork: ...

    @property
    def absences(self) -> Absences: ...

    @property
    def commands(self) -> Commands: ...

    def commit(self) -> None: ...

    def is_transient(self, error: BaseException) -> bool: ...

    def refusal(self, error: BaseException) -> str | None: ...


@dataclass(frozen=True)
class Policy:
    """The settings the rotation applies: default channels for new units and working hours; and the share by
    hand the reports hold units to."""

    default_channels: frozenset[Channel] = frozenset({Channel.YELLOW})
    hours: HoursBook = field(default_factory=HoursBook)
    by_hand_baseline: float = BY_HAND_BASELINE  # the share by hand the reports compare each unit with
