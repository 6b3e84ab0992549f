"""Use case: fairness tested by statistics over a period (domain/fairness.py), from the audit trail.

Who was eligible at each turn is not stored anywhere but in the trail's history (roster imports, absences,
returns): the trail is replayed from its first entry, as `audit verify` replays it, and each turn of the
period's units gives its draw; who has each declaration at the end of the period comes from the entries too."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assigner.domain.audit_replay import RotationReplay, entry_time
from assigner.domain.audit_seals import SealedBatch, in_seal_order
from assigner.domain.fairness import Draw, UnitFairness, fairness
from assigner.domain.reports import Period, Scope
from assigner.services.ports import UnitOfWork

_HOLDING = ("assigned", "reassigned", "held")


def fairness_over(uow: UnitOfWork, scope: Scope, period: Period) -> list[UnitFairness]:
    """The fairness tests of each unit in `scope` over `period`, one consistent read of the trail."""
    start, end = period.bounds()
    draws: dict[str, dict[str, Any]] = {}

    def turn(entry: Mapping[str, Any], eligible: tuple[str, ...]) -> None:
        at = entry_time(entry["occurred_at"])
        if start <= at < end and _in_scope(scope, entry) and entry.get("declaration_key"):
            key = str(entry["declaration_key"])
            unit = f"{entry['customs_office']}/{entry['department']}"
            draws[key] = {"unit": unit, "at": at, "eligible": eligible, "taker": str(entry["officer_id"])}

    replay = RotationReplay(on_turn=turn)
    holders: dict[str, str | None] = {}
    with uow:
        uow.audit.read_one_snapshot()
        for item in in_seal_order(uow.audit.seals(), uow.audit.batches()):
            if not isinstance(item, SealedBatch):
                break  # entries under no seal are no part of the trail (audit verify names them)
            for entry in item.entries:
                _read(replay, entry)
                key = entry.get("declaration_key")
                if key in draws and entry["action"] in _HOLDING and entry_time(entry["occurred_at"]) < end:
                    holders[str(key)] = entry.get("officer_id")
        enterprises = uow.declarations.enterprises(draws)
    return fairness(
        Draw(d["unit"], key, d["at"], d["eligible"], d["taker"], holders.get(key), enterprises.get(key))
        for key, d in draws.items()
    )


def _read(replay: RotationReplay, entry: Mapping[str, Any]) -> None:
    """One entry into the replay; one that does not follow the rules (audit verify names it) is passed over."""
    try:
        replay.apply(entry)
    except (KeyError, TypeError, ValueError, AttributeError):
        pass


def _in_scope(scope: Scope, entry: Mapping[str, Any]) -> bool:
    if scope.customs_office is not None and entry.get("customs_office") != scope.customs_office:
        return False
    return scope.department is None or entry.get("department") == scope.department
