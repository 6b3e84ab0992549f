"""A pilot-like three-day stream of raw declaration messages (docs/rules.md, Region III), for the demo."""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from assigner.devtools.samples import HANOI, container_number, tax_code
from assigner.domain.working_hours import WorkingHours

FIRST_DAY = datetime.combine(date(2025, 6, 2), time(), HANOI)  # Mon 2 to Wed 4 June 2025: no public holiday
DAYS = 3
UNIT_WEIGHTS = {("01B1", "01"): 35, ("01B1", "02"): 25, ("02CI", "01"): 25, ("02CI", "02"): 15}
UNROSTERED = ("01B1", "03")
YELLOW, AFTER_HOURS, GREEN, RED = 720, 61, 1400, 140
LOT_SIZES = (3, 2, 4, 2, 3)
CONTAINER_GROUP_SIZES = (2, 3, 2, 2)
AMENDED, RESENT, UNKNOWN_DEPARTMENT = 5, 3, 2
MALFORMED = ("not_json", "array", "missing_field", "bad_tax_code", "bad_container", "time_without_offset")
TYPES = {"10": ("A11", "A12", "E31"), "30": ("B11", "E62")}
# (start, end) in minutes after local midnight; the ends leave ten minutes so a group never straddles 07:30 or 17:00
WORKING_WINDOW = (7 * 60 + 30, 16 * 60 + 50)
AFTER_HOURS_WINDOWS = {(0, 5 * 60): 1, (5 * 60, 7 * 60 + 20): 2, (17 * 60, 23 * 60 + 50): 4}
GAPS = {"lot": (1, 10), "container": (10, 90)}  # seconds between the members of a group


@dataclass(frozen=True)
class DemoStream:
    """The messages to publish, in order, and what they contain."""

    messages: list[bytes]
    yellow: int
    after_hours_yellow: int
    green: int
    red: int
    malformed: int
    resent: int
    amendments: int
    unknown_department: int
    branch_lots: int
    container_groups: int
    units: list[tuple[str, str]]


@dataclass(frozen=True)
class _Block:
    """Declarations an upstream publishes back to back: one, a branch lot or a container group."""

    unit: tuple[str, str]
    channel: str
    at: datetime
    size: int = 1
    kind: str = "single"  # single, lot, container, or one of MALFORMED


def pilot_stream(seed: int = 2025) -> DemoStream:
    """Three days of raw messages shaped like the Region III pilot: 720 yellow, 61 of them after hours."""
    rng = random.Random(seed)
    blocks = _yellow_blocks(rng) + _other_blocks(rng, "green", GREEN) + _other_blocks(rng, "red", RED)
    blocks += [_Block(_unit(rng), "yellow", _at(rng, False), kind=kind) for kind in MALFORMED]
    laid = _lay_out(rng, blocks)
    valid = [message for block, batch in laid if block.kind not in MALFORMED for message in batch]
    return _described(_publish(rng, laid), valid)


def _described(messages: list[bytes], valid: list[dict[str, Any]]) -> DemoStream:
    """The stream with its counts, taken from the declarations it was built from."""
    channels = Counter(message["channel"] for message in valid)
    late = [message for message in valid if message["channel"] == "yellow" and _after_hours(message["registered_at"])]
    return DemoStream(
        messages=messages,
        yellow=channels["yellow"],
        after_hours_yellow=len(late),
        green=channels["green"],
        red=channels["red"],
        malformed=len(MALFORMED),
        resent=RESENT,
        amendments=AMENDED,
        unknown_department=UNKNOWN_DEPARTMENT,
        branch_lots=len(LOT_SIZES),
        container_groups=len(CONTAINER_GROUP_SIZES),
        units=list(UNIT_WEIGHTS),
    )


def _yellow_blocks(rng: random.Random) -> list[_Block]:
    # one lot arrives at night, so the demo shows a group assigned with nobody at the desk
    blocks = [_Block(_unit(rng), "yellow", _at(rng, True), LOT_SIZES[0], "lot")]
    blocks += [_Block(_unit(rng), "yellow", _at(rng, False), size, "lot") for size in LOT_SIZES[1:]]
    blocks += [_Block(_unit(rng), "yellow", _at(rng, False), size, "container") for size in CONTAINER_GROUP_SIZES]
    blocks += [_Block(UNROSTERED, "yellow", _at(rng, False)) for _ in range(UNKNOWN_DEPARTMENT)]
    blocks += [_Block(_unit(rng), "yellow", _at(rng, True)) for _ in range(AFTER_HOURS - LOT_SIZES[0])]
    singles = YELLOW - sum(block.size for block in blocks)
    return blocks + [_Block(_unit(rng), "yellow", _at(rng, False)) for _ in range(singles)]


def _other_blocks(rng: random.Random, channel: str, count: int) -> list[_Block]:
    return [_Block(_unit(rng), channel, _at(rng, rng.random() < 0.1)) for _ in range(count)]


def _unit(rng: random.Random) -> tuple[str, str]:
    return rng.choices(list(UNIT_WEIGHTS), list(UNIT_WEIGHTS.values()))[0]


def _at(rng: random.Random, after_hours: bool) -> datetime:
    """A registration time on one of the three days, inside or outside working hours."""
    start, end = WORKING_WINDOW
    if after_hours:
        start, end = rng.choices(list(AFTER_HOURS_WINDOWS), list(AFTER_HOURS_WINDOWS.values()))[0]
    second = rng.randrange(start * 60, end * 60)
    return FIRST_DAY + timedelta(days=rng.randrange(DAYS), seconds=second)


def _after_hours(at: datetime) -> bool:
    hours = WorkingHours()
    local = at.astimezone(ZoneInfo(hours.timezone))
    return not hours.is_working_time(local.date(), local.time())


def _lay_out(rng: random.Random, blocks: list[_Block]) -> list[tuple[_Block, list[dict[str, Any]]]]:
    """Blocks in registration order, expanded into numbered messages."""
    serials = {prefix: rng.randrange(10**8, 4 * 10**8) for prefix in TYPES}
    laid = []
    last = FIRST_DAY
    for block in sorted(blocks, key=lambda block: block.at):
        # a lot's members are seconds apart: shift a crowded block a little rather than interleave it
        batch = _expand(rng, block, max(block.at, last + timedelta(seconds=1)), serials)
        last = batch[-1]["registered_at"]
        laid.append((block, batch))
    return laid


def _expand(rng: random.Random, block: _Block, at: datetime, serials: dict[str, int]) -> list[dict[str, Any]]:
    shared = {"container_numbers": [container_number(rng)]} if block.kind == "container" else {}
    batch: list[dict[str, Any]] = []
    for index in range(1, block.size + 1):
        batch.append(_declaration(rng, block, at, serials) | shared)
        if block.kind == "lot":
            first = batch[0]["declaration_number"] if index > 1 else "F"
            batch[-1] |= {"first_declaration_number": first, "branch_index": index, "branch_count": block.size}
            batch[-1]["enterprise_tax_code"] = batch[0]["enterprise_tax_code"]  # one shipment, one enterprise
        at += timedelta(seconds=rng.randrange(*GAPS.get(block.kind, (1, 2))))
    return batch


def _declaration(rng: random.Random, block: _Block, at: datetime, serials: dict[str, int]) -> dict[str, Any]:
    prefix = "30" if block.unit[1] == "02" else "10"
    serials[prefix] += rng.randrange(1, 40)  # VNACCS numbers grow with time; other offices take the ones between
    return {
        "declaration_number": f"{prefix}{serials[prefix]:09d}0",
        "customs_office": block.unit[0],
        "department": block.unit[1],
        "channel": block.channel,
        "registered_at": at,
        "declaration_type": rng.choice(TYPES[prefix]),
        "enterprise_tax_code": tax_code(rng),
        "first_declaration_number": None,
        "container_numbers": [container_number(rng)] if rng.random() < 0.3 else [],
    }


def _publish(rng: random.Random, laid: list[tuple[_Block, list[dict[str, Any]]]]) -> list[bytes]:
    """The bytes in publishing order: blocks by time, amendments and re-sends some time after their original."""
    entries: list[tuple[datetime, list[bytes]]] = []
    for block, batch in laid:
        encoded = [_spoil(rng, batch[0], block.kind)] if block.kind in MALFORMED else [_encode(m) for m in batch]
        entries.append((batch[0]["registered_at"], encoded))
    plain = [batch[0] for block, batch in laid if block.kind == "single" and block.unit in UNIT_WEIGHTS]
    originals = rng.sample([message for message in plain if message["channel"] == "yellow"], AMENDED + RESENT)
    for original in originals[:AMENDED]:
        amendment = original | {"declaration_number": original["declaration_number"][:11] + "1"}
        entries.append((original["registered_at"] + timedelta(minutes=rng.randrange(15, 240)), [_encode(amendment)]))
    for original in originals[AMENDED:]:
        entries.append((original["registered_at"] + timedelta(seconds=rng.randrange(5, 1800)), [_encode(original)]))
    entries.sort(key=lambda entry: entry[0])
    return [message for _, encoded in entries for message in encoded]


def _spoil(rng: random.Random, message: dict[str, Any], kind: str) -> bytes:
    """The message broken as `kind` says: each is a mistake an upstream system could make."""
    broken = dict(message)
    if kind == "not_json":
        return f"<ToKhai><SoToKhai>{message['declaration_number']}</SoToKhai></ToKhai>".encode()
    if kind == "array":
        return _encode([message])
    if kind == "missing_field":
        del broken["customs_office"]
    elif kind == "bad_tax_code":
        broken["enterprise_tax_code"] = _wrong_check_digit(message["enterprise_tax_code"])
    elif kind == "bad_container":
        broken["container_numbers"] = [_wrong_check_digit(container_number(rng))]
    elif kind == "time_without_offset":
        broken["registered_at"] = message["registered_at"].replace(tzinfo=None)
    return _encode(broken)


def _wrong_check_digit(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


def _encode(message: Any) -> bytes:
    return json.dumps(message, ensure_ascii=False, default=datetime.isoformat).encode("utf-8")
