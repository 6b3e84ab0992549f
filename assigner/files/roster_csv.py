"""Reading a roster CSV file: officer_id,name,customs_office,department,role[,active]."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from assigner.domain.errors import InvalidRoster
from assigner.domain.model import Unit
from assigner.domain.roster import Officer, Role, RosterEntry
from assigner.schemas import codes
from assigner.schemas.validation_errors import describe_error

COLUMNS = ("officer_id", "name", "customs_office", "department", "role")


class RosterRow(BaseModel):
    """One row of a roster file."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    officer_id: Annotated[str, AfterValidator(codes.check_officer_id)]
    name: Annotated[str, Field(max_length=200), AfterValidator(lambda v: v or _fail("name is empty"))]
    customs_office: Annotated[str, AfterValidator(codes.check_office)]
    department: Annotated[str, AfterValidator(codes.check_department)]
    role: Role
    active: bool = True


def _fail(message: str) -> str:
    raise ValueError(message)


def read_roster(path: Path) -> list[RosterEntry]:
    """Every entry of a roster file, in file order; InvalidRoster names the first bad row and field."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            try:
                return _entries(path.name, reader)
            except csv.Error as error:  # a field over the csv module's limit (128 KiB), a stray NUL byte
                raise InvalidRoster(f"{path.name} line {reader.line_num + 1}: {error}") from error
    except OSError as error:
        raise InvalidRoster(f"{path}: cannot read ({error.strerror})") from error
    except UnicodeDecodeError as error:
        raise InvalidRoster(f"{path}: not UTF-8 text") from error


def _entries(name: str, reader: csv.DictReader[str]) -> list[RosterEntry]:
    header = list(reader.fieldnames or [])
    doubled = sorted({column for column in header if header.count(column) > 1})
    if doubled:
        raise InvalidRoster(f"{name}: column(s) {', '.join(doubled)} appear more than once in the header")
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise InvalidRoster(f"{name}: missing column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}[,active]")
    entries: list[RosterEntry] = []
    seen: dict[tuple[str, Unit, Role], int] = {}
    officers: dict[str, Officer] = {}
    for row in reader:
        line = reader.line_num
        entry = _entry(name, line, row)
        key = (entry.officer.officer_id, entry.unit, entry.role)
        if key in seen:
            raise InvalidRoster(
                f"{name} line {line}: officer_id {key[0]} is already a {key[2]} of {key[1]} (line {seen[key]})"
            )
        earlier = officers.setdefault(entry.officer.officer_id, entry.officer)
        if earlier.name != entry.officer.name:
            raise InvalidRoster(
                f"{name} line {line}: name '{entry.officer.name}' differs from an earlier row for {key[0]}"
            )
        if earlier.active != entry.officer.active:
            raise InvalidRoster(f"{name} line {line}: active differs from an earlier row for {key[0]}")
        seen[key] = line
        entries.append(entry)
    if not entries:
        raise InvalidRoster(f"{name}: no officers in the file")
    return entries


def _entry(name: str, line: int, row: dict[str, str | None]) -> RosterEntry:
    if None in row:
        raise InvalidRoster(f"{name} line {line}: more fields than columns")
    values = {column: (value or "").strip() for column, value in row.items() if column is not None}
    if not values.get("active"):
        values.pop("active", None)  # an empty or absent 'active' means active
    try:
        parsed = RosterRow.model_validate(values)
    except ValidationError as error:
        raise InvalidRoster(f"{name} line {line}: {describe_error(error)}") from error
    officer = Officer(parsed.officer_id, parsed.name, parsed.active)
    return RosterEntry(officer, Unit(parsed.customs_office, parsed.department), parsed.role)
