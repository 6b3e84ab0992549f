"""Hostile poison (issue 21): messages that attack the refusal path itself, as a hostile or buggy publisher
sends them on RabbitMQ: text the database cannot store (NUL, lone surrogates, 65 characters where 64 fit),
numbers JSON cannot hold, NUL bytes in AMQP properties, odd header tables, and commands from nobody.

Every one must be dead-lettered once, on its own queue's dead-letter queue, and leave nothing stored. Each
is distinct by its number; the two whose body the issue gives exactly are made distinct by `repeat` (the
how-manieth of its kind this is) without changing what they mean.
"""

from __future__ import annotations

import json
import zlib
from datetime import datetime
from decimal import Decimal
from typing import Any

from assigner.broker import topology
from assigner.broker.command_keys import SIGNATURE_HEADER
from assigner.devtools.chaos.poison import Poison, valid_declaration

COMMAND_KINDS = (
    "a command_id of 65 characters, no user_id",
    "a NUL in a command_id",
    "a NUL in issued_by, with user_id",
    "a command body of NUL bytes",
    "a command number of 1e400",
    "a signature header not ASCII",
    "a signature header of bytes",
)
DECLARATION_KINDS = (
    "a NUL in content_type",
    "a NUL in the charset parameter",
    "a NUL in content_encoding",
    "a header table of odd values",
    "a number of 1e999999",
    "a lone surrogate",
    "duplicate keys",
    "nesting 100,000 deep",
    "a declaration number of 65 characters",
    "a NUL in the declaration number",
    "a compressed body",
)
HOSTILE_KINDS = COMMAND_KINDS + DECLARATION_KINDS
DEPTH = 100_000
FORGED_REASON = "a reason forged by the sender"  # in a poison's own x-assigner-error: the worker's must replace it
ODD_HEADERS: dict[str, Any] = {
    "x-odd-table": {
        "nested": {
            "deeper": [
                1,
                -(2**40),
                2.5,  # no NaN nor Infinity: RabbitMQ closes the sender's connection on them (541 INTERNAL_ERROR)
                None,
                True,
                Decimal("3.14"),
                datetime(2025, 6, 2, 9, 0),
                [],
                {},
            ]
        }
    },
    "x-odd-bytes": b"\xff\x00\xfe",  # not UTF-8: delivered as bytes
    "x-nul\u0000key": "a\u0000value",
    "x-non-ascii": "Hải quan \u00e9\u2028",
    "x-empty": "",
    topology.ERROR_HEADER: FORGED_REASON,
}


def hostile_poison(kind: str, number: int, repeat: int = 0) -> Poison:
    """Hostile poison message `number` of `kind`, the `repeat`-th of its kind in the stream."""
    if kind in COMMAND_KINDS:
        return _command(kind, number, repeat)
    valid = valid_declaration(number)
    text = json.dumps(valid)
    if kind == "a NUL in content_type":
        return Poison(text.encode(), "application/json\u0000x")
    if kind == "a NUL in the charset parameter":
        return Poison(text.encode(), "application/json; charset=utf\u0000-8")
    if kind == "a NUL in content_encoding":
        return Poison(text.encode(), content_encoding="utf-8\u0000x")
    if kind == "a header table of odd values":  # refused for its channel: the dead letter carries the headers
        return Poison(json.dumps({**valid, "channel": "purple"}).encode(), headers=ODD_HEADERS)
    if kind == "a number of 1e999999":
        return Poison(f'{text[:-1]}, "branch_index": 1e999999, "branch_count": 2}}'.encode())
    if kind == "a lone surrogate":  # escaped, as JSON allows: \ud800
        return Poison(json.dumps({**valid, "declaration_type": "A\ud800"}).encode())
    if kind == "duplicate keys":  # each value refused, whichever a parser keeps
        return Poison(f'{text[:-1]}, "department": "0A", "department": "0B"}}'.encode())
    if kind == "nesting 100,000 deep":
        return Poison(f'{text[:-1]}, "container_numbers": {"[" * DEPTH}{"]" * DEPTH}}}'.encode())
    if kind == "a declaration number of 65 characters":
        return Poison(json.dumps({**valid, "declaration_number": valid["declaration_number"].ljust(65, "9")}).encode())
    if kind == "a NUL in the declaration number":
        number_with_nul = valid["declaration_number"][:11] + "\u0000" + valid["declaration_number"][11:]
        return Poison(json.dumps({**valid, "declaration_number": number_with_nul}).encode())
    if kind == "a compressed body":  # kombu would unpack it before the worker saw it (a small body, gigabytes)
        return Poison(zlib.compress(text.encode()), headers={"compression": "application/x-gzip"})
    raise ValueError(f"no hostile poison of kind {kind!r}")


def _command(kind: str, number: int, repeat: int) -> Poison:
    """A command from nobody (no user_id), or from the publisher naming someone else as its issuer."""
    command: dict[str, Any] = {
        "command_id": f"chaos-poison-{number}",
        "command": "officer_available",
        "issued_by": "chaos-stranger",
        "officer_id": "a1",
        "reason": "chaos poison",
    }
    if kind == "a command body of NUL bytes":  # the single byte 0x00, longer on each repeat
        return Poison(b"\x00" * (1 + repeat), queue=topology.COMMANDS)
    if kind == "a command number of 1e400":  # the issue's {"a": 1e400}, spaced out on each repeat
        return Poison(b'{"a": ' + b" " * repeat + b"1e400}", queue=topology.COMMANDS)
    if kind == "a command_id of 65 characters, no user_id":
        command["command_id"] = command["command_id"].ljust(65, "x")
    elif kind == "a NUL in a command_id":
        command["command_id"] += "\u0000x"
    elif kind == "a NUL in issued_by, with user_id":  # vouched for by RabbitMQ, but not the issuer it names
        command["issued_by"] = "chaos\u0000stranger"
        return Poison(json.dumps(command).encode(), queue=topology.COMMANDS, as_sender=True)
    elif kind == "a signature header not ASCII":
        return Poison(
            json.dumps(command).encode(), queue=topology.COMMANDS, headers={SIGNATURE_HEADER: "sha256=" + "\u00e9" * 64}
        )
    elif kind == "a signature header of bytes":
        return Poison(
            json.dumps(command).encode(), queue=topology.COMMANDS, headers={SIGNATURE_HEADER: b"sha256=\xff\xfe\x00"}
        )
    return Poison(json.dumps(command).encode(), queue=topology.COMMANDS)
