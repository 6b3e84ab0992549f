"""Message bodies as they arrive (bytes in some charset) turned into JSON, then into a declaration."""

from __future__ import annotations

import codecs
import json
from typing import Any

from assigner.domain.model import Declaration
from assigner.schemas.declaration import InvalidMessage, parse_declaration


def text_codec(name: str) -> str | None:
    """The codec of a charset name (utf-8, latin-1, ...); None for an unknown one or a non-text codec (zlib)."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    return info.name if getattr(info, "_is_text_encoding", True) else None


def decode_json(raw: bytes, charset: str = "utf-8") -> Any:
    """The JSON value of a body in `charset`; InvalidMessage says why it is not one."""
    codec = text_codec(charset)
    if codec is None:
        raise InvalidMessage(f"unknown charset '{charset}'")
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as error:
        raise InvalidMessage("not UTF-8 text" if codec == "utf-8" else f"not {charset} text") from error
    try:
        return json.loads(text, parse_constant=_no_constants)
    except ValueError as error:
        raise InvalidMessage(f"not JSON ({getattr(error, 'msg', error)})") from error
    except RecursionError as error:
        raise InvalidMessage("not JSON (nested too deeply)") from error


def parse_declaration_bytes(raw: bytes, charset: str = "utf-8") -> Declaration:
    """A declaration from a message body; InvalidMessage says why it is not one, in one line."""
    return parse_declaration(decode_json(raw, charset))


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")
