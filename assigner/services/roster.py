"""Use cases: import a roster file's entries; list rosters with their state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assigner.domain.decisions import Decision
from assigner.domain.model import Unit
from assigner.domain.roster import Officer, Role, RosterEntry
from assigner.domain.rotation import Rotation, carry_cursor, next_officer
from assigner.services.assign import decide_and_save
from assigner.services.ports import Clock, Policy, UnitOfWork
from assigner.services.transactions import in_transaction


@dataclass(frozen=True)
class UnitChange:
    """How one unit's roster changed."""

    unit: Unit
    created: bool
    checkers_before: list[str]
    checkers: list[str]
    supervisors: list[str]
    supervisors_changed: bool

    @property
    def added(self) -> list[str]:
        """Officers who joined the rotation."""
        return [o for o in self.checkers if o not in self.checkers_before]

    @property
    def removed(self) -> list[str]:
        """Officers who left the rotation."""
        return [o for o in self.checkers_before if o not in self.checkers]

    @property
    def reordered(self) -> bool:
        """Whether officers who stayed changed their order."""
        stayed_before = [o for o in self.checkers_before if o in self.checkers]
        return stayed_before != [o for o in self.checkers if o in self.checkers_before]

    @property
    def changed(self) -> bool:
        """Whether anything changed in this unit."""
        return self.created or bool(self.added or self.removed) or self.reordered or self.supervisors_changed


@dataclass(frozen=True)
class RosterImport:
    """What an import changed, and the held declarations it let through."""

    units: list[UnitChange]
    officers_changed: int
    released: list[Decision]


def import_roster(
    uow: UnitOfWork, entries: Sequence[RosterEntry], clock: Clock, policy: Policy, actor: str
) -> RosterImport:
    """Make each named unit's roster and supervisors exactly the entries', in their order; idempotent."""
    units = sorted({entry.unit for entry in entries})

    def work() -> RosterImport:
        now = clock()
        rotations = uow.rotations.lock(units, now)  # before creating units: serializes with holds for them
        created = set(uow.roster.ensure_units(units, policy.default_channels, now))
        officer_changes = uow.roster.upsert_officers(_officers(entries), now)
        changes = [_replace(uow, unit, entries, unit in created) for unit in units]
        for change in changes:
            rotation = rotations.get(change.unit)
            if rotation is not None and change.checkers != change.checkers_before:
                position = carry_cursor(change.checkers_before, rotation.position, change.checkers)
                uow.rotations.move_cursor(change.unit, position, now)
        if officer_changes or any(change.changed for change in changes):
            units_changed = [_describe(change) for change in changes if change.changed]
            uow.audit.record(now, actor, "roster_import", units=units_changed, officers=officer_changes)
        released = decide_and_save(uow, [], now, policy, also_release=units).decisions
        return RosterImport(changes, len(officer_changes), released)

    result, _ = in_transaction(uow, work)
    return result


def _officers(entries: Sequence[RosterEntry]) -> list[Officer]:
    by_id: dict[str, Officer] = {}
    for entry in entries:
        by_id[entry.officer.officer_id] = entry.officer
    return list(by_id.values())


def _replace(uow: UnitOfWork, unit: Unit, entries: Sequence[RosterEntry], created: bool) -> UnitChange:
    checkers = [e.officer.officer_id for e in entries if e.unit == unit and e.role is Role.CHECKER]
    supervisors = sorted({e.officer.officer_id for e in entries if e.unit == unit and e.role is Role.SUPERVISOR})
    before = uow.roster.checkers(unit)
    if before != checkers:
        uow.roster.replace_checkers(unit, checkers)
    supervisors_before = uow.roster.supervisors(unit)
    if supervisors_before != supervisors:
        uow.roster.replace_supervisors(unit, supervisors)
    return UnitChange(unit, created, before, checkers, supervisors, supervisors_before != supervisors)


def _describe(change: UnitChange) -> dict[str, object]:
    return {
        "unit": str(change.unit),
        "created": change.created,
        "roster_before": change.checkers_before,
        "roster": change.checkers,
        "added": change.added,
        "removed": change.removed,
        "reordered": change.reordered,
        "supervisors_changed": change.supervisors_changed,
    }


@dataclass(frozen=True)
class RosterLine:
    """One row of `assigner roster list`."""

    unit: Unit
    position: int | None
    officer_id: str
    name: str
    role: Role
    status: str
    assigned: int
    is_next: bool


def roster_listing(
    uow: UnitOfWork, clock: Clock, customs_office: str | None = None, department: str | None = None
) -> list[RosterLine]:
    """Every roster line of the matching units: position, status, assignment count, who is next."""
    lines: list[RosterLine] = []
    with uow:
        units = uow.rotations.all_units(customs_office, department)
        rotations = uow.rotations.load(units, clock())
        for unit in units:
            lines.extend(unit_lines(uow, unit, rotations[unit]))
    return lines


def unit_lines(uow: UnitOfWork, unit: Unit, rotation: Rotation) -> list[RosterLine]:
    """One unit's roster lines (checkers in order, then supervisors), inside an open unit of work."""
    roster = rotation.roster
    supervisors = uow.roster.supervisors(unit)
    names = uow.roster.names([slot.officer_id for slot in roster] + supervisors)
    counts = uow.roster.assignment_counts(unit)
    found = None if rotation.drawn else next_officer(roster, rotation.position)
    next_id = found[0].officer_id if found else None  # a drawn order has no next anyone can know
    lines = []
    for slot in roster:
        status = slot.eligibility.value.replace("eligible", "active")
        lines.append(
            RosterLine(
                unit,
                slot.position,
                slot.officer_id,
                names[slot.officer_id],
                Role.CHECKER,
                status,
                counts.get(slot.officer_id, 0),
                slot.officer_id == next_id,
            )
        )
    for officer_id in supervisors:
        lines.append(RosterLine(unit, None, officer_id, names[officer_id], Role.SUPERVISOR, "-", 0, False))
    return lines
