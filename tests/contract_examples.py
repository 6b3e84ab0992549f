"""The examples CONTRACT.md shows, shared by the tests of the schemas."""

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
COMMAND: dict[str, Any] = {
    "command_id": "5f0c1b2a",
    "command": "reassign",
    "issued_by": "sup.01b1",
    "reason": "officer on sick leave",
    "declaration_number": "105432198760",
    "to_officer_id": "off.0042",
}
