"""Roster entries as a roster file gives them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from assigner.domain.model import Unit


class Role(StrEnum):
    """What an officer does in a unit."""

    CHECKER = "checker"
    SUPERVISOR = "supervisor"


@dataclass(frozen=True)
class Officer:
    """An officer account."""

    officer_id: str
    name: str
    active: bool = True


@dataclass(frozen=True)
class RosterEntry:
    """One line of a roster: an officer's role in a unit. Checkers' order is the roster order."""

    officer: Officer
    unit: Unit
    role: Role
