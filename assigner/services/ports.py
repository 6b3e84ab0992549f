"""What the services need from storage and from time: the shapes fakes must have."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from assigner.domain.model import Channel
from assigner.domain.working_hours import HoursBook

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, timezone-aware (UTC)."""
    return datetime.now(UTC)


class UnitOfWork(AbstractContextManager["UnitOfWork"], Protocol):
    """One transaction over the repositories; rolled back unless commit() is called."""

    rotations: Any
    declarations: Any
    roster: Any
    audit: Any

    def commit(self) -> None: ...

    def is_transient(self, error: BaseException) -> bool: ...


@dataclass(frozen=True)
class Policy:
    """The settings the rotation applies: default channels for new units and working hours."""

    default_channels: frozenset[Channel] = frozenset({Channel.YELLOW})
    hours: HoursBook = field(default_factory=HoursBook)
