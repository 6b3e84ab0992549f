"""Re-deriving the rotation from the audit log alone: every turn must be the one the rules give.

The replay starts from nothing and reads the entries in chain order: roster imports set each unit's
roster (and move its cursor as the import did), officers' activity, absences and returns; then each
entry that took a turn must name the officer, position, skipped officers, cursor and turn number
that the rotation rules give at that point. An entry that follows a group must name the officer
who had the declaration it follows.

A unit set to draw its turns (rotation_mode entries) draws each among the eligible officers its round has not
served: the officer must be one of them, the key's day committed before and not revealed, the head named a seal
before the entry's own (no older than the one its unit's last draw could see); the draw itself is re-derived
once the day's key is revealed (draw_key_revealed), after checking the key against its commitment.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from assigner.domain.audit_chain import GENESIS
from assigner.domain.draws import ModeState, RotationMode, commitment, draw_message, drawn_index, switched
from assigner.domain.rotation import Eligibility, carry_cursor, next_officer, roster_of


@dataclass
class _UnitState:
    roster: list[str]
    position: int = 0
    turn: int = 0
    mode: ModeState = ModeState.SEQUENTIAL
    served: set[str] = field(default_factory=set)
    drawn_in: tuple[int, int] = (0, 0)  # its last drawn turn: (the seal it is under, the head seal it named)
    # The seals of its last two transactions written under its lock (a turn, a mode, a roster import): the head
    # a draw reads once the unit is locked is at least the last of them before its own.
    touched: tuple[int, int] = (0, 0)

    def touch(self, seal: int) -> None:
        """An entry written under the unit's lock, in the transaction of `seal`."""
        if seal != self.touched[0]:
            self.touched = (seal, self.touched[0])

    def floor(self, seal: int) -> int:
        """The oldest head a draw under `seal` may name: the unit's last transaction before it."""
        return self.touched[1] if self.touched[0] == seal else self.touched[0]


@dataclass
class _Key:
    """A day's key as the trail has it: committed, and what waits for its reveal."""

    commitment: str
    starts_at: datetime
    ends_at: datetime
    committed_in: int  # the seal of its commitment: a draw's head must be at least it
    revealed: bool = False
    # Each draw made with it, re-derived at the reveal: (what names it, its message, candidates, officer drawn).
    draws: list[tuple[str, bytes, tuple[str, ...], str]] = field(default_factory=list)


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
    keys: dict[str, _Key] = field(default_factory=dict)  # by day
    current_seal: int = 0  # the seal whose entries are read
    _heads: bytearray = field(default_factory=bytearray)  # every seal's hash, 32 bytes each, in seal order

    def seal(self, seq: int, head: str) -> None:
        """A seal, read before its entries (in chain order, from the first): the heads draws may name."""
        if seq == len(self._heads) // 32 + 1:
            self._heads += bytes.fromhex(head)
        self.current_seal = seq

    def awaiting(self) -> dict[str, int]:
        """The draws whose day's key is not revealed yet (by day): checked but for the draw itself."""
        return {day: len(key.draws) for day, key in sorted(self.keys.items()) if not key.revealed and key.draws}

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
        elif action in ("rotation_mode", "draw_key_committed", "draw_key_revealed"):
            if "turn" in details or "follows" in details:
                return f"a {action} entry takes no turn and follows no group"
            if action == "rotation_mode":
                return self._mode(entry, details)
            return self._commit_key(details) if action == "draw_key_committed" else self._reveal_key(details)
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
                self.units[name].touch(self.current_seal)
                continue
            state.touch(self.current_seal)
            if _roster(unit.get("roster_before"), "roster_before") != state.roster:
                return f"roster of {name} before the import is not the one the log built"
            if after != state.roster:
                state.position = carry_cursor(state.roster, state.position, after)
                state.roster = after
        return None

    def _mode(self, entry: Mapping[str, Any], details: Mapping[str, Any]) -> str | None:
        name = f"{entry['customs_office']}/{entry['department']}"
        state = self.units.get(name)
        if state is None:
            return f"sets the rotation mode of unit {name}, which no roster import created"
        mode = details.get("mode")
        if mode not in ("sequential", "drawn"):
            return f"sets unit {name} to {mode!r}, which is no rotation mode"
        if details.get("before") != state.mode.value:
            return f"says unit {name} was {details.get('before')!r}; the log made it {state.mode.value!r}"
        after = switched(state.mode, RotationMode(mode), state.roster, state.position, frozenset(state.served))
        if after is None:
            return f"sets unit {name} to {mode!r}, as it was already"
        expected = {"state": after[0].value, "served": sorted(after[1])}
        for name_of, value in expected.items():
            if _as_json(details.get(name_of)) != _as_json(value):
                return f"{name_of} is {details.get(name_of)!r}; the rotation rules give {value!r}"
        state.mode, state.served = after[0], set(after[1])
        state.touch(self.current_seal)
        return None

    def _commit_key(self, details: Mapping[str, Any]) -> str | None:
        day, starts_at, ends_at = (_text(details.get(k), k) for k in ("day", "starts_at", "ends_at"))
        promised = _hex64(details.get("commitment"), "commitment")
        if not _DAY.fullmatch(day):
            raise ValueError("day is not a day written YYYY-MM-DD")
        if day in self.keys:
            return f"commits a second key for {day}"
        starts, ends = entry_time(starts_at), entry_time(ends_at)
        if not starts < ends:
            return f"commits a key for {day} that serves no time ({starts_at} to {ends_at})"
        for other, key in self.keys.items():
            if starts < key.ends_at and key.starts_at < ends:
                return f"commits a key for {day} whose time overlaps the key of {other}"
            if key.commitment == promised:
                return f"commits for {day} the commitment of {other}"
        self.keys[day] = _Key(promised, starts, ends, self.current_seal)
        return None

    def _reveal_key(self, details: Mapping[str, Any]) -> str | None:
        day, secret = _text(details.get("day"), "day"), bytes.fromhex(_hex64(details.get("key"), "key"))
        key = self.keys.get(day)
        if key is None:
            return f"reveals a key for {day}, which no entry before committed"
        if key.revealed:
            return f"reveals the key of {day} a second time"
        if commitment(secret) != key.commitment:
            return f"the key revealed for {day} does not match its commitment (its SHA-256 is not {key.commitment})"
        key.revealed = True
        draws, key.draws = key.draws, []
        for named, message, candidates, drawn in draws:
            given = candidates[drawn_index(secret, message, len(candidates))]
            if given != drawn:
                return f"the draw of {named} went to {drawn!r}; the key of {day} draws {given!r}"
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
        eligible = [o for o in state.roster if o not in unavailable]
        if state.mode is ModeState.DRAWN_THEN_SEQUENTIAL and eligible and set(eligible) <= state.served:
            state.mode, state.served, state.position = ModeState.SEQUENTIAL, set(), 0  # roster order from the first
        if state.mode is not ModeState.SEQUENTIAL:
            expected, problem = self._drawn(entry, details, state, unavailable, at, name)
            if problem is not None:
                return problem
        else:
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
        state.position, state.turn = expected["position"], state.turn + 1
        if state.mode is not ModeState.SEQUENTIAL:
            self._drawn_taken(entry, details, state, name)
        state.touch(self.current_seal)
        if self.on_turn is not None:
            away = tuple((o, unavailable[o].value) for o in state.roster if o in unavailable)
            self.on_turn(entry, tuple(o for o in state.roster if o not in unavailable), away)
        return None

    def _drawn(
        self,
        entry: Mapping[str, Any],
        details: Mapping[str, Any],
        state: _UnitState,
        unavailable: Mapping[str, Eligibility],
        at: datetime,
        name: str,
    ) -> tuple[dict[str, Any], str | None]:
        """What a drawn turn must say, or why it cannot hold whatever it says."""
        eligible = [o for o in state.roster if o not in unavailable]
        candidates = [o for o in eligible if o not in state.served] or eligible
        officer = entry.get("officer_id")
        draw = details.get("draw")
        if not eligible:
            return {}, f"a turn in unit {name} while nobody was eligible"
        if officer not in candidates:
            return {}, f"officer_id is {officer!r}, whom the round does not leave to draw (it leaves {candidates})"
        if not isinstance(draw, dict):
            return {}, "a drawn turn that names no draw"
        problem = self._draw_inputs(draw, state, at)
        skipped = [{"officer_id": o, "reason": unavailable[o].value} for o in state.roster if o in unavailable]
        expected = {
            "officer_id": officer,
            "position": state.roster.index(str(officer)) + 1,
            "cursor_from": state.position,
            "turn": state.turn + 1,
            "skipped": skipped,
            "draw": {**{k: draw.get(k) for k in ("day", "head_seq", "head")}, "candidates": candidates},
        }
        expected["draw"]["new_round"] = not [o for o in eligible if o not in state.served]
        return expected, problem

    def _draw_inputs(self, draw: Mapping[str, Any], state: _UnitState, at: datetime) -> str | None:
        """Why a draw's key or head cannot be the ones it was made with, if they cannot."""
        day, head_seq, head = draw.get("day"), draw.get("head_seq"), draw.get("head")
        key = self.keys.get(day) if isinstance(day, str) else None
        if key is None:
            return f"drawn with the key of {day!r}, which no entry before committed"
        if key.revealed:
            return f"drawn with the key of {day}, revealed before it"
        if not key.starts_at <= at < key.ends_at:
            serves = f"{key.starts_at.isoformat()} to {key.ends_at.isoformat()}"
            return f"drawn at {at.isoformat()} with the key of {day}, which serves {serves}"
        if type(head_seq) is not int or not 0 <= head_seq < self.current_seal:
            return f"names head seal {head_seq!r}, not a seal before its own ({self.current_seal})"
        if head_seq < key.committed_in:
            return f"names head seal {head_seq}, before the key of {day} was committed (under seal {key.committed_in})"
        last_seal, last_head = state.drawn_in
        if last_seal == self.current_seal and head_seq != last_head:  # one transaction draws with one head
            return f"names head seal {head_seq}; its transaction's draw before named {last_head}"
        floor = state.floor(self.current_seal)  # read once the unit was locked: after its last transaction
        if head_seq < floor:
            return f"names head seal {head_seq}, older than its unit's last transaction (under seal {floor}) left"
        if head != self._head(head_seq):
            return f"names head {head!r} for seal {head_seq}, whose hash is {self._head(head_seq)!r}"
        return None

    def _head(self, seq: int) -> str | None:
        if seq == 0:
            return GENESIS
        found = self._heads[32 * (seq - 1) : 32 * seq]
        return found.hex() if len(found) == 32 else None

    def _drawn_taken(self, entry: Mapping[str, Any], details: Mapping[str, Any], state: _UnitState, name: str) -> None:
        """A drawn turn that holds: its officer served this round, its draw kept for its key's reveal."""
        draw, officer = details["draw"], str(entry["officer_id"])
        if draw["new_round"]:
            state.served = set()
        state.served.add(officer)
        state.drawn_in = (self.current_seal, draw["head_seq"])
        turn, key = state.turn, str(entry.get("declaration_key"))
        message = draw_message(name, turn, key, draw["day"], draw["head_seq"], draw["head"])
        named = f"declaration {key} (turn {turn} of unit {name})"
        self.keys[draw["day"]].draws.append((named, message, tuple(draw["candidates"]), officer))

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


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def _hex64(value: Any, what: str) -> str:
    """A key or a commitment: 64 lowercase hex digits, exactly."""
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise ValueError(f"{what} is not 64 lowercase hex digits")
    return value


def _roster(value: Any, what: str) -> list[str]:
    """A roster: officer ids, each once."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{what} is not a list of officer ids")
    if len(set(value)) != len(value):
        raise ValueError(f"{what} names an officer twice")
    return list(value)
