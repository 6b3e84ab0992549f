"""Use cases of the supervisors' console: which units a supervisor has, and what stands in one of them: what
is overdue or soon due first (rule 8), then the open work a page at a time, the held queue, the latest
decisions, every due time in the office's zone (rule 9)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from assigner.domain.legal_clock import in_office_zone, past_due
from assigner.domain.model import Unit, declaration_key
from assigner.domain.moves import Holding
from assigner.domain.roster import Role
from assigner.domain.rotation import Eligibility
from assigner.domain.working_hours import HoursBook
from assigner.services.ports import Clock, UnitOfWork
from assigner.services.roster import RosterLine, unit_lines

SOON = timedelta(minutes=30)  # "due within 30 minutes": shown at the top with what is overdue
URGENT_SHOWN = 10  # the most urgent shown at the top; the open work below has them all, soonest due first
PER_PAGE = 50
HELD_SHOWN = 50
# The decisions a leader reads by default: those that gave, moved, held, completed or flagged a declaration
# (not the green declarations recorded only, duplicates or amendments).
MOVING_ACTIONS = frozenset({"assigned", "reassigned", "held", "completed", "overdue"})
LONGEST_SEARCH = 40
_SEPARATORS = re.compile(r"[\s.\-/]")


@dataclass(frozen=True)
class WorkQuery:
    """What part of a unit's work a page asks for: a declaration number or part of one, a page of the open
    work, and every latest decision or only those that moved a declaration."""

    search: str = ""
    page: int = 1
    every_decision: bool = False


@dataclass(frozen=True)
class OpenLine:
    """An open declaration with its due time (office zone) and the wall-clock time left (negative once past)."""

    holding: Holding
    due_at: datetime | None
    left: timedelta | None

    @property
    def overdue(self) -> bool:
        """Past its due time."""
        return past_due(self.left)

    @property
    def soon(self) -> bool:
        """Not past its due time, and due within SOON."""
        return self.left is not None and timedelta() < self.left <= SOON


@dataclass(frozen=True)
class Urgent:
    """What is overdue or due within SOON: how many of each, and the most urgent of them, most overdue first."""

    overdue: int = 0
    soon: int = 0
    lines: list[OpenLine] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Overdue and soon due together."""
        return self.overdue + self.soon


@dataclass(frozen=True)
class OpenPage:
    """One page of a unit's assigned declarations, soonest due first, and how many match the search."""

    lines: list[OpenLine]
    total: int
    page: int
    search: str
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        """How many pages the matching declarations fill (at least one)."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def first(self) -> int:
        """The place of this page's first line among all that match (1-based; 0 when none matches)."""
        return (self.page - 1) * self.per_page + 1 if self.lines else 0

    @property
    def last(self) -> int:
        """The place of this page's last line."""
        return self.first + len(self.lines) - 1 if self.lines else 0

    def nearby(self, around: int = 2) -> list[int | None]:
        """The pages to link: the first, the last and those around this one, None where some are left out."""
        shown = sorted({1, self.pages, *range(max(1, self.page - around), min(self.pages, self.page + around) + 1)})
        links: list[int | None] = []
        for number in shown:
            if links and links[-1] is not None and number > links[-1] + 1:
                links.append(None)
            links.append(number)
        return links


@dataclass(frozen=True)
class UnitState:
    """A unit as its supervisor sees it now: the roster in order (who is next, who is absent), how much each
    checker has open, what is overdue or soon due, and for the unit's own page the rest of its work."""

    unit: Unit
    roster: list[RosterLine]
    open_counts: dict[str, int] = field(default_factory=dict)
    urgent: Urgent = field(default_factory=Urgent)
    open: OpenPage | None = None
    held: list[tuple[OpenLine, str, datetime]] = field(default_factory=list)  # arrival order, reason, since
    held_total: int = 0
    absent_until: dict[str, datetime | None] = field(default_factory=dict)  # absent checkers: until (None: open)
    recent: list[dict[str, Any]] = field(default_factory=list)  # the latest audit entries, newest first
    drawn: bool = False  # each round's order drawn: nobody is shown as next

    @cached_property
    def checkers(self) -> list[RosterLine]:
        """The rotation's officers, in roster order."""
        return [line for line in self.roster if line.role is Role.CHECKER]

    @cached_property
    def names(self) -> dict[str, str]:
        """The roster's officers' names, by officer id."""
        return {line.officer_id: line.name for line in self.roster}


def supervised_units(uow: UnitOfWork, officer_id: str) -> list[Unit]:
    """The units whose roster names `officer_id` as a supervisor, in unit order."""
    with uow:
        return uow.roster.supervised_by(officer_id)


def search_text(typed: str) -> str:
    """A declaration number, or part of one, as typed in a search box: spaces, dots, dashes and slashes left
    out, at most LONGEST_SEARCH characters kept."""
    return _SEPARATORS.sub("", typed)[:LONGEST_SEARCH]


def unit_state(
    uow: UnitOfWork,
    unit: Unit,
    clock: Clock,
    hours: HoursBook,
    query: WorkQuery | None = None,
    recent: int = 0,
) -> UnitState:
    """The unit's roster, each checker's count of open declarations and what is overdue or due within SOON,
    read in one transaction; given a `query` (the unit's own page), also the most urgent declarations, a page
    of the open work, the head of the held queue, and its `recent` latest decisions (with their why)."""
    with uow:
        now = clock()
        rotation = uow.rotations.load([unit], now)[unit]
        lines = unit_lines(uow, unit, rotation)
        counts = uow.open_work.counts_by_officer(unit)
        overdue, soon = uow.open_work.urgency(unit, now, now + SOON)
        absent = {
            line.officer_id: _until(uow, line.officer_id, unit, now)
            for line in lines
            if line.role is Role.CHECKER and line.status == "absent"
        }
        drawn = rotation.drawn
        if query is None:
            return UnitState(unit, lines, counts, Urgent(overdue, soon), absent_until=absent, drawn=drawn)
        urgent = [_line(now, h, hours) for h in uow.open_work.due_by(unit, now + SOON, URGENT_SHOWN)]
        open_page = _open_page(uow, unit, now, hours, query)
        held_now, held_total = uow.open_work.held(unit, HELD_SHOWN)
        held = [(_line(now, h, hours), reason, since) for h, reason, since in held_now]
        actions = None if query.every_decision else MOVING_ACTIONS
        latest = uow.audit.recent(unit, recent, actions) if recent else []
    urgent_now = Urgent(overdue, soon, urgent)
    return UnitState(unit, lines, counts, urgent_now, open_page, held, held_total, absent, latest, drawn)


def eligible_left(uow: UnitOfWork, unit: Unit, officer_id: str, clock: Clock) -> int:
    """How many of the unit's officers could take a turn if `officer_id` went absent now."""
    with uow:
        rotation = uow.rotations.load([unit], clock())[unit]
        return sum(
            1 for slot in rotation.roster if slot.eligibility is Eligibility.ELIGIBLE and slot.officer_id != officer_id
        )


def _open_page(uow: UnitOfWork, unit: Unit, now: datetime, hours: HoursBook, query: WorkQuery) -> OpenPage:
    """The page asked for (the last one when asked for one past it), soonest due first."""
    search = search_text(query.search)
    page = max(1, query.page)
    holdings, total = uow.open_work.assigned_page(unit, search, PER_PAGE, (page - 1) * PER_PAGE)
    pages = max(1, math.ceil(total / PER_PAGE))
    if page > pages:
        page = pages
        holdings, total = uow.open_work.assigned_page(unit, search, PER_PAGE, (page - 1) * PER_PAGE)
    return OpenPage([_line(now, h, hours) for h in holdings], total, page, search)


def _line(now: datetime, holding: Holding, hours: HoursBook) -> OpenLine:
    due = in_office_zone(hours, holding)
    return OpenLine(holding, due, None if due is None else due - now)


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
