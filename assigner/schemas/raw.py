"""Message bodies as they arrive (bytes in some charset) turned into JSON, then into a declaration.

Both queues read bodies here, and only JSON that every database can store gets through: no NUL character,
no lone surrogate, no number beyond a float's range, no key given twice (two parsers would disagree on
which one counts), no nesting deeper than MAX_DEPTH.
"""

from __future__ import annotations

import codecs
import json
import math
from typing import Any

from assigner.domain.model import Declaration
from assigner.domain.untrusted import quoted, safe_text
from assigner.schemas.declaration import InvalidMessage, parse_declaration

MAX_DEPTH = 32


def text_codec(name: str) -> str | None:
    """The codec of a charset name (utf-8, latin-1, ...); None for an unknown one, a non-text codec (zlib), or
    a name no codec can have (a NUL, a lone surrogate)."""
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):  # ValueError: "embedded null character"; UnicodeError is one too
        return None
    return info.name if getattr(info, "_is_text_encoding", True) else None


def decode_json(raw: bytes, charset: str = "utf-8") -> Any:
    """The JSON value of a body in `charset`; InvalidMessage says why it is none that can be stored."""
    codec = text_codec(charset)
    if codec is None:
        raise InvalidMessage(f"unknown charset {quoted(charset)}")
    try:
        text = raw.decode(codec)
    except UnicodeError as error:  # a decode error, or a codec that decodes nothing (Python's "undefined")
        raise InvalidMessage("not UTF-8 text" if codec == "utf-8" else f"not {codec} text") from error
    try:
        value = json.loads(text, parse_constant=_no_constants, parse_float=_finite, object_pairs_hook=_no_repeats)
    except ValueError as error:  # also Python's limit on an integer's digits
        detail = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        raise InvalidMessage(f"not JSON ({safe_text(detail, 120)})") from error
    except RecursionError as error:
        raise InvalidMessage("not JSON (nested too deeply)") from error
    # In UTF-8 text only a JSON escape (a backslash) can make a NUL or a lone surrogate (JSON refuses raw
    # control characters, the codec surrogates), and only that many brackets can nest deeper: most bodies
    # skip the walk. Other charsets (unicode_escape makes NULs of plain text) are always walked.
    if codec != "utf-8" or "\\" in text or text.count("[") + text.count("{") > MAX_DEPTH:
        _check_storable(value)
    return value


def parse_declaration_bytes(raw: bytes, charset: str = "utf-8") -> Declaration:
    """A declaration from a message body; InvalidMessage says why it is not one, in one line."""
    return parse_declaration(decode_json(raw, charset))


def _check_storable(value: Any) -> None:
    """Walk the value (without recursion): every text storable, nesting bounded."""
    pending: list[tuple[Any, int]] = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, (dict, list)):
            if depth >= MAX_DEPTH:
                raise InvalidMessage(f"not JSON that can be stored (nested deeper than {MAX_DEPTH})")
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)


def _check_text(text: str) -> None:
    if "\x00" in text:
        raise InvalidMessage("contains a NUL character (\\u0000), which databases refuse")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InvalidMessage("contains a lone surrogate (\\ud800-\\udfff), which is no Unicode text") from error


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _finite(literal: str) -> float:
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError(f"number {literal[:40]} is beyond a float's range")
    return value


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"key {quoted(key, 40)} given twice")
            seen.add(key)
    return result
