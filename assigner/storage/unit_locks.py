"""Units' locks: one PostgreSQL advisory lock per unit, all of a transaction's taken in one order."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache

from sqlalchemy import text
from sqlalchemy.orm import Session

from assigner.domain.model import Unit

# All of a batch's unit locks in one round trip, in the array's order: PostgreSQL calls a volatile
# function of the select list after the ORDER BY.
_LOCK_IN_ORDER = text(
    "SELECT pg_advisory_xact_lock(key) FROM unnest(CAST(:keys AS bigint[])) WITH ORDINALITY AS k(key, n) ORDER BY n"
)


@lru_cache(maxsize=65_536)  # a batch locks hundreds of units: hash each once, not once a batch
def unit_lock_key(unit: Unit) -> int:
    """A stable 64-bit key for a unit's PostgreSQL advisory lock."""
    digest = hashlib.blake2b(f"assigner.unit:{unit}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_units(session: Session, units: Iterable[Unit]) -> None:
    """Take the units' locks until the transaction ends, known units or not."""
    # A unit that does not exist yet has no cursor row to lock: without this, a batch holding a
    # declaration as unknown_department and a roster import creating that unit could miss each
    # other and leave it held. Sorted, so two transactions always lock in the same order.
    # SQLite needs none of it: BEGIN IMMEDIATE already admits one writer at a time.
    if session.get_bind().dialect.name != "postgresql":
        return
    keys = [unit_lock_key(unit) for unit in sorted(units, key=_codes)]
    if keys:
        session.execute(_LOCK_IN_ORDER, {"keys": keys})


def _codes(unit: Unit) -> tuple[str, str]:
    """A unit's sort key: the order of Unit's own comparison, without a tuple made per comparison."""
    return unit.customs_office, unit.department
