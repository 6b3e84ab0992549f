"""Supervisor commands as plain values, and why one may be refused."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from assigner.domain.errors import AssignerError
from assigner.domain.groups import GroupKind
from assigner.domain.model import Unit


class ReasonCode(StrEnum):
    """Why a supervisor reassigns by hand: the special cases of Official Letter 9689, and other (free text)."""

    BRANCH_DECLARATION = "branch_declaration"
    SHARED_CONTAINER = "shared_container"
    OFFICER_ABSENT = "officer_absent"
    WORKLOAD = "workload"
    CONFLICT_OF_INTEREST = "conflict_of_interest"
    OTHER = "other"  # its reason, in free text, is required


@dataclass(frozen=True)
class CommandHeader:
    """What every command carries: its idempotency key, who issued it, why (a reassignment with its reason
    code), and when."""

    command_id: str
    name: str
    issued_by: str
    reason: str | None = None
    issued_at: datetime | None = None
    reason_code: ReasonCode | None = None


@dataclass(frozen=True)
class Done:
    """A command_id seen before: whether it was carried out, why not, and the body it came with."""

    accepted: bool
    reason: str | None
    body: dict[str, Any]

    def is_same_command(self, body: dict[str, Any]) -> bool:
        """Whether `body` asks for what the first one did: the same fields, whenever it was issued."""
        return _content(self.body) == _content(body)


def _content(body: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key != "issued_at"}


@dataclass(frozen=True)
class Reassign:
    """Move one declaration to another officer."""

    declaration_number: str
    to_officer_id: str


@dataclass(frozen=True)
class ReassignGroup:
    """Move every open declaration of a branch or container group."""

    group: GroupKind
    key: str
    to_officer_id: str


@dataclass(frozen=True)
class OfficerAbsent:
    """Take an officer out of rotation (everywhere, or in the units named), optionally until a time."""

    officer_id: str
    until: datetime | None = None
    redistribute: bool = True
    units: tuple[Unit, ...] = ()
    since: datetime | None = None  # when it began, if before now (entered late); the rotation changes from now


@dataclass(frozen=True)
class OfficerAvailable:
    """Bring an officer back into rotation."""

    officer_id: str


@dataclass(frozen=True)
class Complete:
    """The check of a declaration is finished."""

    declaration_number: str


Action = Reassign | ReassignGroup | OfficerAbsent | OfficerAvailable | Complete


@dataclass(frozen=True)
class Command:
    """A command as the services take it."""

    header: CommandHeader
    action: Action


class CommandRefused(AssignerError):
    """A command that is not carried out; nothing changed."""


class Unauthorised(CommandRefused):
    """The sender is not vouched for, is not `issued_by`, or is not a supervisor of every unit touched."""


class NotASupervisor(Unauthorised):
    """`issued_by` is not a supervisor of a unit the command touches."""
