"""What happens to one declaration: assigned, duplicate, amendment, held or recorded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from assigner.domain.groups import GroupLink
from assigner.domain.model import Channel, Declaration, KnownDeclaration, Status, Unit
from assigner.domain.rotation import Eligibility, Rotation, Turn


class Outcome(StrEnum):
    """The result of deciding one declaration."""

    ASSIGNED = "assigned"
    DUPLICATE = "duplicate"
    AMENDMENT = "amendment"
    HELD = "held"
    RECORDED = "recorded"


class HoldReason(StrEnum):
    """Why a valid declaration cannot be assigned yet (rule 4)."""

    NO_ELIGIBLE_OFFICER = "no_eligible_officer"
    UNKNOWN_DEPARTMENT = "unknown_department"


@dataclass(frozen=True)
class Decision:
    """A decision about one declaration, with everything needed to record and explain it."""

    outcome: Outcome
    declaration: Declaration
    after_hours: bool = False
    officer_id: str | None = None
    turn: Turn | None = None
    hold_reason: HoldReason | None = None
    previous: KnownDeclaration | None = None
    released: bool = False
    group: GroupLink | None = None
    due_at: datetime | None = None  # set for a declaration assigned or held: its legal clock (rule 8)

    @property
    def mode(self) -> str:
        """How an assignment was made: by a turn of the rotation, or following its group."""
        return "group" if self.group is not None else "auto"

    @property
    def starts_clock(self) -> bool:
        """Whether this decision starts the declaration's legal clock (rule 8): assigned or held for the first
        time, first routed to a checked channel (it was recorded), or decided again in the unit its amendment
        corrected. A release from hold, an amendment or a re-sent copy keeps the clock it has."""
        if self.outcome not in (Outcome.ASSIGNED, Outcome.HELD):
            return False
        previous = self.previous
        return previous is None or previous.status is Status.RECORDED or previous.unit != self.unit

    @property
    def unit(self) -> Unit:
        """The unit the declaration belongs to after this decision: an amendment keeps its unit."""
        if self.outcome is Outcome.AMENDMENT and self.previous is not None:
            return self.previous.unit
        return self.declaration.unit

    @property
    def status(self) -> Status | None:
        """The declaration's status after this decision; None when nothing changes."""
        if self.outcome is Outcome.DUPLICATE:
            return None
        if self.outcome is Outcome.AMENDMENT:
            return self.previous.status if self.previous else None
        return {
            Outcome.ASSIGNED: Status.ASSIGNED,
            Outcome.HELD: Status.HELD,
            Outcome.RECORDED: Status.RECORDED,
        }[self.outcome]


def decide(
    declaration: Declaration,
    known: KnownDeclaration | None,
    rotation: Rotation | None,
    default_channels: frozenset[Channel],
    after_hours: bool,
    link: GroupLink | None = None,
) -> Decision:
    """Decide one declaration; takes a turn from `rotation` only when it assigns outside a group."""
    if known is not None:
        if declaration.amendment <= known.amendment:
            return Decision(Outcome.DUPLICATE, declaration, after_hours, known.officer_id, previous=known)
        # A held declaration whose amendment corrects its unit is decided again, in the new unit.
        moved_while_held = known.status is Status.HELD and declaration.unit != known.unit
        if known.status is not Status.RECORDED and not moved_while_held:
            # Rule 1: an amendment stays with whoever has the declaration (or stays held).
            return Decision(Outcome.AMENDMENT, declaration, after_hours, known.officer_id, previous=known)
    fresh = decide_new(declaration, rotation, default_channels, after_hours, link)
    if known is not None and fresh.outcome is Outcome.RECORDED:
        return Decision(Outcome.AMENDMENT, declaration, after_hours, previous=known)
    return Decision(
        fresh.outcome,
        declaration,
        after_hours,
        fresh.officer_id,
        fresh.turn,
        fresh.hold_reason,
        previous=known,
        group=fresh.group,
    )


def decide_new(
    declaration: Declaration,
    rotation: Rotation | None,
    default_channels: frozenset[Channel],
    after_hours: bool,
    link: GroupLink | None = None,
) -> Decision:
    """Decide a declaration seen for the first time (or first routed to an assigned channel)."""
    channels = rotation.auto_channels if rotation is not None else default_channels
    if declaration.channel not in channels:
        return Decision(Outcome.RECORDED, declaration, after_hours)
    if rotation is None:
        return Decision(Outcome.HELD, declaration, after_hours, hold_reason=HoldReason.UNKNOWN_DEPARTMENT)
    assigned = assign_now(declaration, rotation, after_hours, link)
    if assigned is None:
        return Decision(Outcome.HELD, declaration, after_hours, hold_reason=HoldReason.NO_ELIGIBLE_OFFICER)
    return assigned


def assign_now(
    declaration: Declaration, rotation: Rotation, after_hours: bool, link: GroupLink | None
) -> Decision | None:
    """Assign to the group's officer if they can take it (no turn used), else by a turn; None if nobody can."""
    if link is not None and rotation.eligibility_of(link.officer_id) is Eligibility.ELIGIBLE:
        return Decision(Outcome.ASSIGNED, declaration, after_hours, link.officer_id, group=link)
    turn = rotation.take_turn(declaration.key)
    if turn is None:
        return None
    return Decision(Outcome.ASSIGNED, declaration, after_hours, turn.officer_id, turn)
