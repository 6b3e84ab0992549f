"""Use cases of drawn turns' keys and modes: a unit set to draw its turns (or back to roster order), audited; the
days' keys committed ahead and revealed after their day, as events to publish (domain/draws.py)."""

from __future__ import annotations

from typing import Any

from assigner.domain.draws import RotationMode, switched
from assigner.domain.errors import InvalidInput
from assigner.domain.events import Event
from assigner.domain.model import Unit
from assigner.services.ports import Clock, Policy, UnitOfWork
from assigner.services.transactions import in_transaction


def set_rotation_mode(uow: UnitOfWork, unit: Unit, mode: RotationMode, clock: Clock, actor: str) -> bool:
    """Set how a unit orders its rounds, keeping rule 2 across the switch (domain/draws.switched: a drawn round
    goes on from those roster order served; one partly drawn ends drawn). Audited (rotation_mode: the mode asked,
    the state before and after, who the round has served); to draw, today's and tomorrow's keys are committed
    if they were not. False when the unit is so already (nothing written)."""

    def work() -> bool:
        now = clock()
        rotation = uow.rotations.load([unit], now, lock=True).get(unit)
        if rotation is None:
            raise InvalidInput(f"unit {unit} has no roster: import one first (assigner roster import)")
        officers = [slot.officer_id for slot in rotation.roster]
        after = switched(rotation.state, mode, officers, rotation.position, rotation.served)
        if after is None:
            return False
        state, served = after
        uow.rotations.set_mode(unit, state, served, now)
        details = {"mode": mode.value, "before": rotation.state.value, "state": state.value, "served": sorted(served)}
        uow.audit.record_unit(now, actor, "rotation_mode", unit, **details)
        if mode is RotationMode.DRAWN:
            uow.draw_keys.commit_days(now)
        return True

    changed, _ = in_transaction(uow, work, changed=bool)
    return changed


def keep_draw_keys(uow: UnitOfWork, clock: Clock, policy: Policy) -> list[Event]:
    """Commit tomorrow's key (today's too, if missing) once some unit draws, and reveal each key whose day is
    over; one transaction. The events to publish (also queued in the outbox); [] when there was nothing to do.
    (`policy`: as the worker's other clock keepers take it; the keys keep the zone of their first day.)"""

    def work() -> list[Event]:
        now = clock()
        events = uow.draw_keys.reveal_ended(now)
        if uow.rotations.any_drawn():
            events += uow.draw_keys.commit_days(now)
        return events

    events, _ = in_transaction(uow, work, changed=bool)
    return events


def draw_keys(uow: UnitOfWork) -> list[dict[str, Any]]:
    """Every day's key as published: day, bounds, commitment; the key itself once revealed (None before)."""
    with uow:
        return uow.draw_keys.committed()
