"""One handler per command: lock the units it touches, check who may, check it can be done, do it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from assigner.domain.commands import (
    CommandHeader,
    CommandRefused,
    Complete,
    NotASupervisor,
    OfficerAbsent,
    OfficerAvailable,
    Reassign,
    ReassignGroup,
)
from assigner.domain.completions import CompletedBy
from assigner.domain.decisions import Decision
from assigner.domain.events import Event, move_event, new_event_id
from assigner.domain.groups import GroupKind
from assigner.domain.legal_clock import in_office_zone
from assigner.domain.model import Status, Unit, declaration_key
from assigner.domain.moves import Holding, Move, MoveMode, redistribute
from assigner.domain.rotation import Eligibility, Rotation
from assigner.services.assign import decide_and_save
from assigner.services.completion import close_check
from assigner.services.ports import Policy, UnitOfWork

# How far back an absence may be dated when it was entered late.
SINCE_AT_MOST = timedelta(days=7)


@dataclass(frozen=True)
class Change:
    """What a command changed: declarations moved, held ones released, and their events."""

    moves: list[Move] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    released: list[Decision] = field(default_factory=list)
    released_events: list[Event] = field(default_factory=list)  # already in the outbox


@dataclass
class Context:
    """A command being carried out inside an open unit of work."""

    uow: UnitOfWork
    header: CommandHeader
    now: datetime
    policy: Policy

    def lock(self, units: Iterable[Unit]) -> dict[Unit, Rotation]:
        """Lock the units' rotations: the command and any batch of those units go one after the other."""
        return self.uow.rotations.lock(sorted(set(units)), self.now)

    def authorise(self, units: Iterable[Unit]) -> None:
        """`issued_by` must supervise every unit the command touches (which must exist)."""
        units = sorted(set(units))
        known = set(self.uow.rotations.all_units())
        for unit in units:
            if unit not in known:
                raise CommandRefused(f"unit {unit} is not known: no roster names it")
        for unit in units:
            if self.header.issued_by not in self.uow.roster.supervisors(unit):
                raise NotASupervisor(f"'{self.header.issued_by}' is not a supervisor of unit {unit}")

    def due_at(self, holding: Holding) -> datetime | None:
        """A declaration's due time in its office's zone."""
        return in_office_zone(self.policy.hours, holding)

    def apply(self, moves: Sequence[Move], rotations: dict[Unit, Rotation]) -> Change:
        """Write the moves, the cursors their turns moved, the audit entries; return their events."""
        uow, header = self.uow, self.header
        uow.holdings.move(moves, header, self.now)
        uow.rotations.save(rotations.values(), self.now)
        uow.audit.record_moves(moves, header, self.now)
        code = header.reason_code.value if header.reason_code else None
        events = [
            move_event(
                move, header.command_id, header.reason, self.now, new_event_id(), self.due_at(move.holding), code
            )
            for move in moves
        ]
        return Change(list(moves), events)


def reassign(ctx: Context, action: Reassign) -> Change:
    """Move one declaration to another officer."""
    key = declaration_key(action.declaration_number)
    unit = _holding(ctx, key, action.declaration_number).unit
    rotations = ctx.lock([unit])
    holding = _holding(ctx, key, action.declaration_number)  # as it stands under the lock
    ctx.authorise([holding.unit])
    _require_open(holding)
    _require_can_take(rotations, holding.unit, action.to_officer_id)
    if holding.officer_id == action.to_officer_id:
        raise CommandRefused(f"declaration {holding.declaration_number} is already with {action.to_officer_id}")
    return ctx.apply([Move(holding, action.to_officer_id, MoveMode.MANUAL)], rotations)


def reassign_group(ctx: Context, action: ReassignGroup) -> Change:
    """Move every open declaration of a branch or container group to one officer."""
    key = declaration_key(action.key) if action.group is GroupKind.BRANCH else action.key
    members = ctx.uow.holdings.of_group(action.group, key)
    if not members:
        raise CommandRefused(f"no open declaration in the {action.group.value} group {action.key}")
    rotations = ctx.lock(m.unit for m in members)
    members = [m for m in ctx.uow.holdings.of_group(action.group, key) if m.unit in rotations]
    units = {m.unit for m in members}
    ctx.authorise(units)
    for unit in sorted(units):
        _require_can_take(rotations, unit, action.to_officer_id)
    moves = [Move(m, action.to_officer_id, MoveMode.MANUAL) for m in members if m.officer_id != action.to_officer_id]
    if not moves:
        raise CommandRefused(
            f"every declaration of the {action.group.value} group {action.key} is already with {action.to_officer_id}"
        )
    return ctx.apply(moves, rotations)


def officer_absent(ctx: Context, action: OfficerAbsent) -> Change:
    """Take an officer out of rotation and hand their open declarations to the others by rotation."""
    officer_id = action.officer_id
    units = list(action.units) or ctx.uow.roster.units_of(officer_id)
    if not units:
        raise CommandRefused(f"officer {officer_id} is on no roster")
    rotations = ctx.lock(units)
    ctx.authorise(units)
    for unit in units:
        if unit not in rotations or rotations[unit].eligibility_of(officer_id) is None:
            raise CommandRefused(f"officer {officer_id} is not on the roster of unit {unit}")
    if action.until is not None and action.until <= ctx.now:
        raise CommandRefused(f"until {action.until.isoformat()} is not in the future")
    if action.since is not None:
        _check_since(ctx, officer_id, action.since, action.units)
    header = ctx.header
    ctx.uow.absences.start(
        officer_id, action.units, action.until, header.reason, header.issued_by, ctx.now, action.since
    )
    for unit in units:
        rotations[unit].mark(officer_id, Eligibility.ABSENT)
    if not action.redistribute:
        return Change()
    return ctx.apply(redistribute(ctx.uow.holdings.assigned_to(officer_id, units), rotations), rotations)


def _check_since(ctx: Context, officer_id: str, since: datetime, units: Sequence[Unit]) -> None:
    """A back-dated absence begins in the past, but not the far past, and overlaps no absence on record."""
    if since > ctx.now:
        raise CommandRefused(f"since {since.isoformat()} is in the future: an absence to come is sent when it begins")
    if since < ctx.now - SINCE_AT_MOST:
        raise CommandRefused(f"since {since.isoformat()} is more than {SINCE_AT_MOST.days} days ago")
    running = [a for a in ctx.uow.absences.in_force(officer_id, ctx.now) if not units or a.unit in (None, *units)]
    if running:
        raise CommandRefused(f"officer {officer_id} is absent already: a back-dated absence cannot overlap it")


def officer_available(ctx: Context, action: OfficerAvailable) -> Change:
    """Bring an officer back into rotation; their units' held declarations are assigned."""
    uow, officer_id = ctx.uow, action.officer_id
    rostered = uow.roster.units_of(officer_id)
    ctx.lock(rostered)  # first: an absence committed meanwhile (under these locks) is read, and ended, too
    absences = uow.absences.in_force(officer_id, ctx.now)
    if not absences:
        raise CommandRefused(f"officer {officer_id} is not absent")
    everywhere = any(absence.unit is None for absence in absences)
    units = rostered if everywhere else sorted({a.unit for a in absences if a.unit})
    if set(units) - set(rostered):
        ctx.lock(units)  # an absence in a unit they have left since
    ctx.authorise(units)
    uow.absences.end(absences, ctx.now)
    released = decide_and_save(uow, [], ctx.now, ctx.policy, also_release=units)
    return Change(released=released.decisions, released_events=released.events)


def complete(ctx: Context, action: Complete) -> Change:
    """Close a declaration: its check is done, its legal clock stops; it is never redistributed. The officer who
    has it may complete it; anyone else must supervise its unit."""
    key = declaration_key(action.declaration_number)
    ctx.lock([_holding(ctx, key, action.declaration_number).unit])
    holding = _holding(ctx, key, action.declaration_number)
    header = ctx.header
    own = holding.officer_id == header.issued_by
    if not own:
        ctx.authorise([holding.unit])
    if holding.status is not Status.ASSIGNED:
        raise CommandRefused(f"declaration {holding.declaration_number} is {holding.status.value}, not assigned")
    by = CompletedBy.OFFICER if own else CompletedBy.SUPERVISOR
    event = close_check(
        ctx.uow, holding, ctx.now, ctx.policy.hours, header.issued_by, by, header.reason, header.command_id
    )
    return Change(events=[event])


def _holding(ctx: Context, key: str, number: str) -> Holding:
    holding = ctx.uow.holdings.by_keys([key]).get(key)
    if holding is None:
        raise CommandRefused(f"declaration {number} is not known")
    return holding


def _require_open(holding: Holding) -> None:
    if holding.status is Status.COMPLETED:
        raise CommandRefused(f"declaration {holding.declaration_number} is completed")
    if holding.status is Status.RECORDED:
        raise CommandRefused(
            f"declaration {holding.declaration_number} is recorded, not assigned (its channel is "
            "not assigned in this unit)"
        )


def _require_can_take(rotations: dict[Unit, Rotation], unit: Unit, officer_id: str) -> None:
    rotation = rotations.get(unit)
    eligibility = rotation.eligibility_of(officer_id) if rotation is not None else None
    if eligibility is None:
        raise CommandRefused(f"officer {officer_id} is not on the roster of unit {unit}")
    if eligibility is not Eligibility.ELIGIBLE:
        raise CommandRefused(f"officer {officer_id} is {eligibility.value} in unit {unit}")
