"""Poison: messages that can never be processed, each made distinct by a number (so that each has a dead
letter of its own): the kinds the declaration contract refuses, then hostile ones (hostile.py)."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

from assigner.broker import topology
from assigner.devtools.samples import container_number

MAX_MESSAGE_BYTES = 1_048_576

CONTRACT_KINDS = (
    "not JSON",
    "not an object",
    "a required field missing",
    "a declaration number of 11 digits",
    "a lowercase office",
    "a department of letters",
    "an unknown channel",
    "registered_at as a Unix number",
    "registered_at without offset",
    "registered_at with a space",
    "a tax code with a bad check digit",
    "a container with a bad check digit",
    "branch_index over branch_count",
    "a NUL character",
    "an XML content type",
    "not UTF-8",
    "a body over 1 MiB",
)


@dataclass(frozen=True)
class Poison:
    """One poison message as its publisher sends it: body, AMQP properties and headers, and its queue."""

    body: bytes
    content_type: str = "application/json"
    queue: str = topology.DECLARATIONS  # its dead letter goes to this queue's dead-letter queue
    content_encoding: str | None = None  # None: what the publisher sets for the content type
    headers: dict[str, Any] = field(default_factory=dict)
    as_sender: bool = False  # with user_id = the publisher's own user (RabbitMQ refuses any other)


def contract_poison(kind: str, number: int, rng: random.Random) -> Poison:
    """Poison message `number` of a kind the declaration contract refuses."""
    valid = valid_declaration(number)
    changes: dict[str, Any] = {
        "a declaration number of 11 digits": {"declaration_number": valid["declaration_number"][:11]},
        "a lowercase office": {"customs_office": "01b1"},
        "a department of letters": {"department": "0A"},
        "an unknown channel": {"channel": "purple"},
        "registered_at as a Unix number": {"registered_at": 1748833200 + number},
        "registered_at without offset": {"registered_at": "2025-06-02T09:00:00"},
        "registered_at with a space": {"registered_at": "2025-06-02 09:00:00+07:00"},
        "a tax code with a bad check digit": {"enterprise_tax_code": "0101234566"},
        "a container with a bad check digit": {"container_numbers": [_spoiled(container_number(rng))]},
        "branch_index over branch_count": {"first_declaration_number": "F", "branch_index": 4, "branch_count": 3},
        "a NUL character": {"declaration_type": "A\u00001"},
        "a body over 1 MiB": {"attachment": "x" * (MAX_MESSAGE_BYTES + 1024)},
    }
    if kind == "not JSON":
        return Poison(f"<ToKhai><SoToKhai>{valid['declaration_number']}</SoToKhai></ToKhai>".encode())
    if kind == "not an object":
        return Poison(json.dumps([valid]).encode())
    if kind == "a required field missing":
        del valid["customs_office"]
    if kind == "an XML content type":
        return Poison(json.dumps(valid).encode(), "application/xml")
    if kind == "not UTF-8":
        return Poison(json.dumps(valid).encode().replace(b'"A11"', b'"A\xff1"'))
    valid.update(changes.get(kind, {}))
    return Poison(json.dumps(valid).encode())


def valid_declaration(number: int) -> dict[str, Any]:
    """A valid declaration that the poison spoils (numbers of their own, prefix 19: no valid one uses it)."""
    return {
        "declaration_number": f"19{number:09d}0",
        "customs_office": "01B1",
        "department": "00",
        "channel": "yellow",
        "registered_at": "2025-06-02T09:00:00+07:00",
        "declaration_type": "A11",
    }


def _spoiled(container: str) -> str:
    return container[:-1] + str((int(container[-1]) + 1) % 10)
