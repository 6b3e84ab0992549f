"""Checks of the codes VNACCS writes (docs/rules.md, "Codes"), used by the edge models."""

from __future__ import annotations

import re
from collections.abc import Callable

from stdnum import iso6346
from stdnum.vn import mst

from assigner.domain.errors import InvalidInput

OFFICE = re.compile(r"^[0-9A-Z]{4}$")
DEPARTMENT = re.compile(r"^[0-9]{2}$")
DECLARATION_NUMBER = re.compile(r"^[0-9]{12}$")
OFFICER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
TAX_CODE = re.compile(r"^[0-9]{10}(-[0-9]{3})?$")


def check_office(value: str) -> str:
    """A customs office code: 4 letters or digits, e.g. 01B1."""
    if not OFFICE.match(value):
        raise ValueError(f"'{value}' is not a 4-character customs office code (e.g. 01B1)")
    return value


def check_department(value: str) -> str:
    """A processing-department code: 2 digits, e.g. 00."""
    if not DEPARTMENT.match(value):
        raise ValueError(f"'{value}' is not a 2-digit department code (e.g. 00)")
    return value


def check_declaration_number(value: str) -> str:
    """A 12-digit VNACCS declaration number."""
    if not DECLARATION_NUMBER.match(value):
        raise ValueError(f"'{value}' is not a 12-digit declaration number")
    return value


def check_officer_id(value: str) -> str:
    """An officer account id: letters, digits, '.', '_', '@', '-'."""
    if not OFFICER_ID.match(value):
        raise ValueError(f"'{value}' is not an officer id (letters, digits, . _ @ -)")
    return value


def check_tax_code(value: str) -> str:
    """An enterprise tax code: 10 digits with a valid check digit, or 13 written 10-3."""
    if not TAX_CODE.match(value) or not mst.is_valid(value):
        raise ValueError(f"'{value}' is not a valid tax code (bad format or check digit)")
    return value


def check_container(value: str) -> str:
    """An ISO 6346 container number with a valid check digit."""
    compact = iso6346.compact(value)
    if not iso6346.is_valid(compact):
        raise ValueError(f"'{value}' is not an ISO 6346 container number with a valid check digit")
    return compact


def optional(check: Callable[[str], str], value: str | None) -> str | None:
    """A command-line option's code checked (None stays None); a bad one raises InvalidInput."""
    if value is None:
        return None
    try:
        return check(value)
    except ValueError as error:
        raise InvalidInput(str(error)) from error
