#!/usr/bin/env python3
"""Verify an export of assigner's audit trail with Python's standard library alone.

    python3 -I tools/verify_audit.py EXPORT.jsonl [--since HEAD]

It needs nothing of assigner: this one file, written from the format (docs/audit-format.md) and the rules
(docs/rules.md), so that anyone can read it, run it, or write their own. It checks, in the file's order:

- each seal: next in number, linked to the seal before it, its hash from its content;
- each entry: next in its batch, linked to the entry before it, its hash from its content; each batch as
  long as its seal says and ending with the hash it says; no entry outside a seal;
- from the start of the log, every turn of every rotation, re-derived from the roster imports, officers'
  activity, absences and returns that came before it; every entry that follows a group, against who had
  the declaration it follows;
- in a unit set to draw its turns: each officer drawn among those the round leaves, with a key committed
  before and not yet revealed, and a head no older than the unit's last draw could see; once the day's key
  is revealed (and matches its commitment), each of its draws re-derived by its HMAC.

It prints "OK: ... head H" (keep H: a later export checked with --since H must pass through it) or
"FAILED at entry N: why", N counted from 1 in the order of the log (after the export's starting head, if
it has one). Exit status: 0 when everything holds, 1 when something does not or the file is no export.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import math
import re
import sys
from datetime import datetime

FORMAT, VERSION = "assigner-audit", 1
GENESIS = "0" * 64
# What an entry's hash covers, and a seal's (docs/audit-format.md, "Hashes").
CHAINED = (
    "seq",
    "occurred_at",
    "actor",
    "action",
    "mode",
    "declaration_key",
    "declaration_number",
    "customs_office",
    "department",
    "officer_id",
    "previous_officer_id",
    "command_id",
    "reason",
    "details",
)
SEALED = ("seq", "batch", "entries", "last_hash", "sealed_at")
HEADER_FIELDS = ("record", "format", "version", "exported_at", "since", "since_seal")
SEAL_FIELDS = ("record", *SEALED, "prev_hash", "hash")
ENTRY_FIELDS = ("record", "batch", *CHAINED, "prev_hash", "hash")
COUNTS = {"seq", "batch", "entries"}
HASHES = {"last_hash", "prev_hash", "hash"}
TIMES = {"occurred_at", "sealed_at"}
TEXTS = {"actor", "action"}
# What a printed line may not hold as it is: control characters, lone surrogates, line separators; and how
# much of it is printed (it may quote what the file says).
UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")
SHOWN = 1000
TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{6})?\+00:00")
MAX_DEPTH = 64  # arrays and objects in arrays and objects, the line's own included
MAX_DIGITS = 64  # in an integer


class Failure(Exception):
    """The first thing that does not hold, at entry `at` of the log."""

    def __init__(self, at, problem):
        super().__init__(problem)
        self.at, self.problem = at, problem


class Unreadable(Exception):
    """A line that is not what the format says."""


# ---- hashes ------------------------------------------------------------------------------------------------


def canonical(record, names):
    """The named fields (null when absent) as JSON: keys sorted, no spaces, text as UTF-8, not escaped."""
    body = {name: record.get(name) for name in names}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def link_hash(prev_hash, body):
    """SHA-256, in lowercase hex, of the hash before (its 64 hex digits), a line feed, and the canonical body."""
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + body).hexdigest()


# ---- reading the file ----------------------------------------------------------------------------------------


def parse(number, raw):
    if too_deep(raw):
        raise Unreadable(f"line {number}: is nested deeper than {MAX_DEPTH} levels")
    try:
        record = json.loads(
            raw.decode("utf-8"),
            parse_constant=refuse_constant,
            parse_int=integer,
            parse_float=fraction,
            object_pairs_hook=no_key_twice,
        )
        json.dumps(record, ensure_ascii=False).encode("utf-8")  # no lone surrogate
    except UnicodeError:
        raise Unreadable(f"line {number}: has text that is not UTF-8") from None
    except (ValueError, RecursionError) as error:
        raise Unreadable(f"line {number}: is not JSON ({error})") from None
    if not isinstance(record, dict):
        raise Unreadable(f"line {number}: is not a JSON object")
    return record


def too_deep(raw):
    """Whether arrays and objects nest deeper than MAX_DEPTH."""
    depth, in_text, escaped = 0, False, False
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return False
    for byte in raw:
        if in_text:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_text = False
        elif byte == 0x22:
            in_text = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > MAX_DEPTH:
                return True
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return False


def refuse_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def integer(digits):
    if len(digits.lstrip("-")) > MAX_DIGITS:
        raise ValueError(f"an integer of more than {MAX_DIGITS} digits")
    return int(digits)


def fraction(written):
    value = float(written)
    if not math.isfinite(value):
        raise ValueError(f"{written} is beyond the largest number")
    return value


def no_key_twice(pairs):
    record = dict(pairs)
    if len(record) != len(pairs):
        raise ValueError("a key is written twice in one object")
    return record


def same_fields(number, record, kind, names):
    if set(record) != set(names):
        missing, extra = sorted(set(names) - set(record)), sorted(set(record) - set(names))
        raise Unreadable(f"line {number}: the {kind}'s fields are not the format's (missing {missing}, extra {extra})")


def is_count(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def is_hash(value):
    return isinstance(value, str) and len(value) == 64 and set(value) <= set("0123456789abcdef")


def is_time(value):
    """A time as the export writes it: UTC, ISO 8601, seconds or microseconds, +00:00."""
    if not isinstance(value, str) or not TIME.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def read_header(number, raw):
    record = parse(number, raw)
    if record.get("record") != "header":
        raise Unreadable(f"line {number}: is not the header")
    same_fields(number, record, "header", HEADER_FIELDS)
    if record["format"] != FORMAT or not is_count(record["version"]) or record["version"] != VERSION:
        raise Unreadable(f"line {number}: not an {FORMAT} export of version {VERSION}")
    if not is_time(record["exported_at"]):
        raise Unreadable(f"line {number}: exported_at is not a time (UTC, ISO 8601, +00:00)")
    since, since_seal = record["since"], record["since_seal"]
    if since is not None and not is_hash(since):
        raise Unreadable(f"line {number}: since is not a head (64 hex digits)")
    if not is_count(since_seal) or (since is None) != (since_seal == 0):
        raise Unreadable(f"line {number}: since_seal is not the number of the seal with the since head")
    return since, since_seal


def read_line(number, raw):
    """('seal' or 'entry', its fields), each of the type the format gives it."""
    record = parse(number, raw)
    kind = record.get("record")
    if kind not in ("seal", "entry"):
        raise Unreadable(f"line {number}: is neither a seal nor an entry")
    same_fields(number, record, kind, SEAL_FIELDS if kind == "seal" else ENTRY_FIELDS)
    del record["record"]
    for name, value in record.items():
        problem = type_problem(name, value)
        if problem is not None:
            raise Unreadable(f"line {number}: {name} {problem}")
    return kind, record


def type_problem(name, value):
    if name in COUNTS:
        return None if is_count(value) else "is not a whole number"
    if name in HASHES:
        return None if is_hash(value) else "is not a hash (64 hex digits)"
    if name in TIMES:
        return None if is_time(value) else "is not a time (UTC, ISO 8601, +00:00)"
    if name in TEXTS:
        return None if isinstance(value, str) else "is not text"
    if name == "details":
        return None if isinstance(value, dict) else "is not an object"
    return None if value is None or isinstance(value, str) else "is not text or null"


# ---- the rotation, re-derived (docs/rules.md, rules 2 and 6) -------------------------------------------------


class Unit:
    def __init__(self, roster):
        self.roster = roster  # officer ids in roster order: positions 1..n
        self.position = 0  # the cursor: the position of the officer served last (0: before the first)
        self.turn = 0  # the unit's turn counter
        self.mode = "sequential"  # or "drawn", or "drawn_then_sequential" (drawn until its round ends)
        self.served = set()  # drawn: the officers this round has served
        self.drawn_in = (0, 0)  # drawn: its last draw's (own seal, head seal named)
        self.touched = (0, 0)  # the seals of its last two transactions that wrote under its lock

    def touch(self, seal):
        if seal != self.touched[0]:
            self.touched = (seal, self.touched[0])

    def floor(self, seal):
        return self.touched[1] if self.touched[0] == seal else self.touched[0]


class Key:
    def __init__(self, commitment, starts_at, ends_at, committed_in):
        self.commitment, self.starts_at, self.ends_at = commitment, starts_at, ends_at
        self.committed_in = committed_in  # the seal its commitment is under
        self.revealed = False
        self.draws = []  # (what names it, HMAC message, candidates, officer drawn), checked at the reveal


class Absence:
    def __init__(self, officer_id, unit, until):
        self.officer_id, self.unit, self.until, self.ended = officer_id, unit, until, False


class Replay:
    """The rotations as the entries read so far make them."""

    def __init__(self):
        self.units = {}  # "office/department" -> Unit
        self.active = {}  # officer id -> active (an officer never named is active)
        self.absences = []
        self.holders = {}  # declaration key -> the officer_id of its last assigned, reassigned or held entry
        self.keys = {}  # day -> Key
        self.current_seal = 0
        self.heads = {0: GENESIS}  # seal number -> its hash

    def seal(self, seq, head):
        self.heads[seq] = head
        self.current_seal = seq

    def apply(self, entry):
        """Read one entry; why it does not follow the rules, or None."""
        action, details = entry["action"], entry.get("details") or {}
        at = datetime.fromisoformat(entry["occurred_at"])
        if action == "roster_import":
            if "turn" in details or "follows" in details:
                return "a roster import takes no turn and follows no group"
            return self.roster_import(details)
        if action == "officer_absent":
            self.absent(entry["officer_id"], details.get("command") or {})
        elif action == "officer_available":
            for absence in self.in_force(entry["officer_id"], None, at):
                absence.ended = True
            self.absences = [a for a in self.absences if not a.ended]
        elif action in ("rotation_mode", "draw_key_committed", "draw_key_revealed"):
            if "turn" in details or "follows" in details:
                return f"a {action} entry takes no turn and follows no group"
            if action == "rotation_mode":
                return self.set_mode(entry, details)
            if action == "draw_key_committed":
                return self.commit_key(details)
            return self.reveal_key(details)
        problem = None
        if "turn" in details:
            problem = self.turn(entry, details, at)
        elif "follows" in details:
            holder = self.holders.get(details["follows"])
            if holder != entry.get("officer_id"):
                problem = (
                    f"follows declaration {details['follows']}, held by {holder!r}, "
                    f"yet went to {entry.get('officer_id')!r}"
                )
        key = entry.get("declaration_key")
        if key and action in ("assigned", "reassigned", "held"):
            self.holders[key] = entry.get("officer_id")
        return problem

    def roster_import(self, details):
        for change in objects(details.get("officers"), "officers"):
            officer_id, active = text(change.get("officer_id"), "officer_id"), change.get("active")
            if isinstance(active, list) and len(active) == 2 and all(isinstance(a, bool) for a in active):
                self.active[officer_id] = active[1]  # [before, after]
            elif isinstance(active, bool):
                self.active[officer_id] = active
            elif active is not None:
                raise ValueError(f"active of {officer_id} is not true, false or [before, after]")
        for change in objects(details.get("units"), "units"):
            name, after = text(change.get("unit"), "unit"), roster(change.get("roster"), "roster")
            unit = self.units.get(name)
            if unit is None:
                self.units[name] = Unit(after)
                self.units[name].touch(self.current_seal)
                continue
            unit.touch(self.current_seal)
            if roster(change.get("roster_before"), "roster_before") != unit.roster:
                return f"roster of {name} before the import is not the one the log built"
            if after != unit.roster:
                unit.position = carried(unit.roster, unit.position, after)
                unit.roster = after
        return None

    def set_mode(self, entry, details):
        name = f"{entry['customs_office']}/{entry['department']}"
        unit = self.units.get(name)
        if unit is None:
            return f"sets the rotation mode of unit {name}, which no roster import created"
        mode = details.get("mode")
        if mode not in ("sequential", "drawn"):
            return f"sets unit {name} to {mode!r}, which is no rotation mode"
        if details.get("before") != unit.mode:
            return f"says unit {name} was {details.get('before')!r}; the log made it {unit.mode!r}"
        # Rule 2 across the switch: roster order has served those up to the cursor, so a drawn round goes on
        # with the others; a drawn round partly served ends drawn, then roster order follows.
        if unit.mode == "sequential" and mode == "drawn":
            after = ("drawn", set(unit.roster[: unit.position]))
        elif unit.mode == "drawn" and mode == "sequential":
            after = ("drawn_then_sequential", set(unit.served)) if unit.served else ("sequential", set())
        elif unit.mode == "drawn_then_sequential" and mode == "drawn":
            after = ("drawn", set(unit.served))
        else:
            return f"sets unit {name} to {mode!r}, as it was already"
        expected = {"state": after[0], "served": sorted(after[1])}
        for name_of, value in expected.items():
            if as_json(details.get(name_of)) != as_json(value):
                return f"{name_of} is {details.get(name_of)!r}; the rotation rules give {value!r}"
        unit.mode, unit.served = after
        unit.touch(self.current_seal)
        return None

    def commit_key(self, details):
        day, starts_at, ends_at = (text(details.get(k), k) for k in ("day", "starts_at", "ends_at"))
        promised = hex64(details.get("commitment"), "commitment")
        if not DAY.fullmatch(day):
            raise ValueError("day is not a day written YYYY-MM-DD")
        if day in self.keys:
            return f"commits a second key for {day}"
        starts, ends = datetime.fromisoformat(starts_at), datetime.fromisoformat(ends_at)
        if not starts < ends:
            return f"commits a key for {day} that serves no time ({starts_at} to {ends_at})"
        for other, key in self.keys.items():
            if starts < key.ends_at and key.starts_at < ends:
                return f"commits a key for {day} whose time overlaps the key of {other}"
            if key.commitment == promised:
                return f"commits for {day} the commitment of {other}"
        self.keys[day] = Key(promised, starts, ends, self.current_seal)
        return None

    def reveal_key(self, details):
        day, secret = text(details.get("day"), "day"), bytes.fromhex(hex64(details.get("key"), "key"))
        key = self.keys.get(day)
        if key is None:
            return f"reveals a key for {day}, which no entry before committed"
        if key.revealed:
            return f"reveals the key of {day} a second time"
        if hashlib.sha256(secret).hexdigest() != key.commitment:
            return f"the key revealed for {day} does not match its commitment (its SHA-256 is not {key.commitment})"
        key.revealed = True
        draws, key.draws = key.draws, []
        for named, message, candidates, drawn in draws:
            digest = hmac.new(secret, message, hashlib.sha256).digest()
            given = candidates[int.from_bytes(digest, "big") % len(candidates)]
            if given != drawn:
                return f"the draw of {named} went to {drawn!r}; the key of {day} draws {given!r}"
        return None

    def awaiting(self):
        return {day: len(key.draws) for day, key in sorted(self.keys.items()) if not key.revealed and key.draws}

    def absent(self, officer_id, command):
        units = [
            f"{text(u.get('customs_office'), 'customs_office')}/{text(u.get('department'), 'department')}"
            for u in objects(command.get("units"), "units")
        ]
        until = datetime.fromisoformat(text(command["until"], "until")) if command.get("until") is not None else None
        for absence in self.absences:  # a new absence replaces the earlier ones of the same scope
            if absence.officer_id == officer_id and not absence.ended and (not units or absence.unit in units):
                absence.ended = True
        for unit in units or [None]:
            self.absences.append(Absence(officer_id, unit, until))
        self.absences = [a for a in self.absences if not a.ended]  # an ended one counts no more: not kept

    def in_force(self, officer_id, unit, at):
        return [
            a
            for a in self.absences
            if a.officer_id == officer_id
            and not a.ended
            and (a.until is None or at < a.until)
            and (unit is None or a.unit in (None, unit))
        ]

    def turn(self, entry, details, at):
        name = f"{entry['customs_office']}/{entry['department']}"
        unit = self.units.get(name)
        if unit is None:
            return f"a turn in unit {name}, which no roster import created"
        reasons = {}  # why each officer of the roster cannot take it now, if they cannot
        for officer_id in unit.roster:
            if not self.active.get(officer_id, True):
                reasons[officer_id] = "inactive"
            elif self.in_force(officer_id, name, at):
                reasons[officer_id] = "absent"
        eligible = [o for o in unit.roster if o not in reasons]
        if unit.mode == "drawn_then_sequential" and eligible and set(eligible) <= unit.served:
            unit.mode, unit.served, unit.position = "sequential", set(), 0  # its round is over: roster order, from 1
        if unit.mode != "sequential":
            problem = self.drawn_turn(entry, details, at, name, unit, reasons)
            if problem is None:
                unit.touch(self.current_seal)
            return problem
        count = len(unit.roster)
        start = min(max(unit.position, 0), count)  # the index of the first position after the cursor
        skipped, chosen = [], None
        for step in range(count):
            position = (start + step) % count + 1
            officer_id = unit.roster[position - 1]
            if officer_id in reasons:
                skipped.append({"officer_id": officer_id, "reason": reasons[officer_id]})
            else:
                chosen = (officer_id, position)
                break
        if chosen is None:
            return f"a turn in unit {name} while nobody was eligible"
        expected = {
            "officer_id": chosen[0],
            "position": chosen[1],
            "cursor_from": unit.position,
            "turn": unit.turn + 1,
            "skipped": skipped,
        }
        recorded = {name_of: details.get(name_of) for name_of in expected}
        recorded["officer_id"] = entry.get("officer_id")
        for name_of, value in expected.items():
            if as_json(recorded[name_of]) != as_json(value):  # 1 is not true, nor 1.0
                return f"{name_of} is {recorded[name_of]!r}; the rotation rules give {value!r}"
        unit.position, unit.turn = chosen[1], unit.turn + 1
        unit.touch(self.current_seal)
        return None

    def drawn_turn(self, entry, details, at, name, unit, reasons):
        """A turn of a unit that draws: among the eligible officers the round has not served (all of them again
        once it served each), the one the day's key draws (re-derived at the key's reveal)."""
        eligible = [o for o in unit.roster if o not in reasons]
        left = [o for o in eligible if o not in unit.served]
        candidates = left or eligible
        officer, draw = entry.get("officer_id"), details.get("draw")
        if not eligible:
            return f"a turn in unit {name} while nobody was eligible"
        if officer not in candidates:
            return f"officer_id is {officer!r}, whom the round does not leave to draw (it leaves {candidates})"
        if not isinstance(draw, dict):
            return "a drawn turn that names no draw"
        problem = self.draw_inputs(draw, unit, at)
        if problem is not None:
            return problem
        expected = {
            "officer_id": officer,
            "position": unit.roster.index(officer) + 1,
            "cursor_from": unit.position,
            "turn": unit.turn + 1,
            "skipped": [{"officer_id": o, "reason": reasons[o]} for o in unit.roster if o in reasons],
            "draw": {
                "day": draw.get("day"),
                "head_seq": draw.get("head_seq"),
                "head": draw.get("head"),
                "candidates": candidates,
                "new_round": not left,
            },
        }
        recorded = {name_of: details.get(name_of) for name_of in expected}
        recorded["officer_id"] = officer
        for name_of, value in expected.items():
            if as_json(recorded[name_of]) != as_json(value):
                return f"{name_of} is {recorded[name_of]!r}; the rotation rules give {value!r}"
        unit.position, unit.turn = expected["position"], unit.turn + 1
        if not left:
            unit.served = set()
        unit.served.add(officer)
        unit.drawn_in = (self.current_seal, draw["head_seq"])
        # The HMAC's message: canonical JSON of these six fields (docs/audit-format.md, "Drawn turns").
        message = {
            "day": draw["day"],
            "declaration_key": str(entry.get("declaration_key")),
            "head": draw["head"],
            "head_seq": draw["head_seq"],
            "turn": unit.turn,
            "unit": name,
        }
        message = json.dumps(message, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        named = f"declaration {entry.get('declaration_key')} (turn {unit.turn} of unit {name})"
        self.keys[draw["day"]].draws.append((named, message, tuple(candidates), officer))
        return None

    def draw_inputs(self, draw, unit, at):
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
        last_seal, last_head = unit.drawn_in
        if last_seal == self.current_seal and head_seq != last_head:
            return f"names head seal {head_seq}; its transaction's draw before named {last_head}"
        floor = unit.floor(self.current_seal)
        if head_seq < floor:
            return f"names head seal {head_seq}, older than its unit's last transaction (under seal {floor}) left"
        if head != self.heads.get(head_seq):
            return f"names head {head!r} for seal {head_seq}, whose hash is {self.heads.get(head_seq)!r}"
        return None


def as_json(value):
    return json.dumps(value, sort_keys=True)


def objects(value, what):
    """A list of objects (none when absent)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ValueError(f"{what} is not a list of objects")
    return value


def text(value, what):
    if not isinstance(value, str):
        raise ValueError(f"{what} is not text")
    return value


DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
HEX64 = re.compile(r"[0-9a-f]{64}")


def hex64(value, what):
    """A key or a commitment: 64 lowercase hex digits, exactly."""
    if not isinstance(value, str) or not HEX64.fullmatch(value):
        raise ValueError(f"{what} is not 64 lowercase hex digits")
    return value


def roster(value, what):
    """A roster: officer ids, each once."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{what} is not a list of officer ids")
    if len(set(value)) != len(value):
        raise ValueError(f"{what} names an officer twice")
    return list(value)


def carried(before, position, after):
    """The cursor on a changed roster: after the officer served last, or after the nearest earlier officer
    who stayed; before the first if none did."""
    for officer_id in reversed(before[:position]):
        if officer_id in after:
            return after.index(officer_id) + 1
    return 0


# ---- the walk -----------------------------------------------------------------------------------------------


class Walk:
    def __init__(self, replay, head, seal):
        self.replay, self.head, self.seal = replay, head, seal
        self.entries = self.turns = 0
        self.open = None  # the seal whose entries are being read
        self.read = 0
        self.prev = GENESIS

    def take_seal(self, seal):
        self.close()
        at = self.entries + 1
        if seal["seq"] != self.seal + 1:
            raise Failure(at, f"seal {self.seal + 1} is missing (deleted?)")
        if seal["prev_hash"] != self.head:
            raise Failure(
                at, f"seal {seal['seq']} does not link to the seal before it (a seal was deleted or rewritten)"
            )
        if link_hash(self.head, canonical(seal, SEALED)) != seal["hash"]:
            raise Failure(at, f"seal {seal['seq']}'s content does not match its hash (the seal was edited)")
        self.open, self.read, self.prev = seal, 0, GENESIS
        if self.replay is not None:
            self.replay.seal(seal["seq"], seal["hash"])

    def take_entry(self, entry):
        if self.open is None or entry["batch"] != self.open["batch"]:
            self.close()
            raise Failure(
                self.entries + 1, f"entry {entry['seq']} of batch {entry['batch']} is under no seal (inserted?)"
            )
        at = self.entries + 1
        self.read += 1
        if entry["seq"] != self.read:
            raise Failure(at, f"entry {self.read} of its batch is missing (deleted?)")
        if entry["prev_hash"] != self.prev:
            raise Failure(at, "does not link to the entry before it (an entry was deleted, inserted or rewritten)")
        if link_hash(self.prev, canonical(entry, CHAINED)) != entry["hash"]:
            raise Failure(at, "its content does not match its hash (the entry was edited)")
        if self.replay is not None:
            try:
                rule = self.replay.apply(entry)
            except (KeyError, TypeError, ValueError, AttributeError) as error:
                rule = f"its details cannot be read ({type(error).__name__}: {error})"
            if rule:
                raise Failure(at, f"does not follow the rotation rules: {rule}")
        self.entries += 1
        self.turns += "turn" in (entry.get("details") or {})
        self.prev = entry["hash"]

    def close(self):
        """The open seal's batch is read; returns the head it makes, or None if no seal was open."""
        seal = self.open
        if seal is None:
            return None
        if self.read != seal["entries"]:
            raise Failure(self.entries + 1, f"entry {self.entries + 1} is missing (deleted?)")
        if self.prev != seal["last_hash"]:
            raise Failure(self.entries, "its batch does not end as its seal says (an entry was rewritten)")
        self.head, self.seal, self.open = seal["hash"], seal["seq"], None
        return self.head


def verify(path, since=None):
    """Returns (exit status, the line to print), safe to print."""
    status, line = verdict(path, since)
    return status, line if line.startswith("error: ") else shown(line)


def verdict(path, since):
    with open(path, "rb") as lines:
        numbered = enumerate(lines, start=1)
        try:
            start, start_seal = read_header(1, next(numbered, (1, b""))[1])
        except Unreadable as error:
            return 1, "error: " + " ".join(shown(f"not an audit export: {error}").split())
        walk = Walk(Replay() if start is None else None, start or GENESIS, start_seal)
        passed = since is None or since == start
        try:
            for number, raw in numbered:
                try:
                    kind, fields = read_line(number, raw)
                except Unreadable as error:
                    raise Failure(walk.entries + 1, str(error)) from None
                if kind == "seal":
                    passed = walk.close() == since or passed
                    walk.take_seal(fields)
                else:
                    walk.take_entry(fields)
            passed = walk.close() == since or passed
            if not passed:
                raise Failure(
                    walk.entries + 1, f"head {since} is not in this export (it starts at {start or 'nothing'})"
                )
        except Failure as failure:
            where = f" after head {start}" if start else ""
            return (
                1,
                f"FAILED at entry {failure.at}{where}: {failure.problem} ({walk.entries:,} entries before it hold)",
            )
    if start:
        return 0, (
            f"OK: {walk.entries:,} entries after head {start} chained to it (turns are re-derived by a full verify); "
            f"head {walk.head}"
        )
    waiting = "".join(f"; {n:,} drawn turns of {day} await its key" for day, n in walk.replay.awaiting().items())
    return (
        0,
        f"OK: {walk.entries:,} entries chained, {walk.turns:,} turns re-derived from the rotation rules"
        f"{waiting}; head {walk.head}",
    )


def shown(text):
    """`text` safe to print: unsafe characters escaped (\\x1b, \\u2028), cut after SHOWN characters."""
    cut = len(text) > SHOWN
    escaped = UNSAFE.sub(escape, text[:SHOWN])[:SHOWN]
    if cut:
        escaped += f"… ({len(text) - SHOWN:,} more characters)"
    return escaped


def escape(match):
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def main(argv=None):
    if sys.version_info < (3, 11):  # noqa: UP036 (run by any python3, not only the project's)
        print("error: this verifier needs Python 3.11 or later (it reads times as 3.11 does)", file=sys.stderr)
        return 1
    parser = argparse.ArgumentParser(description="Verify an export of assigner's audit trail (docs/audit-format.md).")
    parser.add_argument("export", help="the file `assigner audit export` wrote (JSON Lines)")
    parser.add_argument("--since", help="a head you kept: the export must start after it or pass through it")
    args = parser.parse_args(argv)
    try:
        status, line = verify(args.export, args.since)
    except OSError as error:
        status, line = 1, f"error: {error.strerror or error}: {args.export}"
    print(line, file=sys.stdout if status == 0 else sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
