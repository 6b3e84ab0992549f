"""Sample declaration messages with valid codes, for the sample file, tests and benchmarks."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from stdnum import iso6346

from assigner.domain.model import Unit

HANOI = timezone(timedelta(hours=7))
TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
CHANNEL_WEIGHTS = {"green": 60, "yellow": 35, "red": 5}


def tax_code(rng: random.Random) -> str:
    """A 10-digit enterprise tax code with a valid check digit."""
    while True:
        digits = [rng.randrange(10) for _ in range(9)]
        check = 10 - sum(d * w for d, w in zip(digits, TAX_WEIGHTS)) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


def container_number(rng: random.Random) -> str:
    """An ISO 6346 container number with its check digit."""
    owner = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(3))
    body = f"{owner}U{rng.randrange(10**6):06d}"
    return body + iso6346.calc_check_digit(body)


def declarations(
    count: int, units: Sequence[Unit], seed: int = 1, start: datetime | None = None, channel: str | None = None
) -> list[dict[str, Any]]:
    """`count` distinct declaration messages spread over `units`, a few minutes apart; every channel unless one
    is given."""
    rng = random.Random(seed)
    at = start or datetime(2025, 6, 2, 7, 0, tzinfo=HANOI)
    channels = list(CHANNEL_WEIGHTS)
    weights = list(CHANNEL_WEIGHTS.values())
    messages = []
    for index in range(count):
        unit = units[index % len(units)]
        at += timedelta(seconds=rng.randrange(1, 240))
        prefix = "10" if rng.random() < 0.6 else "30"
        messages.append(
            {
                "declaration_number": f"{prefix}{seed % 100:02d}{index:07d}0",
                "customs_office": unit.customs_office,
                "department": unit.department,
                "channel": channel or rng.choices(channels, weights)[0],
                "registered_at": at.isoformat(),
                "declaration_type": rng.choice(["A11", "A12", "E31", "B11"]),
                "enterprise_tax_code": tax_code(rng),
                "container_numbers": [container_number(rng)] if rng.random() < 0.3 else [],
            }
        )
    return messages
