"""Deciding a batch of declarations against the state of their units."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

from assigner.domain.decisions import Decision, Outcome, assign_now, decide
from assigner.domain.groups import GroupBook, GroupLink
from assigner.domain.legal_clock import check_due
from assigner.domain.model import Channel, Declaration, KnownDeclaration, Status, Unit
from assigner.domain.rotation import Rotation
from assigner.domain.working_hours import HoursBook


@dataclass
class Ledger:
    """What a batch is decided against; updated as each decision is taken."""

    known: dict[str, KnownDeclaration]
    rotations: dict[Unit, Rotation]
    held: dict[Unit, list[Declaration]] = field(default_factory=dict)
    default_channels: frozenset[Channel] = frozenset({Channel.YELLOW})
    hours: HoursBook = field(default_factory=HoursBook)
    groups: GroupBook = field(default_factory=GroupBook)

    def link_for(self, declaration: Declaration) -> GroupLink | None:
        """The group a declaration follows in its unit, if that unit keeps such groups."""
        rotation = self.rotations.get(declaration.unit)
        return self.groups.link_for(declaration, rotation.groups) if rotation is not None else None

    def with_clock(self, decision: Decision) -> Decision:
        """A decision that assigns or holds a declaration, with its check's due time (rule 8): counted now if the
        decision starts the clock, else the one it has (in its office's zone)."""
        if decision.starts_clock:
            return dataclasses.replace(decision, due_at=check_due(self.hours, decision.declaration))
        previous = decision.previous
        if decision.outcome not in (Outcome.ASSIGNED, Outcome.HELD) or previous is None or previous.due_at is None:
            return decision
        zone = self.hours.for_office(decision.unit.customs_office).zone
        return dataclasses.replace(decision, due_at=previous.due_at.astimezone(zone))

    def remember(self, decision: Decision) -> None:
        """Record a decision so later declarations of the batch see it."""
        status = decision.status
        if status is None:
            return
        declaration = decision.declaration
        due_at = decision.due_at or (decision.previous.due_at if decision.previous else None)
        self.known[declaration.key] = KnownDeclaration(
            declaration.key, declaration.declaration_number, decision.unit, status, decision.officer_id, due_at
        )
        if decision.outcome is Outcome.ASSIGNED and decision.officer_id is not None:
            self.groups.join(declaration, decision.officer_id)


def release_held(ledger: Ledger, unit: Unit) -> list[Decision]:
    """Assign a unit's held declarations, oldest first, while someone is eligible (rule 4)."""
    rotation = ledger.rotations.get(unit)
    queue = ledger.held.get(unit, [])
    decisions: list[Decision] = []
    while rotation is not None and queue:
        declaration = queue[0]
        previous = ledger.known.get(declaration.key)
        if previous is not None and previous.status is not Status.HELD:
            queue.pop(0)  # no longer held (assigned meanwhile): never assign it twice
            continue
        after_hours = ledger.hours.is_after_hours(declaration)
        fresh = assign_now(declaration, rotation, after_hours, ledger.link_for(declaration))
        if fresh is None:
            break
        queue.pop(0)
        decision = ledger.with_clock(dataclasses.replace(fresh, previous=previous, released=True))
        ledger.remember(decision)
        decisions.append(decision)
    return decisions


def plan(batch: Sequence[Declaration], ledger: Ledger) -> list[Decision]:
    """Decide every declaration of a batch in order, after releasing what was held."""
    decisions: list[Decision] = []
    for unit in sorted(ledger.held):
        decisions.extend(release_held(ledger, unit))
    for declaration in batch:
        decision = decide(
            declaration,
            ledger.known.get(declaration.key),
            ledger.rotations.get(declaration.unit),
            ledger.default_channels,
            ledger.hours.is_after_hours(declaration),
            ledger.link_for(declaration),
        )
        decision = ledger.with_clock(decision)
        ledger.remember(decision)
        decisions.append(decision)
    return decisions
