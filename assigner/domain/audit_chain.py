"""The audit log's hash chain: each entry's hash covers its content and the hash before it."""

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


def canonical(entry: Mapping[str, Any]) -> bytes:
    """The entry's chained fields as canonical JSON (sorted keys, UTC times), the bytes that are hashed."""
    content = {name: _plain(entry.get(name)) for name in CHAINED_FIELDS}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(prev_hash: str, entry: Mapping[str, Any]) -> str:
    """SHA-256 of the previous hash and the entry's canonical content, in hex."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(entry)).hexdigest()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return value
