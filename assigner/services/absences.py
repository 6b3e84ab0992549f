"""Use case: officers whose absence reached its `until` come back, and their units' held declarations go out."""

from __future__ import annotations

from assigner.domain.decisions import Decision
from assigner.domain.events import Event
from assigner.domain.model import SYSTEM, Unit
from assigner.services.assign import decide_and_save
from assigner.services.ports import Clock, Policy, UnitOfWork
from assigner.services.transactions import in_transaction


def return_due_officers(uow: UnitOfWork, clock: Clock, policy: Policy) -> tuple[list[Decision], list[Event]]:
    """End the absences whose `until` has come, audit each return, assign what their units held."""

    def work() -> tuple[list[Decision], list[Event]]:
        now = clock()
        due = uow.absences.due(now)
        if not due:
            return [], []
        units: set[Unit] = set()
        for absence in due:
            units.update([absence.unit] if absence.unit else uow.roster.units_of(absence.officer_id))
        uow.rotations.lock(units, now)  # the returns bump their units' roster versions under the units' locks
        uow.absences.close_due(due)
        for absence in due:
            until = absence.until.isoformat() if absence.until else None
            details = {"unit": str(absence.unit) if absence.unit else None, "until": until}
            uow.audit.record_change(
                now,
                SYSTEM,
                "officer_returned",
                "absence ended at its until",
                officer_id=absence.officer_id,
                details=details,
            )
        decided = decide_and_save(uow, [], now, policy, also_release=units)
        return decided.decisions, decided.events

    result, _ = in_transaction(uow, work)
    return result
