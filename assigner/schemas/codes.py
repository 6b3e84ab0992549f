"""Checks of the codes VNACCS writes (docs/rules.md, "Codes"), used by the edge models."""

from __future__ import annotations

import re
from collections.abc import Callable

from stdnum import iso6346

from assigner.domain.errors import InvalidInput
from assigner.domain.model import Unit

OFFICE = re.compile(r"^[0-9A-Z]{4}$")
DEPARTMENT = re.compile(r"^[0-9]{2}$")
DECLARATION_NUMBER = re.compile(r"^[0-9]{12}$")
OFFICER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
TAX_CODE = re.compile(r"^[0-9]{10}(-[0-9]{3})?$")
# A container number already in its compact form, in ASCII: most are; stdnum checks any other.
COMPACT_CONTAINER = re.compile(r"^[A-Z]{3}[UJZR][0-9]{7}$")
TAX_CODE_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
CONTAINER_VALUES = {c: n for n, c in enumerate("0123456789A BCDEFGHIJK LMNOPQRSTU VWXYZ") if c != " "}


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
    if not TAX_CODE.match(value) or not _valid_tax_digits(value.replace("-", "")):
        raise ValueError(f"'{value}' is not a valid tax code (bad format or check digit)")
    return value


def check_container(value: str) -> str:
    """An ISO 6346 container number with a valid check digit."""
    if COMPACT_CONTAINER.match(value):  # what stdnum decides, without its cleaning of each character
        if _container_check_digit(value) != value[10]:
            raise ValueError(f"'{value}' is not an ISO 6346 container number with a valid check digit")
        return value
    compact = iso6346.compact(value)
    if not iso6346.is_valid(compact):
        raise ValueError(f"'{value}' is not an ISO 6346 container number with a valid check digit")
    return compact


def _valid_tax_digits(digits: str) -> bool:
    """python-stdnum's vn.mst rules on 10 or 13 digits (its own cleaning of every character was half the time of
    parsing a declaration): no zero serial, no zero branch, check digit 10 - sum mod 11 over weights."""
    if digits[2:9] == "0000000" or (len(digits) == 13 and digits[10:] == "000"):
        return False
    total = sum(weight * int(digit) for weight, digit in zip(TAX_CODE_WEIGHTS, digits))
    return digits[9] == str(10 - total % 11)


def _container_check_digit(number: str) -> str:
    """ISO 6346's check digit of a compact number's first 10 characters (as python-stdnum computes it)."""
    return str(sum(CONTAINER_VALUES[char] << place for place, char in enumerate(number[:10])) % 11 % 10)


def optional(check: Callable[[str], str], value: str | None) -> str | None:
    """A command-line option's code checked (None stays None); a bad one raises InvalidInput."""
    if value is None:
        return None
    try:
        return check(value)
    except ValueError as error:
        raise InvalidInput(str(error)) from error


def unit_of(text: str, what: str) -> Unit:
    """A unit written OFFICE/DEPARTMENT on a command line; a bad one raises InvalidInput naming `what`."""
    office, _, department = text.partition("/")
    try:
        return Unit(check_office(office), check_department(department))
    except ValueError as error:
        raise InvalidInput(f"{what} {text}: {error}; write OFFICE/DEPARTMENT, e.g. 01B1/00") from error
