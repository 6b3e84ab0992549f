"""The examples docs/contract.md shows, shared by the tests of the schemas."""

from __future__ import annotations

from typing import Any

DECLARATION: dict[str, Any] = {
    "declaration_number": "105432198760",
    "customs_office": "01B1",
    "department": "00",
    "channel": "yellow",
    "registered_at": "2025-06-01T21:14:05+07:00",
    "declaration_type": "A11",
    "enterprise_tax_code": "0101234565",
    "first_declaration_number": None,
    "container_numbers": ["CSQU3054383"],
}
COMPLETION: dict[str, Any] = {  # AMQP type check.completed
    "declaration_number": "105432198760",
    "customs_office": "01B1",
    "department": "00",
    "completed_at": "2025-06-02T10:30:00+07:00",
}
COMMAND: dict[str, Any] = {
    "command_id": "5f0c1b2a",
    "command": "reassign",
    "issued_by": "sup.01b1",
    "reason": "officer on sick leave",
    "reason_code": "officer_absent",
    "declaration_number": "105432198760",
    "to_officer_id": "off.0042",
}

# registered_at: "ISO 8601 with offset" (date, T, time, offset); a number or a time without offset is malformed.
MALFORMED_TIMES: list[Any] = [
    1748833200,  # a Unix time
    1748833200.5,
    "1748833200",  # a Unix time as text
    "2025-06-02 10:00:00+07:00",  # a space for the T
    "2025-06-02T10:00:00+0700",  # an offset without its colon
    "2025-06-02T10:00:00",  # no offset
    "2025-06-02",  # no time
    "２０２５-06-02T10:00:00+07:00",  # full-width digits
    True,
]
WELL_FORMED_TIMES: list[str] = [
    "2025-06-02T10:00:00+07:00",
    "2025-06-02T03:00:00Z",
    "2025-06-02T10:00+07:00",  # Java's OffsetDateTime.toString() at a whole minute
    "2025-06-02T10:00:00.0000000+07:00",  # .NET's "o" format
    "2025-06-02T10:00:00.123456789-05:00",
]
