"""What the audit log keeps of a body it must not keep whole: a digest and a short excerpt, safe to store.

A refused command may come from anyone allowed to publish, and the audit log is append-only and read by
every verify, forever: it keeps the body's SHA-256 (to match it with the dead letter) and its first
characters, with control characters and lone surrogates escaped so that any database can hold them.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

EXCERPT_LIMIT = 512  # characters of a refused body's JSON text kept in the audit log
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")


def excerpt(body: object, limit: int = EXCERPT_LIMIT) -> dict[str, Any]:
    """The body as its compact JSON text's SHA-256 (of its UTF-8 bytes), length in characters, and first
    `limit` characters made safe (`\\x00`, `\\ud800`); `truncated` says whether more followed."""
    text = json_text(body)
    return {
        "sha256": hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        "characters": len(text),
        "text": escaped(text[:limit])[:limit],
        "truncated": len(text) > limit,
    }


def json_text(body: object) -> str:
    """The body as compact JSON, keys in the order sent (non-finite numbers as JavaScript writes them)."""
    try:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=repr)
    except (ValueError, TypeError, RecursionError) as error:  # circular or too deep: still something to show
        return f"<{type(body).__name__} not representable as JSON: {type(error).__name__}>"


def escaped(text: str) -> str:
    """Text with control characters, lone surrogates and line separators written as escapes."""
    return _UNSAFE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
