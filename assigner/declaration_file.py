"""Reading declaration messages from a JSON Lines file, one message a line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from assigner.domain.errors import InvalidInput
from assigner.domain.model import Declaration
from assigner.messages import describe_error, parse_declaration


@dataclass(frozen=True)
class Rejected:
    """A line that is not a valid declaration message, and why."""

    line: int
    reason: str


def read_declarations(path: Path) -> Iterator[Declaration | Rejected]:
    """Each non-blank line as a declaration, or as a rejection naming the line and the reason."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as error:
        raise InvalidInput(f"{path}: cannot read ({error.strerror})") from error
    with handle:
        for number, text in enumerate(handle, start=1):
            if text.strip():
                yield _parse(number, text)


def _parse(number: int, text: str) -> Declaration | Rejected:
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as error:
        return Rejected(number, f"not JSON ({error.msg})")
    if not isinstance(payload, dict):
        return Rejected(number, "not a JSON object")
    try:
        return parse_declaration(payload)
    except ValidationError as error:
        return Rejected(number, describe_error(error))


def count_lines(path: Path) -> int:
    """How many lines a file has (for a progress bar)."""
    with path.open("rb") as handle:
        return sum(1 for _ in handle)
