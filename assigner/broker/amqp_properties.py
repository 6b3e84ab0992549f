"""Every message's AMQP properties decoded, whatever a sender wrote in them.

py-amqp decodes a delivery's properties while it reads the broker's frames. A property that is not UTF-8,
a header timestamp beyond the year 9999 or an unknown field type makes that decoding raise in the middle
of a frame: the connection is lost, the message is delivered again, and no consumer ever gets past it. So
the decoder is wrapped: when a message's properties cannot be decoded, it is delivered with only
UNDECODABLE, saying why, and the worker dead-letters it like any other message it cannot read.

kombu also decompresses a body at once when its headers name a `compression` (a small body can unpack to
gigabytes). The contract's bodies are plain JSON: the header is set aside as COMPRESSION before kombu sees
it, and the worker refuses the message unread.
"""

from __future__ import annotations

from typing import Any

from amqp import serialization
from amqp.spec import Basic

from assigner.domain.untrusted import safe_text

UNDECODABLE = "x-assigner-undecodable"
COMPRESSION = "x-assigner-compression"
_decode = serialization.PROPERTY_CLASSES[Basic.CLASS_ID]


def decode_properties(buf: Any, offset: int) -> tuple[dict[str, Any], int]:
    """py-amqp's decoding of basic properties, made total."""
    try:
        properties, end = _decode(buf, offset)
    except Exception as error:  # any byte a sender can write: the frame is still read to its end
        return {UNDECODABLE: safe_text(f"{type(error).__name__}: {error}", 200)}, offset
    headers = properties.get("application_headers")
    if isinstance(headers, dict) and "compression" in headers:
        properties[COMPRESSION] = headers.pop("compression")
    return properties, end


def install() -> None:
    """Decode every delivery's properties with decode_properties (idempotent)."""
    serialization.PROPERTY_CLASSES[Basic.CLASS_ID] = decode_properties
