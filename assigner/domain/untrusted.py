"""Text a sender wrote, made safe once, at the edge, before anything stores, logs or shows it.

The audit log keeps of a refused command's body only its digest and an excerpt: it is append-only and
read by every verify, forever. A sender controls message bodies, AMQP properties and headers: any of them
may hold NUL and other control
characters, lone surrogates (py-amqp decodes with `surrogatepass`), or megabytes. Such text is escaped
(`\\x00`, `\\ud800`) and cut to a bound, so that a database, a log line or a header can always take it.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

EXCERPT_LIMIT = 512  # characters of a refused body's JSON text kept in the audit log
REASON_LIMIT = 500  # characters of a dead letter's reason, a refusal's record or a log field
QUOTE_LIMIT = 64  # characters of a sender's value quoted inside a reason
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029]")


def safe_text(value: object, limit: int = REASON_LIMIT) -> str:
    """`value` as printable text: control characters and lone surrogates escaped, at most `limit` characters
    (a cut one ends with how many were left out)."""
    if isinstance(value, bytes):
        text = value.decode("utf-8", "backslashreplace")
    else:
        text = value if isinstance(value, str) else _plain_repr(value)
    cut = len(text) > limit
    escaped = _UNSAFE.sub(_escape, text[:limit])
    if len(escaped) > limit:
        escaped = escaped[:limit]
    if cut:
        escaped += f"… ({len(text) - limit:,} more characters)"
    return escaped


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A sender's value as a reason quotes it: in single quotes, made safe, short."""
    return f"'{safe_text(value, limit)}'"


def excerpt(body: object, limit: int = EXCERPT_LIMIT) -> dict[str, Any]:
    """The body as its compact JSON text's SHA-256 (of its UTF-8 bytes), length in characters, and first
    `limit` characters made safe (`\\x00`, `\\ud800`); `truncated` says whether more followed."""
    text = json_text(body)
    return {
        "sha256": hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        "characters": len(text),
        "text": _UNSAFE.sub(_escape, text[:limit])[:limit],
        "truncated": len(text) > limit,
    }


def json_text(body: object) -> str:
    """The body as compact JSON, keys in the order sent (non-finite numbers as JavaScript writes them)."""
    try:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=repr)
    except (ValueError, TypeError, RecursionError) as error:  # circular or too deep: still something to show
        return f"<{type(body).__name__} not representable as JSON: {type(error).__name__}>"


def is_plain(value: str, limit: int) -> bool:
    """Whether text can be kept as it is: at most `limit` characters, none of them unsafe."""
    return 0 < len(value) <= limit and _UNSAFE.search(value) is None


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _plain_repr(value: object) -> str:
    try:
        return repr(value)
    except Exception:  # a sender's value whose repr fails is still shown as something
        return f"<{type(value).__name__}>"
