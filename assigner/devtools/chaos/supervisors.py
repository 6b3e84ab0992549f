"""The supervisors' burst: absences with redistribution, a return, reassignments, sent as an admin tool
sends them (plain JSON on assigner.commands, the AMQP user_id vouched for by RabbitMQ)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from kombu.exceptions import OperationalError
from sqlalchemy import Engine

from assigner.broker import topology
from assigner.broker.command_sender import broker_user
from assigner.broker.connection import connect, ensure_reached
from assigner.broker.publishing import NotConfirmed, Outgoing, Publisher, json_body
from assigner.devtools.chaos.plan import ROSTERS, Plan
from assigner.devtools.chaos.record import officers_of, stored_commands
from assigner.domain.model import Unit
from assigner.settings import Settings

ABSENT = {Unit("01B1", "00"): "a2", Unit("02CI", "01"): "c3"}  # absent with redistribution
RETURNING = "a2"  # comes back after a while; c3 stays away
REASSIGNED_IN = Unit("03CC", "00")  # a unit whose roster never changes: reassignments use no turn
REASSIGNMENTS = 6
RETURN_AFTER_SECONDS = 3.0
PUBLISH_TIMEOUT_SECONDS = 120.0


@dataclass(frozen=True)
class Sent:
    """A command sent, and what it must leave behind."""

    command_id: str
    command: str
    payload: dict[str, Any]


def units_with_absences() -> set[Unit]:
    """The units whose roster the burst changes (their spread of turns is not checked)."""
    return set(ABSENT)


def send_burst(settings: Settings, supervisor: str, engine: Engine, plan: Plan) -> list[Sent]:
    """Absences, reassignments, then, a few seconds after the absences were answered, a return (as a supervisor
    would: several workers take commands at once, so a return sent sooner may be decided before the absence);
    `settings` log in as the supervisor."""
    absences = [
        _command(supervisor, "officer_absent", officer_id=officer, units=[_unit(unit)], redistribute=True)
        for unit, officer in ABSENT.items()
    ]
    sent = absences + _reassignments(supervisor, engine, plan)
    _publish(settings, sent)
    _wait_answered(engine, [command.command_id for command in absences])
    time.sleep(RETURN_AFTER_SECONDS)
    back = [_command(supervisor, "officer_available", officer_id=RETURNING)]
    _publish(settings, back)
    return sent + back


def _wait_answered(engine: Engine, command_ids: list[str]) -> None:
    """Until the workers stored these commands (answered), or PUBLISH_TIMEOUT_SECONDS passed (the check says)."""
    deadline = time.monotonic() + PUBLISH_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            if stored_commands(engine, command_ids) == set(command_ids):
                return
        except Exception:  # the database is coming back from a fault: look again
            pass
        time.sleep(0.2)


def _reassignments(supervisor: str, engine: Engine, plan: Plan) -> list[Sent]:
    """Declarations of REASSIGNED_IN assigned already, each moved to the next officer of the roster."""
    keys = [key for key, unit in plan.units.items() if unit == REASSIGNED_IN and plan.expected[key] == "assigned"]
    officers = officers_of(engine, keys[:200])
    roster = ROSTERS[REASSIGNED_IN]
    moves: list[Sent] = []
    for key, officer in sorted(officers.items()):
        if officer is None or len(moves) == REASSIGNMENTS:
            continue
        target = roster[(roster.index(officer) + 1) % len(roster)]
        fields = {"declaration_number": plan.numbers[key], "to_officer_id": target, "reason_code": "workload"}
        moves.append(_command(supervisor, "reassign", **fields))
    return moves


def _command(supervisor: str, name: str, **fields: Any) -> Sent:
    command_id = f"chaos-{uuid.uuid4()}"
    payload = {"command_id": command_id, "command": name, "issued_by": supervisor, "reason": "chaos run", **fields}
    return Sent(command_id, name, payload)


def _unit(unit: Unit) -> dict[str, str]:
    return {"customs_office": unit.customs_office, "department": unit.department}


def _publish(settings: Settings, commands: list[Sent]) -> None:
    """Publish, retrying until the broker confirmed them all (a fault may be under way)."""
    messages = [
        Outgoing(json_body(c.payload), topology.COMMANDS, properties={"user_id": broker_user(settings)})
        for c in commands
    ]
    deadline = time.monotonic() + PUBLISH_TIMEOUT_SECONDS
    while True:
        try:
            with connect(settings) as connection:
                ensure_reached(connection)
                Publisher(connection).publish(messages)
                return
        except (NotConfirmed, OperationalError, OSError):  # sent again: a replayed command_id is done once
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
