"""The audit log's hash chain.

Each transaction writes its entries as a batch: each entry's hash covers its content, its place in the
batch and the hash before it (the batch's first starts from GENESIS). At its commit the batch is sealed:
the seal's hash covers the batch's number, size and last entry hash (so every entry of it) and the seal
before. Only the seal, one row, is written one transaction at a time; the seals' order is the order the
batches committed in, and the log's order is the seals' order, then each batch's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64
# What an entry's hash covers: everything it says, and its place in the chain.
CHAINED_FIELDS = (
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


# What a seal's hash covers.
SEALED_FIELDS = ("seq", "batch", "entries", "last_hash", "sealed_at")


def canonical(entry: Mapping[str, Any]) -> bytes:
    """The entry's chained fields as canonical JSON (sorted keys, UTC times), the bytes that are hashed."""
    return _ENCODER.encode({name: entry.get(name) for name in CHAINED_FIELDS}).encode()


def entry_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    """SHA-256 of the previous hash and the entry's canonical content, in hex."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(entry)).hexdigest()


def seal_hash(prev_hash: str, seal: Mapping[str, Any]) -> str:
    """SHA-256 of the previous seal's hash and this seal's canonical content, in hex."""
    body = _ENCODER.encode({name: seal.get(name) for name in SEALED_FIELDS}).encode()
    return hashlib.sha256(prev_hash.encode() + b"\n" + body).hexdigest()


def head_problem(seal: Mapping[str, Any], before: str | None, head: str) -> str | None:
    """Why `seal`, found by its stored hash `head`, is not the seal that head names: it must link to `before`
    (the hash of the seal numbered just before it; None if that seal is missing) and hash to `head` from it."""
    number = seal["seq"]
    if before is None:
        return f"seal {number - 1}, before seal {number} which has the head, is missing (deleted?)"
    if seal["prev_hash"] != before:
        return f"seal {number}, which has the head, does not link to the seal before it (a seal was rewritten)"
    if seal_hash(before, seal) != head:
        return (
            f"seal {number} says its hash is the head, but its content and the seal before it give "
            f"another (the seal was edited)"
        )
    return None


def as_hashed(record: Mapping[str, Any]) -> dict[str, Any]:
    """An entry or a seal with its times written as its hash reads them (UTC, ISO 8601): how it is exported."""
    return {name: _utc_text(value) if isinstance(value, datetime) else value for name, value in record.items()}


def _utc_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"{type(value).__name__} is not part of an audit entry")


# One encoder, built once (json.dumps with options builds one per call): a verify hashes millions.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_utc_text)
