"""Use cases: import a roster file's entries; list rosters with their state."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assigner.domain.decisions import Decision
from assigner.domain.model import Unit
from assigner.domain.roster import Officer, Role, RosterEntry
from assigner.domain.rotation import Rotation, next_officer
from assigner.services.assign import decide_and_save
from assigner.services.ports import Clock, Policy, UnitOfWork
from assigner.services.transactions import in_transaction


@dataclass(frozen=True)
class UnitChange:
    """How one unit's roster changed."""

    unit: Unit
    created: bool
    added: list[str]
    removed: list[str]
    reordered: bool
    supervisors_changed: bool

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
        uow.rotations.lock(units, now)  # before creating units: serializes with batches holding for them
        created = set(uow.roster.ensure_units(units, policy.default_channels, now))
        officers_changed = uow.roster.upsert_officers(_officers(entries), now)
        changes = [_replace(uow, unit, entries, unit in created) for unit in units]
        if officers_changed or any(change.changed for change in changes):
            uow.audit.record(now, actor, "roster_import", details=[_describe(c) for c in changes if c.changed])
        released = decide_and_save(uow, [], now, policy, also_release=units)
        return RosterImport(changes, officers_changed, released)

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
    added = [o for o in checkers if o not in before]
    removed = [o for o in before if o not in checkers]
    kept_before = [o for o in before if o in checkers]
    kept_after = [o for o in checkers if o in before]
    return UnitChange(unit, created, added, removed, kept_before != kept_after, supervisors_before != supervisors)


def _describe(change: UnitChange) -> dict[str, object]:
    return {
        "unit": str(change.unit),
        "created": change.created,
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
            lines.extend(_unit_lines(uow, unit, rotations[unit]))
    return lines


def _unit_lines(uow: UnitOfWork, unit: Unit, rotation: Rotation) -> list[RosterLine]:
    roster = rotation.roster
    supervisors = uow.roster.supervisors(unit)
    names = uow.roster.names([slot.officer_id for slot in roster] + supervisors)
    counts = uow.roster.assignment_counts(unit)
    found = next_officer(roster, rotation.position)
    next_id = found[0].officer_id if found else None
    lines = []
    for slot in roster:
        status = slot.eligibility.value.replace("eligible", "active")
        lines.append(
            RosterLine(unit, slot.position, slot.officer_id, names[slot.officer_id], Role.CHECKER, status,
                       counts.get(slot.officer_id, 0), slot.officer_id == next_id)
        )
    for officer_id in supervisors:
        lines.append(RosterLine(unit, None, officer_id, names[officer_id], Role.SUPERVISOR, "-", 0, False))
    return lines
