"""Reading declaration messages from a JSON Lines file, one message a line."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from assigner.domain.errors import InvalidInput
from assigner.domain.model import Declaration
from assigner.schemas.declaration import InvalidMessage
from assigner.schemas.raw import parse_declaration_bytes

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Rejected:
    """A line that is not a valid declaration message, and why."""

    line: int
    reason: str


def read_declarations(path: Path) -> Iterator[tuple[int, Declaration | Rejected]]:
    """Each non-blank line with its number, as a declaration or as a rejection saying why."""
    try:
        handle = path.open("rb")
    except OSError as error:
        raise InvalidInput(f"{path}: cannot read ({error.strerror})") from error
    with handle:
        for number, raw in _numbered(handle):
            yield number, parse_line(number, raw)


def message_lines(path: Path) -> Iterator[bytes]:
    """Each non-blank line of a file, as sent: no byte-order mark, no line ending."""
    with path.open("rb") as handle:
        for _, raw in _numbered(handle):
            yield raw.rstrip(b"\r\n")


def _numbered(handle: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """The non-blank lines of a file with their numbers, the first without a byte-order mark."""
    for number, raw in enumerate(handle, start=1):
        if number == 1 and raw.startswith(BOM):
            raw = raw[len(BOM) :]
        if raw.strip():
            yield number, raw


def parse_line(number: int, raw: bytes) -> Declaration | Rejected:
    """One line of a file: a declaration, or why it is not one."""
    try:
        return parse_declaration_bytes(raw)
    except InvalidMessage as error:
        return Rejected(number, str(error))


def count_lines(path: Path) -> int:
    """How many lines a file has (for a progress bar)."""
    with path.open("rb") as handle:
        return sum(1 for _ in handle)
