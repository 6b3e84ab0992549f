"""Use case: fairness tested by statistics over a period (domain/fairness.py), from the audit trail.

The period's declarations are those registered in it, as in the report. Who was eligible at each turn is not
stored anywhere but in the trail's history (roster imports, absences, returns): the trail is replayed from its
first entry, as `audit verify` replays it, and each turn that decided one of them gives its draw; who has each
now comes from the entries too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assigner.domain.audit_replay import RotationReplay, entry_time
from assigner.domain.audit_seals import SealedBatch, in_seal_order
from assigner.domain.errors import InvalidInput
from assigner.domain.fairness import Draw, UnitFairness, fairness
from assigner.domain.moves import MoveMode
from assigner.domain.reports import Period, Scope
from assigner.services.ports import UnitOfWork

_HOLDING = ("assigned", "reassigned")


def fairness_over(uow: UnitOfWork, scope: Scope, period: Period) -> list[UnitFairness]:
    """The fairness tests of each unit in `scope` over `period`, one consistent read of the trail."""
    start, end = period.bounds()
    draws: dict[str, dict[str, Any]] = {}
    with uow:
        uow.audit.read_one_snapshot()
        enterprises = uow.declarations.registered(start, end, scope.customs_office, scope.department)

        def turn(entry: Mapping[str, Any], eligible: tuple[str, ...], away: tuple[tuple[str, str], ...]) -> None:
            key = entry.get("declaration_key")
            if key in enterprises and key not in draws:  # the turn that took it in (not a redistribution's)
                unit = f"{entry['customs_office']}/{entry['department']}"
                at, taker = entry_time(entry["occurred_at"]), str(entry["officer_id"])
                draws[str(key)] = {"unit": unit, "at": at, "eligible": eligible, "taker": taker, "away": away}

        replay = RotationReplay(on_turn=turn)
        holders: dict[str, str | None] = {}  # moved by hand since its turn
        place = 0
        for item in in_seal_order(uow.audit.seals(), uow.audit.batches()):
            if not isinstance(item, SealedBatch):
                break  # entries under no seal are no part of the trail (audit verify names them)
            replay.seal(item.seal["seq"], item.seal["hash"])
            for entry in item.entries:
                place += 1
                _read(replay, entry, place)
                key = entry.get("declaration_key")
                if key in draws and entry.get("mode") == MoveMode.MANUAL.value and entry["action"] in _HOLDING:
                    holders[str(key)] = entry.get("officer_id")
    return fairness(
        Draw(
            d["unit"],
            key,
            d["at"],
            d["eligible"],
            d["taker"],
            holders.get(key, d["taker"]),
            enterprises.get(key),
            d["away"],
        )
        for key, d in draws.items()
    )


def _read(replay: RotationReplay, entry: Mapping[str, Any], place: int) -> None:
    """One entry into the replay: a trail that does not follow the rules cannot be tested (every later turn of
    its unit would be off too)."""
    problem = replay.check(entry)
    if problem:
        raise InvalidInput(
            f"the audit trail does not follow the rotation rules at entry {place}: {problem}; run `assigner audit "
            f"verify`, which names what was changed"
        )
