"""Re-deriving the rotation from the audit log alone: every turn must be the one the rules give.

The replay starts from nothing and reads the entries in chain order: roster imports set each unit's
roster (and move its cursor as the import did), officers' activity, absences and returns; then each
entry that took a turn must name the officer, position, skipped officers, cursor and turn number
that the rotation rules give at that point. An entry that follows a group must name the officer
who had the declaration it follows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from assigner.domain.rotation import Eligibility, carry_cursor, next_officer, roster_of


@dataclass
class _UnitState:
    roster: list[str]
    position: int = 0
    turn: int = 0


@dataclass
class _Absence:
    officer_id: str
    unit: str | None  # None: every unit
    until: datetime | None
    ended: bool = False


@dataclass
class RotationReplay:
    """The rotation's state as the audit entries read so far make it."""

    units: dict[str, _UnitState] = field(default_factory=dict)
    active: dict[str, bool] = field(default_factory=dict)
    absences: list[_Absence] = field(default_factory=list)
    holders: dict[str, str | None] = field(default_factory=dict)
    # Told of every turn that holds: (the entry, the officers eligible for it, and those who were not with why,
    # each in roster order).
    on_turn: Callable[[Mapping[str, Any], tuple[str, ...], tuple[tuple[str, str], ...]], None] | None = None

    def check(self, entry: Mapping[str, Any]) -> str | None:
        """Read one entry as apply() does; details it cannot read (hashed, yet not what assigner writes) are a
        problem too, never an exception."""
        try:
            return self.apply(entry)
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            return f"its details cannot be read ({type(error).__name__}: {error})"

    def apply(self, entry: Mapping[str, Any]) -> str | None:
        """Read one entry; returns why it does not hold, or None."""
        action, details, at = entry["action"], entry.get("details") or {}, entry_time(entry["occurred_at"])
        if action == "roster_import":
            if "turn" in details or "follows" in details:
                return "a roster import takes no turn and follows no group"
            return self._roster_import(details)
        if action == "officer_absent":
            self._absent(entry["officer_id"], (details.get("command") or {}))
        elif action == "officer_available":
            for absence in self._in_force(entry["officer_id"], None, at):
                absence.ended = True
            self.absences = [a for a in self.absences if not a.ended]
        problem = None
        if "turn" in details:
            problem = self._turn(entry, details, at)
        elif "follows" in details:
            problem = self._follows(entry, details["follows"])
        key = entry.get("declaration_key")
        if key and action in ("assigned", "reassigned", "held"):
            self.holders[key] = entry.get("officer_id")
        return problem

    def _roster_import(self, details: Mapping[str, Any]) -> str | None:
        for change in _objects(details.get("officers"), "officers"):
            officer_id, active = _text(change.get("officer_id"), "officer_id"), change.get("active")
            if isinstance(active, list) and len(active) == 2 and all(isinstance(a, bool) for a in active):
                self.active[officer_id] = active[1]  # [before, after]
            elif isinstance(active, bool):
                self.active[officer_id] = active
            elif active is not None:
                raise ValueError(f"active of {officer_id} is not true, false or [before, after]")
        for unit in _objects(details.get("units"), "units"):
            name, after = _text(unit.get("unit"), "unit"), _roster(unit.get("roster"), "roster")
            state = self.units.get(name)
            if state is None:
                self.units[name] = _UnitState(after)
                continue
            if _roster(unit.get("roster_before"), "roster_before") != state.roster:
                return f"roster of {name} before the import is not the one the log built"
            if after != state.roster:
                state.position = carry_cursor(state.roster, state.position, after)
                state.roster = after
        return None

    def _absent(self, officer_id: str, command: Mapping[str, Any]) -> None:
        units: list[str | None] = [
            f"{_text(u.get('customs_office'), 'customs_office')}/{_text(u.get('department'), 'department')}"
            for u in _objects(command.get("units"), "units")
        ]
        until = entry_time(_text(command["until"], "until")) if command.get("until") is not None else None
        for absence in self.absences:  # a new absence replaces the earlier ones of the same scope
            if absence.officer_id == officer_id and not absence.ended and (not units or absence.unit in units):
                absence.ended = True
        for unit in units or [None]:
            self.absences.append(_Absence(officer_id, unit, until))
        self.absences = [a for a in self.absences if not a.ended]  # an ended one counts no more: not kept

    def _in_force(self, officer_id: str, unit: str | None, at: datetime) -> list[_Absence]:
        return [
            a
            for a in self.absences
            if a.officer_id == officer_id
            and not a.ended
            and (a.until is None or at < a.until)
            and (unit is None or a.unit in (None, unit))
        ]

    def _turn(self, entry: Mapping[str, Any], details: Mapping[str, Any], at: datetime) -> str | None:
        name = f"{entry['customs_office']}/{entry['department']}"
        state = self.units.get(name)
        if state is None:
            return f"a turn in unit {name}, which no roster import created"
        unavailable: dict[str, Eligibility] = {}
        for officer_id in state.roster:
            if not self.active.get(officer_id, True):
                unavailable[officer_id] = Eligibility.INACTIVE
            elif self._in_force(officer_id, name, at):
                unavailable[officer_id] = Eligibility.ABSENT
        found = next_officer(roster_of(state.roster, unavailable), state.position)
        if found is None:
            return f"a turn in unit {name} while nobody was eligible"
        slot, skipped = found
        expected = {
            "officer_id": slot.officer_id,
            "position": slot.position,
            "cursor_from": state.position,
            "turn": state.turn + 1,
            "skipped": [{"officer_id": s.officer_id, "reason": s.reason.value} for s in skipped],
        }
        recorded = {**{k: details.get(k) for k in expected}, "officer_id": entry.get("officer_id")}
        for name_of, value in expected.items():
            if _as_json(recorded[name_of]) != _as_json(value):  # 1 is not true, nor 1.0
                return f"{name_of} is {recorded[name_of]!r}; the rotation rules give {value!r}"
        state.position, state.turn = slot.position, state.turn + 1
        if self.on_turn is not None:
            away = tuple((o, unavailable[o].value) for o in state.roster if o in unavailable)
            self.on_turn(entry, tuple(o for o in state.roster if o not in unavailable), away)
        return None

    def _follows(self, entry: Mapping[str, Any], follows: str) -> str | None:
        holder = self.holders.get(follows)
        if holder != entry.get("officer_id"):
            return f"follows declaration {follows}, held by {holder!r}, yet went to {entry.get('officer_id')!r}"
        return None


def entry_time(value: datetime | str) -> datetime:
    """An entry's time: as stored, or as exported (ISO 8601 text with its offset)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _as_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _objects(value: Any, what: str) -> list[Mapping[str, Any]]:
    """A list of objects (none when absent)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValueError(f"{what} is not a list of objects")
    return value


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} is not text")
    return value


def _roster(value: Any, what: str) -> list[str]:
    """A roster: officer ids, each once."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{what} is not a list of officer ids")
    if len(set(value)) != len(value):
        raise ValueError(f"{what} names an officer twice")
    return list(value)
