"""Supervisors' changes to assignments: moving declarations by hand, and redistributing an absent officer's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from assigner.domain.groups import GroupKind
from assigner.domain.model import Status, Unit
from assigner.domain.rotation import Rotation, Turn


class MoveMode(StrEnum):
    """How a declaration changed hands."""

    MANUAL = "manual"
    REDISTRIBUTED = "redistributed"


@dataclass(frozen=True)
class Holding:
    """A stored declaration as a command sees it: where it stands, who has it, its groups."""

    key: str
    declaration_number: str
    unit: Unit
    status: Status
    officer_id: str | None
    after_hours: bool = False
    groups: tuple[tuple[GroupKind, str], ...] = ()
    due_at: datetime | None = None  # its legal clock (rule 8): a move does not restart it
    completed_at: datetime | None = None


@dataclass(frozen=True)
class Move:
    """A declaration handed to an officer (or held, when nobody could take it) by a command."""

    holding: Holding
    officer_id: str | None
    mode: MoveMode
    turn: Turn | None = None
    follows: str | None = None  # the declaration of its group it went with, in the same redistribution

    @property
    def previous_officer_id(self) -> str | None:
        """Who had it before."""
        return self.holding.officer_id


def redistribute(holdings: Sequence[Holding], rotations: Mapping[Unit, Rotation]) -> list[Move]:
    """Hand each declaration to the next officer by rotation, keeping the units' groups together.

    The officer who had them must already be marked absent in `rotations`. A declaration nobody can
    take is held (officer None) and assigned as soon as someone is back (rule 4).
    """
    moves: list[Move] = []
    taken: dict[tuple[Unit, GroupKind, str], tuple[str, str]] = {}
    for holding in holdings:
        rotation = rotations[holding.unit]
        kept = [(kind, key) for kind, key in holding.groups if rotation.groups.keeps(kind)]
        follows = next((taken[(holding.unit, *group)] for group in kept if (holding.unit, *group) in taken), None)
        if follows is not None:
            moves.append(Move(holding, follows[0], MoveMode.REDISTRIBUTED, follows=follows[1]))
            continue
        turn = rotation.take_turn(holding.key)
        officer_id = turn.officer_id if turn else None
        moves.append(Move(holding, officer_id, MoveMode.REDISTRIBUTED, turn))
        if officer_id is not None:
            for group in kept:
                taken.setdefault((holding.unit, *group), (officer_id, holding.key))
    return moves
