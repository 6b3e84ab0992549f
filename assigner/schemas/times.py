"""Times in messages: ISO 8601 text with date, T, time and offset, never a number or a local time."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, WithJsonSchema

# The extended form of ISO 8601 with an offset, as every platform writes it: date, "T", time (seconds and
# any fraction optional: Java drops ":00", .NET writes 7 digits), then Z or an offset with a colon. A Unix
# number, a numeric string, a space for the "T", "+0700" or no offset at all is malformed.
ISO_8601_WITH_OFFSET = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
_ISO_8601_WITH_OFFSET = re.compile(ISO_8601_WITH_OFFSET)


def _iso_8601_text(value: Any) -> Any:
    """Only an ISO 8601 string with date, T, time and offset reaches the datetime parser."""
    if isinstance(value, datetime):
        return value  # a value built in Python, not read from a message
    if not isinstance(value, str) or not _ISO_8601_WITH_OFFSET.fullmatch(value):
        raise ValueError("must be an ISO 8601 string with date, 'T', time and offset, e.g. 2025-06-01T21:14:05+07:00")
    return value


# No JSON Schema "format": its date-time (RFC 3339) would refuse what the pattern admits, such as 10:00+07:00.
IsoDateTime = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_8601_text),
    WithJsonSchema({"type": "string", "pattern": ISO_8601_WITH_OFFSET}),
]
