"""The drawn order (rule 2's unpredictable mode): each turn draws among the eligible officers not yet served
this round, by an HMAC under a daily key whose hash is published before the day and the key after it.

A draw's message is the canonical JSON (sorted keys, no spaces, UTF-8) of the unit, the declaration, the turn
number, the key's day and the audit chain's head the worker read (seal number and hash); the officer drawn is
candidate number (HMAC-SHA256(key, message) as a big-endian integer) modulo the number of candidates, the
candidates in roster order. docs/audit-format.md gives the same rule for outside verifiers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

# A day's key is revealed this long after the day ends: a transaction that drew just before may commit after.
REVEAL_GRACE = timedelta(minutes=5)
KEY_BYTES = 32


class RotationMode(StrEnum):
    """How a unit's rotation orders each round, as an administrator sets it."""

    SEQUENTIAL = "sequential"  # roster order, from the cursor
    DRAWN = "drawn"  # an order drawn under the day's key


class ModeState(StrEnum):
    """Where a unit's rotation is between the two orders (what its cursor row keeps)."""

    SEQUENTIAL = "sequential"
    DRAWN = "drawn"
    DRAWN_THEN_SEQUENTIAL = "drawn_then_sequential"  # set back to roster order: drawn until its round ends


def switched(
    state: ModeState, to: RotationMode, roster: Sequence[str], position: int, served: frozenset[str]
) -> tuple[ModeState, frozenset[str]] | None:
    """A unit's state and the officers its round has served, once set to `to` (None: it is so already).

    Rule 2 holds across a switch: a round in roster order has served the officers up to the cursor (roster order
    always starts from the first: a new unit, and after a drawn round), so a drawn round goes on with the others;
    a drawn round partly served ends drawn, then roster order starts from the first officer."""
    if state is ModeState.SEQUENTIAL:
        return None if to is RotationMode.SEQUENTIAL else (ModeState.DRAWN, frozenset(roster[:position]))
    if state is ModeState.DRAWN:
        if to is RotationMode.DRAWN:
            return None
        return (ModeState.DRAWN_THEN_SEQUENTIAL, served) if served else (ModeState.SEQUENTIAL, frozenset())
    return None if to is RotationMode.SEQUENTIAL else (ModeState.DRAWN, served)


@dataclass(frozen=True)
class Drawer:
    """What a transaction draws with: the day's key, and the chain's head it read once its units were locked."""

    day: date
    key: bytes = field(repr=False)
    head_seq: int
    head: str

    def pick(self, unit: str, turn: int, declaration_key: str, candidates: int) -> int:
        """Which of `candidates` (a count, in roster order) the draw gives."""
        return drawn_index(
            self.key, draw_message(unit, turn, declaration_key, self.day, self.head_seq, self.head), candidates
        )

    def explained(self) -> dict[str, Any]:
        """What names the draw's inputs in the audit trail, beside the unit, declaration and turn."""
        return {"day": self.day.isoformat(), "head_seq": self.head_seq, "head": self.head}


def draw_message(unit: str, turn: int, declaration_key: str, day: date | str, head_seq: int, head: str) -> bytes:
    """The bytes a draw's HMAC is taken of."""
    fields = {
        "day": day if isinstance(day, str) else day.isoformat(),
        "declaration_key": declaration_key,
        "head": head,
        "head_seq": head_seq,
        "turn": turn,
        "unit": unit,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def drawn_index(key: bytes, message: bytes, candidates: int) -> int:
    """The candidate (0-based) a key draws for a message; the 256-bit modulo's bias is below 2**-240."""
    if candidates < 1:
        raise ValueError("a draw needs at least one candidate")
    return int.from_bytes(hmac.new(key, message, hashlib.sha256).digest(), "big") % candidates


def new_key() -> bytes:
    """A fresh day's key."""
    return secrets.token_bytes(KEY_BYTES)


def commitment(key: bytes) -> str:
    """What is published before the day: the key's SHA-256, in hex."""
    return hashlib.sha256(key).hexdigest()


def day_of(moment: datetime, zone: ZoneInfo) -> date:
    """The key day a moment falls in (days in the installation's default zone)."""
    return moment.astimezone(zone).date()


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """A key day's first moment and the first moment after it."""
    return datetime.combine(day, time(), zone), datetime.combine(day + timedelta(days=1), time(), zone)
