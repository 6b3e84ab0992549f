"""The checks of a chaos run: nothing lost, nothing doubled, the rotation fair, every poison dead-lettered
once with its reason on its own dead-letter queue and nothing of it stored, every event stored and received,
the audit trail whole, every fault recovered."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import psycopg

from assigner.broker import topology
from assigner.devtools.chaos.faults import Fault
from assigner.devtools.chaos.hostile import FORGED_REASON
from assigner.devtools.chaos.plan import Plan
from assigner.devtools.chaos.record import Record
from assigner.devtools.chaos.supervisors import (
    ABSENT,
    RETURNING,
    Sent,
    units_with_absences,
)
from assigner.devtools.chaos.testbed import Testbed
from assigner.domain.errors import first_line
from assigner.domain.model import Unit

AUTOMATIC = ("auto", "group")
IN_FLIGHT_SECONDS = 10.0  # how long before a fault a dead letter's publish may still await its confirm
STATUS = {"assigned": ("assigned", "completed"), "held": ("held",), "recorded": ("recorded",)}


@dataclass(frozen=True)
class Verdict:
    """One check: passed or not, and what it counted."""

    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class Letter:
    """A dead letter as read off its queue."""

    message_id: str | None
    reason: str | None
    dead_lettered_at: float | None = None  # time.time() of its publish (its x-assigner-dead-lettered-at header)
    queue: str = topology.DECLARATIONS_DLQ  # the dead-letter queue it was read from


def stored_and_decided(plan: Plan, record: Record) -> list[Verdict]:
    """Every valid declaration stored, with the outcome the contract gives it, and one automatic decision."""
    lost = [key for key in plan.expected if key not in record.declarations]
    wrong = [
        key
        for key, expected in plan.expected.items()
        if key in record.declarations and record.declarations[key].status not in STATUS[expected]
    ]
    held_why = [
        key
        for key, expected in plan.expected.items()
        if expected == "held"
        and key in record.declarations
        and record.declarations[key].hold_reason != "unknown_department"
    ]
    automatic = Counter(a.key for a in record.assignments if a.mode in AUTOMATIC)
    doubled = [key for key, count in automatic.items() if count > 1]
    unassigned = [key for key, expected in plan.expected.items() if expected == "assigned" and not automatic[key]]
    return [
        Verdict(
            "nothing lost",
            not lost,
            f"{len(plan.expected) - len(lost):,} of {len(plan.expected):,} valid "
            f"declarations stored, {len(lost):,} lost" + _examples(lost),
        ),
        Verdict(
            "nothing doubled",
            not doubled and not unassigned,
            f"{len(doubled):,} with two automatic assignments, {len(unassigned):,} yellow ones never assigned"
            + _examples(doubled + unassigned),
        ),
        Verdict(
            "outcomes",
            not wrong and not held_why,
            f"{len(wrong):,} not assigned/held/recorded as their channel and unit say, {len(held_why):,} held "
            "without the reason unknown_department" + _examples(wrong + held_why),
        ),
    ]


def nothing_else_stored(plan: Plan, record: Record, sent: list[Sent]) -> Verdict:
    """No declaration stored but the valid ones, no command but the supervisors': poison left nothing."""
    declarations = [key for key in record.declarations if key not in plan.expected]
    sent_ids = {command.command_id for command in sent}
    commands = [command_id for command_id in record.commands if command_id not in sent_ids]
    return Verdict(
        "no poison stored",
        not declarations and not commands,
        f"{len(declarations):,} declarations and {len(commands):,} commands stored that were not valid ones "
        "sent" + _examples([repr(item) for item in declarations + commands]),
    )


def rotation(record: Record) -> list[Verdict]:
    """Turns 1..n in every unit; counts per officer within 1 where the roster did not change."""
    turns: dict[Unit, list[int]] = defaultdict(list)
    counts: dict[Unit, Counter[str]] = defaultdict(Counter)
    for assignment in record.assignments:
        if assignment.turn is not None:
            turns[assignment.unit].append(assignment.turn)
            counts[assignment.unit][assignment.officer_id] += 1
    gaps = [str(unit) for unit, numbers in turns.items() if sorted(numbers) != list(range(1, len(numbers) + 1))]
    spreads = {
        unit: max(c.values()) - min(c.values()) for unit, c in counts.items() if unit not in units_with_absences()
    }
    unfair = [f"{unit} {spread}" for unit, spread in spreads.items() if spread > 1]
    widest = max(spreads.values(), default=0)
    return [
        Verdict(
            "turns contiguous",
            not gaps,
            f"{len(turns)} units, {sum(map(len, turns.values())):,} turns, "
            f"{len(gaps)} with a gap or a turn used twice" + _examples(gaps),
        ),
        Verdict(
            "spread of turns",
            not unfair,
            f"at most {widest} between officers of a unit whose roster did "
            f"not change ({len(spreads)} units)" + _examples(unfair),
        ),
    ]


def events(record: Record, received: list[dict[str, Any]], by_office: dict[str, list[dict[str, Any]]]) -> list[Verdict]:
    """Every stored event received downstream, none published under a second id; per-office queues exact."""
    got = {str(event["event_id"]): event for event in received}
    missing = [event_id for event_id in record.outbox if event_id not in got]
    foreign = [event_id for event_id, event in got.items() if record.outbox.get(event_id, {}).get("body") != event]
    again = len(received) - len(got)
    ids_per_decision: dict[str, set[str]] = defaultdict(set)
    for event_id, event in got.items():
        if event.get("event") == "declaration.assigned" and event.get("mode") in AUTOMATIC:
            ids_per_decision[str(event["declaration_number"])[:11]].add(event_id)
    twice = [key for key, ids in ids_per_decision.items() if len(ids) > 1]
    verdicts = [
        Verdict(
            "events delivered",
            not missing and not foreign,
            f"{len(got):,} events on `#`, {len(missing):,} stored but never received, {len(foreign):,} received "
            f"but not as stored; {again:,} delivered again (at least once, same event_id)"
            + _examples(missing + foreign),
        ),
        Verdict(
            "one event_id per decision",
            not twice,
            f"{len(twice):,} decisions published under two event_ids" + _examples(twice),
        ),
    ]
    for office, office_events in sorted(by_office.items()):
        expected = {i for i, e in record.outbox.items() if _office_binding(e["routing_key"], office)}
        ids = {str(event["event_id"]) for event in office_events}
        verdicts.append(
            Verdict(
                f"queue of office {office}",
                ids == expected,
                f"{len(ids):,} events, {len(expected - ids):,} missing, {len(ids - expected):,} of another office",
            )
        )
    return verdicts


def announced_and_held(record: Record, received: list[dict[str, Any]]) -> Verdict:
    """After a database failover: every event a downstream consumer received names a decision the new primary
    holds (an asynchronous standby can lose decisions that were committed, announced, then not replicated)."""
    lost = sorted({str(event["event_id"]) for event in received} - record.outbox.keys())
    return Verdict(
        "announced decisions held",
        not lost,
        f"{len(lost):,} events received downstream whose decision the database (the promoted standby) does not "
        "hold" + _examples(lost),
    )


def cluster(testbed: Testbed, synchronous: bool, record: Record, received: list[dict[str, Any]]) -> list[Verdict]:
    """A cluster run's own: announced decisions survived the failovers; the cluster whole again at the end."""
    try:
        replication = testbed.pair.replication()
    except psycopg.Error as error:  # the primary away: the check says so
        replication = [("none", first_line(error), "")]
    wanted = "sync" if synchronous else "async"
    running = testbed.rabbit.running()
    return [
        announced_and_held(record, received),
        Verdict(
            "standby streaming again",
            any(row[1:] == ("streaming", wanted) for row in replication),
            f"the primary's standbys at the end (name, state, sync): {replication}",
        ),
        Verdict(
            "every RabbitMQ node back",
            len(running) == len(testbed.rabbit.nodes),
            f"{len(running)} of {len(testbed.rabbit.nodes)} nodes running RabbitMQ in the cluster at the end",
        ),
    ]


def dead_letters(plan: Plan, letters: list[Letter], faults: list[Fault]) -> Verdict:
    """Every poison message in its dead-letter queue with its reason; nothing else there; a second copy only
    of a letter in flight when a worker was killed or the broker went down (its confirm lost with it)."""
    copies: dict[str | None, list[Letter]] = defaultdict(list)
    for letter in letters:
        copies[letter.message_id].append(letter)
    missing = [message_id for message_id in plan.poison if message_id not in copies]
    elsewhere = [
        f"{message_id} on {letter.queue}"
        for message_id, found in copies.items()
        for letter in found
        if message_id in plan.poison and letter.queue != _dead_letter_queue(plan, message_id)
    ]
    again = {message_id: found for message_id, found in copies.items() if len(found) > 1}
    unexplained_twice = [str(message_id) for message_id, found in again.items() if not _in_flight(found, faults)]
    stray = [str(message_id) for message_id in copies if message_id not in plan.poison]
    without_reason = [str(letter.message_id) for letter in letters if letter.reason in (None, "", FORGED_REASON)]
    kinds = len(set(plan.poison.values()))
    extra = sum(len(found) - 1 for found in again.values())
    failed = missing + elsewhere + unexplained_twice + stray + without_reason
    return Verdict(
        "poison dead-lettered once",
        not failed,
        f"{len(plan.poison) - len(missing):,} of {len(plan.poison):,} ({kinds} kinds) with their reason, "
        f"{len(elsewhere)} on the wrong dead-letter queue, {len(stray)} valid ones; {extra} second "
        f"copies, {extra - len(unexplained_twice)} of them of a letter in flight when a fault struck "
        "(at least once, same message_id)"
        + _examples(missing + elsewhere + unexplained_twice + stray + without_reason),
    )


def _dead_letter_queue(plan: Plan, message_id: str) -> str:
    return plan.dead_letter_queues.get(message_id, topology.DECLARATIONS_DLQ)


def _in_flight(found: list[Letter], faults: list[Fault]) -> bool:
    """Whether the first copy was published in the moments before a kill or during a broker restart."""
    first = min((letter.dead_lettered_at for letter in found if letter.dead_lettered_at is not None), default=None)
    if first is None:
        return False
    for fault in faults:
        if fault.kind in ("kill", "broker", "leader", "node") and fault.started is not None:
            end = fault.started if fault.kind == "kill" else (fault.back or fault.started)
            if fault.started - IN_FLIGHT_SECONDS <= first <= end:
                return True
    return False


def commands(sent: list[Sent], received: list[dict[str, Any]], record: Record) -> Verdict:
    """Each command answered once and accepted; reassignments stand; the absent officer holds nothing open."""
    answers: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for event in received:
        if event.get("event") in ("command.accepted", "command.rejected"):
            answers[str(event["command_id"])].add((str(event["event"]), str(event["event_id"])))
    unanswered = [c.command_id for c in sent if len(answers[c.command_id]) != 1]
    refused = [c.command_id for c in sent if ("command.accepted" not in {a for a, _ in answers[c.command_id]})]
    stayed_away = [officer for officer in ABSENT.values() if officer != RETURNING]
    still_held = [
        key
        for key, stored in record.declarations.items()
        if stored.officer_id in stayed_away and stored.status == "assigned"
    ]
    moved = [c for c in sent if c.command == "reassign"]
    lost_moves = [
        c.payload["declaration_number"]
        for c in moved
        if record.declarations[c.payload["declaration_number"][:11]].officer_id != c.payload["to_officer_id"]
    ]
    ok = not (unanswered or refused or still_held or lost_moves)
    return Verdict(
        "supervisor commands",
        ok,
        f"{len(sent)} sent, {len(unanswered)} not answered exactly once, {len(refused)} refused; "
        f"{len(still_held)} declarations still with an absent officer; {len(moved) - len(lost_moves)} of "
        f"{len(moved)} reassignments stand",
    )


def _office_binding(routing_key: str, office: str) -> bool:
    """Whether `declaration.*.OFFICE.*` matches the routing key."""
    words = routing_key.split(".")
    return len(words) == 4 and words[0] == "declaration" and words[2] == office


def _examples(items: list[str]) -> str:
    return f" (e.g. {', '.join(items[:3])})" if items else ""
