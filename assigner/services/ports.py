"""What the services need from storage and from time: the shapes fakes must have."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from assigner.domain.decisions import Decision
from assigner.domain.events import Event
from assigner.domain.model import Channel, Declaration, KnownDeclaration, Unit
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

    def save(self, decisions: Sequence[Decision], now: datetime) -> None: ...


class Rosters(Protocol):
    """Units, officers, roster order and supervisors."""

    def ensure_units(self, units: Iterable[Unit], channels: frozenset[Channel], now: datetime) -> list[Unit]: ...

    def upsert_officers(self, officers: Sequence[Officer], now: datetime) -> list[dict[str, object]]: ...

    def checkers(self, unit: Unit) -> list[str]: ...

    def supervisors(self, unit: Unit) -> list[str]: ...

    def replace_checkers(self, unit: Unit, officer_ids: Sequence[str]) -> None: ...

    def replace_supervisors(self, unit: Unit, officer_ids: Sequence[str]) -> None: ...

    def names(self, officer_ids: Iterable[str]) -> dict[str, str]: ...

    def assignment_counts(self, unit: Unit) -> dict[str, int]: ...


class Audit(Protocol):
    """The append-only audit log."""

    def record_decisions(self, decisions: Sequence[Decision], now: datetime) -> None: ...

    def record(self, now: datetime, actor: str, action: str, reason: str | None = None, **details: Any) -> None: ...


class Outbox(Protocol):
    """Events stored with their decisions, published after the commit."""

    def add(self, events: Sequence[Event], now: datetime) -> None: ...

    def latest_for(self, keys: Iterable[str]) -> dict[str, Event]: ...

    def pending(self, created_before: datetime, limit: int) -> list[Event]: ...

    def mark_published(self, event_ids: Sequence[str], now: datetime) -> None: ...


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

    def commit(self) -> None: ...

    def is_transient(self, error: BaseException) -> bool: ...

    def refusal(self, error: BaseException) -> str | None: ...


@dataclass(frozen=True)
class Policy:
    """The settings the rotation applies: default channels for new units and working hours."""

    default_channels: frozenset[Channel] = frozenset({Channel.YELLOW})
    hours: HoursBook = field(default_factory=HoursBook)
