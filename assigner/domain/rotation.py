"""A unit's rotation: whose turn it is, and who is skipped and why."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from assigner.domain.draws import Drawer, ModeState
from assigner.domain.groups import GroupSettings
from assigner.domain.model import Channel, Unit


class Eligibility(StrEnum):
    """Whether an officer on a roster can take a turn now."""

    ELIGIBLE = "eligible"
    ABSENT = "absent"
    INACTIVE = "inactive"


@dataclass(frozen=True)
class RosterSlot:
    """One officer's place on a unit's roster (positions start at 1)."""

    officer_id: str
    position: int
    eligibility: Eligibility = Eligibility.ELIGIBLE


@dataclass(frozen=True)
class Skip:
    """An officer passed over by a turn, and why."""

    officer_id: str
    reason: Eligibility


@dataclass(frozen=True)
class Turn:
    """One step of the rotation: who got it, from where it started, whom it skipped."""

    officer_id: str
    position: int
    number: int
    started_from: int
    skipped: tuple[Skip, ...] = ()
    draw: dict[str, Any] | None = None  # a drawn turn's inputs and candidates (None: in roster order)

    def explained(self) -> dict[str, Any]:
        """What explains it in the audit trail: its number, the cursor it started from, whom it gave it to (by
        position) and whom it skipped, with why; a drawn turn adds what it drew among and with what."""
        explained = {
            "turn": self.number,
            "position": self.position,
            "cursor_from": self.started_from,
            "skipped": [{"officer_id": s.officer_id, "reason": s.reason.value} for s in self.skipped],
        }
        return explained if self.draw is None else {**explained, "draw": self.draw}


def next_officer(roster: Sequence[RosterSlot], cursor: int) -> tuple[RosterSlot, tuple[Skip, ...]] | None:
    """The first eligible officer after position `cursor`, wrapping round, with those skipped.

    Returns None when nobody on the roster is eligible.
    """
    ordered = sorted(roster, key=_position)
    return _first_eligible(ordered, bisect_right(ordered, cursor, key=_position))


def _position(slot: RosterSlot) -> int:
    return slot.position


def _first_eligible(ordered: Sequence[RosterSlot], start: int) -> tuple[RosterSlot, tuple[Skip, ...]] | None:
    """From index `start` of a roster in position order, wrapping round: the first eligible officer and those
    skipped on the way; the work is in proportion to those skipped, not to the roster."""
    skipped: list[Skip] = []
    count = len(ordered)
    for step in range(count):
        slot = ordered[(start + step) % count]
        if slot.eligibility is Eligibility.ELIGIBLE:
            return slot, tuple(skipped)
        skipped.append(Skip(slot.officer_id, slot.eligibility))
    return None


@dataclass
class Rotation:
    """The state of one unit's rotation: its roster and its cursor."""

    unit: Unit
    roster: tuple[RosterSlot, ...]
    position: int = 0
    turn: int = 0
    auto_channels: frozenset[Channel] = field(default_factory=lambda: frozenset({Channel.YELLOW}))
    groups: GroupSettings = field(default_factory=GroupSettings)
    state: ModeState = ModeState.SEQUENTIAL
    served: frozenset[str] = frozenset()  # drawn: who had a turn this round
    drawer: Callable[[], Drawer] | None = None  # drawn: the transaction's key and head, read at the first draw

    def __post_init__(self) -> None:
        self.roster = tuple(sorted(self.roster, key=_position))  # once a batch, not once a turn
        self._index = {slot.officer_id: slot for slot in self.roster}

    @property
    def drawn(self) -> bool:
        """Whether its round's order is drawn now (nobody can be shown as next)."""
        return self.state is not ModeState.SEQUENTIAL

    def has_eligible(self) -> bool:
        """Whether anyone on the roster can take a turn now."""
        return any(slot.eligibility is Eligibility.ELIGIBLE for slot in self.roster)

    def eligibility_of(self, officer_id: str) -> Eligibility | None:
        """An officer's eligibility in this unit; None when not on its roster."""
        slot = self._index.get(officer_id)
        return None if slot is None else slot.eligibility

    def mark(self, officer_id: str, eligibility: Eligibility) -> None:
        """Change an officer's eligibility for the turns still to come in this transaction."""
        self.roster = tuple(
            RosterSlot(slot.officer_id, slot.position, eligibility) if slot.officer_id == officer_id else slot
            for slot in self.roster
        )
        self._index = {slot.officer_id: slot for slot in self.roster}

    def take_turn(self, declaration_key: str) -> Turn | None:
        """Give the next turn (for this declaration) and move the cursor; None (cursor unmoved) if nobody is
        eligible."""
        if self.drawn:
            return self._draw(declaration_key)
        found = _first_eligible(self.roster, bisect_right(self.roster, self.position, key=_position))
        if found is None:
            return None
        slot, skipped = found
        started_from = self.position
        self.position = slot.position
        self.turn += 1
        return Turn(slot.officer_id, slot.position, self.turn, started_from, skipped)

    def _draw(self, declaration_key: str) -> Turn | None:
        """A drawn turn: among the eligible officers not served this round (all eligible again once each was),
        the one the day's key draws; those not eligible are skipped."""
        if self.drawer is None:
            raise RuntimeError(f"unit {self.unit} draws its turns, and no key was read for it")
        eligible = [slot for slot in self.roster if slot.eligibility is Eligibility.ELIGIBLE]
        if not eligible:
            return None
        candidates = [slot for slot in eligible if slot.officer_id not in self.served]
        new_round = not candidates
        if new_round:
            self.served, candidates = frozenset(), eligible
            if self.state is ModeState.DRAWN_THEN_SEQUENTIAL:  # the round it was set back in is over: roster
                self.state, self.position = ModeState.SEQUENTIAL, 0  # order from the first, as a unit starts
                return self.take_turn(declaration_key)
        number, drawer = self.turn + 1, self.drawer()
        slot = candidates[drawer.pick(str(self.unit), number, declaration_key, len(candidates))]
        skipped = tuple(
            Skip(s.officer_id, s.eligibility) for s in self.roster if s.eligibility is not Eligibility.ELIGIBLE
        )
        draw = {**drawer.explained(), "candidates": [s.officer_id for s in candidates], "new_round": new_round}
        started_from, self.position, self.turn = self.position, slot.position, number
        self.served |= {slot.officer_id}
        return Turn(slot.officer_id, slot.position, number, started_from, skipped, draw)


def roster_of(officer_ids: Iterable[str], unavailable: dict[str, Eligibility] | None = None) -> tuple[RosterSlot, ...]:
    """A roster in the given order, with positions 1..n and the given officers unavailable."""
    unavailable = unavailable or {}
    slots = []
    for position, officer_id in enumerate(officer_ids, start=1):
        eligibility = unavailable.get(officer_id, Eligibility.ELIGIBLE)
        slots.append(RosterSlot(officer_id, position, eligibility))
    return tuple(slots)


def carry_cursor(before: Sequence[str], position: int, after: Sequence[str]) -> int:
    """The cursor's position on a changed roster: after the same officer as before.

    `before` and `after` are officer ids in roster order (positions 1..n). If the officer last
    served left the roster, the cursor stays after the nearest earlier officer who remains.
    """
    for officer_id in reversed(before[:position]):
        if officer_id in after:
            return after.index(officer_id) + 1
    return 0
