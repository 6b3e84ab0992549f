"""The audit export: the trail as JSON Lines that anyone can check without us (docs/audit-format.md).

Line 1 is a header; then each seal in the chain's order, followed by the entries of its batch in their order;
then any entries no seal has (an honest log has none). Times are written as the hashes read them (UTC,
ISO 8601), so a verifier hashes the values as they are written.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from assigner.domain.audit_chain import CHAINED_FIELDS, SEALED_FIELDS, as_hashed

FORMAT = "assigner-audit"
VERSION = 1
SEAL_FIELDS = (*SEALED_FIELDS, "prev_hash", "hash")
ENTRY_FIELDS = ("batch", *CHAINED_FIELDS, "prev_hash", "hash")
_HEADER_FIELDS = ("format", "version", "exported_at", "since", "since_seal")
_HEX = frozenset("0123456789abcdef")
_INTEGERS = frozenset({"seq", "batch", "entries"})
_HASHES = frozenset({"last_hash", "prev_hash", "hash"})
_TIMES = frozenset({"occurred_at", "sealed_at"})
_TEXTS = frozenset({"actor", "action"})
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{6})?\+00:00")
MAX_DEPTH = 64  # arrays and objects in arrays and objects, the line's own included
MAX_DIGITS = 64  # in an integer


def header_line(exported_at: datetime, since: str | None = None, since_seal: int = 0) -> str:
    """The first line: the format, when it was written, and the head it starts after (None: from the start)."""
    fields = {"format": FORMAT, "version": VERSION, "since": since, "since_seal": since_seal}
    return _line("header", {**as_hashed({"exported_at": exported_at}), **fields})


def seal_line(seal: Mapping[str, Any]) -> str:
    """One seal as a line."""
    return _line("seal", as_hashed({name: seal[name] for name in SEAL_FIELDS}))


def entry_line(entry: Mapping[str, Any]) -> str:
    """One entry as a line."""
    return _line("entry", as_hashed({name: entry.get(name) for name in ENTRY_FIELDS}))


@dataclass(frozen=True)
class Header:
    """What the export's first line says."""

    since: str | None
    since_seal: int


@dataclass(frozen=True)
class Line:
    """A line read: a seal or an entry, its fields as written."""

    kind: str
    fields: dict[str, Any]


class Unreadable(ValueError):
    """A line that is not what the format says; its number in the file (from 1)."""

    def __init__(self, number: int, problem: str) -> None:
        super().__init__(f"line {number}: {problem}")
        self.number = number


def read_header(number: int, raw: bytes) -> Header:
    """The header line, or Unreadable."""
    record = _record(number, raw, "header", ("record", *_HEADER_FIELDS))
    if record["format"] != FORMAT or not _is_count(record["version"]) or record["version"] != VERSION:
        raise Unreadable(number, f"not an {FORMAT} export of version {VERSION}")
    if not _is_time(record["exported_at"]):
        raise Unreadable(number, "exported_at is not a time (UTC, ISO 8601, +00:00)")
    since, since_seal = record["since"], record["since_seal"]
    if since is not None and not _is_hash(since):
        raise Unreadable(number, "since is not a head (64 hex digits)")
    if not _is_count(since_seal) or (since is None) != (since_seal == 0):
        raise Unreadable(number, "since_seal is not the number of the seal with the since head")
    return Header(since, since_seal)


def read_line(number: int, raw: bytes) -> Line:
    """A seal or an entry line, each value of the type the format gives it; else Unreadable."""
    record = _json(number, raw)
    kind = record.get("record")
    if kind not in ("seal", "entry"):
        raise Unreadable(number, "is neither a seal nor an entry")
    record = _fields(number, record, kind, ("record", *(SEAL_FIELDS if kind == "seal" else ENTRY_FIELDS)))
    del record["record"]
    for name, value in record.items():
        problem = _type_problem(name, value)
        if problem is not None:
            raise Unreadable(number, f"{name} {problem}")
    return Line(kind, record)


def _type_problem(name: str, value: Any) -> str | None:
    if name in _INTEGERS:
        return None if _is_count(value) else "is not a whole number"
    if name in _HASHES:
        return None if _is_hash(value) else "is not a hash (64 hex digits)"
    if name in _TIMES:
        return None if _is_time(value) else "is not a time (UTC, ISO 8601, +00:00)"
    if name in _TEXTS:
        return None if isinstance(value, str) else "is not text"
    if name == "details":
        return None if isinstance(value, dict) else "is not an object"
    return None if value is None or isinstance(value, str) else "is not text or null"


def _record(number: int, raw: bytes, kind: str, names: tuple[str, ...]) -> dict[str, Any]:
    record = _json(number, raw)
    if record.get("record") != kind:
        raise Unreadable(number, f"is not the {kind}")
    return _fields(number, record, kind, names)


def _fields(number: int, record: dict[str, Any], kind: str, names: tuple[str, ...]) -> dict[str, Any]:
    if set(record) != set(names):
        missing, extra = sorted(set(names) - set(record)), sorted(set(record) - set(names))
        raise Unreadable(number, f"the {kind}'s fields are not the format's (missing {missing}, extra {extra})")
    return record


def _json(number: int, raw: bytes) -> dict[str, Any]:
    if _too_deep(raw):
        raise Unreadable(number, f"is nested deeper than {MAX_DEPTH} levels")
    try:
        record = json.loads(
            raw.decode("utf-8"),
            parse_constant=_no_constant,
            parse_int=_integer,
            parse_float=_fraction,
            object_pairs_hook=_no_twice,
        )
        _ENCODER.encode(record).encode()  # text the hash can read: no lone surrogate
    except UnicodeError:
        raise Unreadable(number, "has text that is not UTF-8") from None
    except (ValueError, RecursionError) as error:
        raise Unreadable(number, f"is not JSON ({error})") from None
    if not isinstance(record, dict):
        raise Unreadable(number, "is not a JSON object")
    return record


def _too_deep(raw: bytes) -> bool:
    """Whether arrays and objects nest deeper than MAX_DEPTH (looked at only when it could be)."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return False
    depth, in_text, escaped = 0, False, False
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


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _integer(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_DIGITS:
        raise ValueError(f"an integer of more than {MAX_DIGITS} digits")
    return int(digits)


def _fraction(written: str) -> float:
    value = float(written)
    if not math.isfinite(value):
        raise ValueError(f"{written} is beyond the largest number")
    return value


def _no_twice(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    record = dict(pairs)
    if len(record) != len(pairs):
        raise ValueError("a key is written twice in one object")
    return record


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_hash(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HEX


def _is_time(value: Any) -> bool:
    """A time as the export writes it: UTC, ISO 8601, seconds or microseconds, +00:00."""
    if not isinstance(value, str) or not _TIME.fullmatch(value):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _line(kind: str, fields: Mapping[str, Any]) -> str:
    return _ENCODER.encode({"record": kind, **fields})


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
