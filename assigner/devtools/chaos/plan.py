"""The chaos stream: declarations over several units (amendments, branch lots, container groups, holds,
green and red), re-sent copies, and poison of every kind the contract refuses, each with a message_id."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import Any

from assigner.broker import topology
from assigner.devtools.chaos.hostile import HOSTILE_KINDS, hostile_poison
from assigner.devtools.chaos.poison import CONTRACT_KINDS, Poison, contract_poison
from assigner.devtools.samples import container_number, tax_code
from assigner.domain.model import Unit

HANOI = timezone(timedelta(hours=7))
ROSTERS: dict[Unit, list[str]] = {
    Unit("01B1", "00"): ["a1", "a2", "a3", "a4"],
    Unit("01B1", "01"): ["b1", "b2", "b3"],
    Unit("02CI", "01"): ["c1", "c2", "c3", "c4", "c5"],
    Unit("03CC", "00"): ["d1", "d2", "d3"],
    Unit("03CC", "02"): ["e1", "e2", "e3", "e4"],
    Unit("04PL", "00"): ["f1", "f2", "f3"],
}
UNROSTERED = Unit("02CI", "03")  # a department nobody is rostered on: its declarations are held
BOUND_OFFICES = ("01B1", "03CC")  # offices with a downstream queue of their own; the others' events reach only `#`
POISON_KINDS = CONTRACT_KINDS + HOSTILE_KINDS


@dataclass(frozen=True)
class Planned:
    """One message to publish: its body, AMQP message_id, content type and the rest, and what it is."""

    body: bytes
    message_id: str
    kind: str  # "declaration", "amendment", "resend" or "poison"
    content_type: str = "application/json"
    queue: str = topology.DECLARATIONS
    content_encoding: str | None = None  # None: the publisher's own for the content type
    headers: dict[str, Any] = field(default_factory=dict, hash=False)
    as_sender: bool = False  # user_id = the publisher's own user

    @property
    def first(self) -> bool:
        """Whether it is the first message of its declaration (not a re-sent copy, an amendment or poison)."""
        return self.kind == "declaration"

    @cached_property
    def declaration_key(self) -> str:
        """The declaration this message is about (not poison); read once."""
        return str(json.loads(self.body)["declaration_number"])[:11]

    @classmethod
    def poison(cls, poison: Poison, message_id: str) -> Planned:
        """A poison message to publish under `message_id`."""
        return cls(
            poison.body,
            message_id,
            "poison",
            poison.content_type,
            poison.queue,
            poison.content_encoding,
            poison.headers,
            poison.as_sender,
        )


@dataclass
class Plan:
    """The messages in publishing order and what the database must hold after them."""

    messages: list[Planned] = field(default_factory=list)
    expected: dict[str, str] = field(default_factory=dict)  # declaration key -> assigned | held | recorded
    units: dict[str, Unit] = field(default_factory=dict)  # declaration key -> unit
    numbers: dict[str, str] = field(default_factory=dict)  # declaration key -> its first declaration number
    poison: dict[str, str] = field(default_factory=dict)  # message_id -> kind of poison
    dead_letter_queues: dict[str, str] = field(default_factory=dict)  # message_id of poison -> its DLQ

    def extend(self, more: Plan) -> None:
        """Add the messages of a later part of the stream (its declarations and poison numbered apart)."""
        self.messages.extend(more.messages)
        for name in ("expected", "units", "numbers", "poison", "dead_letter_queues"):
            getattr(self, name).update(getattr(more, name))

    def dead_letters_expected(self) -> dict[str, int]:
        """How many dead letters each dead-letter queue must hold: one per poison message."""
        counts = {topology.DECLARATIONS_DLQ: 0, topology.COMMANDS_DLQ: 0}
        for queue in self.dead_letter_queues.values():
            counts[queue] += 1
        return counts


def make_plan(
    count: int,
    seed: int = 12,
    resend_share: float = 0.05,
    poison_share: float = 0.01,
    *,
    start: int = 0,
    first_poison: int = 0,
) -> Plan:
    """`count` declarations (amendments and lots among them), then re-sends and poison mixed in.

    A later part of the stream starts at declaration `start` and poison `first_poison`: its numbers and
    message ids are apart from the earlier parts', and its randomness its own.
    """
    rng = random.Random(seed if not start else f"{seed}/{start}")
    plan = Plan()
    originals: list[Planned] = []
    at = datetime(2025, 6, 2, 6, 0, tzinfo=HANOI) + timedelta(seconds=47 * start)
    index, end = start, start + count
    while index < end:
        at += timedelta(seconds=rng.randrange(5, 90))
        lot = rng.randrange(2, 5) if rng.random() < 0.03 else 1
        unit, channel = _unit_and_channel(rng)
        containers = [container_number(rng)] if rng.random() < 0.2 else []
        first = f"{10 + 20 * (index % 2)}{seed % 100:02d}{index:07d}0"
        for branch in range(1, min(lot, end - index) + 1):
            number = first if branch == 1 else f"{first[:4]}{index:07d}0"
            body = _declaration(number, unit, channel, at, rng, containers)
            if lot > 1:
                body.update(
                    first_declaration_number="F" if branch == 1 else first, branch_index=branch, branch_count=lot
                )
            originals.append(_add(plan, body, "declaration", unit, channel))
            index += 1
    plan.messages = list(originals)
    _mix_in(plan, rng, originals, resend_share, poison_share, first_poison)
    return plan


def poison_of(kind: str, number: int, rng: random.Random) -> Poison:
    """Poison message `number` of `kind`: one the contract refuses, or a hostile one."""
    if kind in CONTRACT_KINDS:
        return contract_poison(kind, number, rng)
    return hostile_poison(kind, number, repeat=number // len(POISON_KINDS))


def _unit_and_channel(rng: random.Random) -> tuple[Unit, str]:
    unit = UNROSTERED if rng.random() < 0.01 else rng.choice(list(ROSTERS))
    channel = rng.choices(["yellow", "green", "red", "2"], [80, 12, 4, 4])[0]
    return unit, channel


def _declaration(
    number: str, unit: Unit, channel: str, at: datetime, rng: random.Random, containers: list[str]
) -> dict[str, Any]:
    return {
        "declaration_number": number,
        "customs_office": unit.customs_office,
        "department": unit.department,
        "channel": channel,
        "registered_at": at.isoformat(),
        "declaration_type": rng.choice(["A11", "E31", "B11"]),
        "enterprise_tax_code": tax_code(rng),
        "container_numbers": containers,
    }


def _add(plan: Plan, body: dict[str, Any], kind: str, unit: Unit, channel: str) -> Planned:
    key = str(body["declaration_number"])[:11]
    if key not in plan.expected:
        yellow = channel in ("yellow", "2")
        plan.expected[key] = "recorded" if not yellow else "held" if unit not in ROSTERS else "assigned"
        plan.units[key] = unit
        plan.numbers[key] = str(body["declaration_number"])
    return Planned(json.dumps(body).encode(), f"chaos-{body['declaration_number']}-{kind}", kind)


def _mix_in(
    plan: Plan,
    rng: random.Random,
    originals: list[Planned],
    resend_share: float,
    poison_share: float,
    first_poison: int,
) -> None:
    """Amendments, re-sends and poison, each placed after what it follows."""
    extra: list[tuple[int, Planned]] = []
    for position, original in enumerate(originals):
        if rng.random() < 0.03:  # an amendment: same 11 digits, the 12th counts it
            body = json.loads(original.body)
            body["declaration_number"] = body["declaration_number"][:11] + "1"
            unit = Unit(body["customs_office"], body["department"])
            extra.append((position + rng.randrange(1, 200), _add(plan, body, "amendment", unit, body["channel"])))
    for number in range(first_poison, first_poison + int(len(originals) * poison_share)):
        kind = POISON_KINDS[number % len(POISON_KINDS)]
        message = Planned.poison(poison_of(kind, number, rng), f"chaos-poison-{number}")
        plan.poison[message.message_id] = kind
        plan.dead_letter_queues[message.message_id] = topology.dead_letter_queue(message.queue)
        extra.append((rng.randrange(len(originals)), message))
    for position, message in extra:
        plan.messages.insert(min(position, len(plan.messages)), message)
    resends = rng.sample(range(len(plan.messages)), int(len(plan.messages) * resend_share))
    for position in sorted(resends, reverse=True):
        copy = plan.messages[position]
        plan.messages.insert(min(position + rng.randrange(1, 50), len(plan.messages)), replace(copy, kind="resend"))
