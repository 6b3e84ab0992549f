"""Use cases of the supervisors' console: which units a supervisor has, and what stands in one of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from assigner.domain.model import Unit, declaration_key
from assigner.domain.moves import Holding
from assigner.domain.roster import Role
from assigner.services.ports import Clock, UnitOfWork
from assigner.services.roster import RosterLine, unit_lines


@dataclass(frozen=True)
class UnitState:
    """A unit as its supervisor sees it now: the roster in order (who is next, who is absent), each checker's
    open declarations, and the period's figures."""

    unit: Unit
    roster: list[RosterLine]
    open_by_officer: dict[str, list[Holding]] = field(default_factory=dict)
    held: list[tuple[Holding, str, datetime]] = field(default_factory=list)  # arrival order, reason, since
    absent_until: dict[str, datetime | None] = field(default_factory=dict)  # absent checkers: until (None: open)
    recent: list[dict[str, Any]] = field(default_factory=list)  # the latest audit entries, newest first

    @property
    def checkers(self) -> list[RosterLine]:
        """The rotation's officers, in roster order."""
        return [line for line in self.roster if line.role is Role.CHECKER]


def supervised_units(uow: UnitOfWork, officer_id: str) -> list[Unit]:
    """The units whose roster names `officer_id` as a supervisor, in unit order."""
    with uow:
        return uow.roster.supervised_by(officer_id)


def unit_state(uow: UnitOfWork, unit: Unit, clock: Clock, recent: int = 0) -> UnitState:
    """The unit's roster, each checker's open declarations, what it holds, and its `recent` latest audit
    entries (the decisions with their why), read in one transaction."""
    with uow:
        now = clock()
        rotation = uow.rotations.load([unit], now)[unit]
        lines = unit_lines(uow, unit, rotation)
        open_work = {
            line.officer_id: uow.holdings.assigned_to(line.officer_id, [unit])
            for line in lines
            if line.role is Role.CHECKER
        }
        held = uow.holdings.held(unit)
        latest = uow.audit.recent(unit, recent) if recent else []
        absent = {
            line.officer_id: _until(uow, line.officer_id, unit, now)
            for line in lines
            if line.role is Role.CHECKER and line.status == "absent"
        }
    return UnitState(unit, lines, open_work, held, absent, latest)


def _until(uow: UnitOfWork, officer_id: str, unit: Unit, now: datetime) -> datetime | None:
    """When the officer's absence from `unit` ends (None: until they are brought back)."""
    ends = [absence.until for absence in uow.absences.in_force(officer_id, now) if absence.unit in (None, unit)]
    return None if not ends or None in ends else max(end for end in ends if end is not None)


def declaration_in(
    uow: UnitOfWork, declaration_number: str, units: list[Unit]
) -> tuple[Holding | None, list[dict[str, Any]]]:
    """A declaration of one of `units` and its audit history; (None, []) for one of another unit, or unknown,
    so nothing of it is shown to a supervisor who does not supervise its unit."""
    key = declaration_key(declaration_number)
    with uow:
        holding = uow.holdings.by_keys([key]).get(key)
        if holding is None or holding.unit not in units:
            return None, []
        return holding, uow.audit.entries(key)
