"""Use case: a check is finished, which stops its legal clock (rule 8); from the officer, a supervisor or upstream."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from assigner.domain.completions import CompletedBy, Completion
from assigner.domain.events import Event, completed_event, new_event_id
from assigner.domain.legal_clock import in_office_zone
from assigner.domain.model import Status
from assigner.domain.moves import Holding
from assigner.domain.working_hours import HoursBook
from assigner.services.ports import Clock, Policy, UnitOfWork
from assigner.services.transactions import in_transaction


def close_check(
    uow: UnitOfWork,
    holding: Holding,
    now: datetime,
    hours: HoursBook,
    actor: str,
    by: CompletedBy,
    reason: str | None = None,
    command_id: str | None = None,
    completed_at: datetime | None = None,
) -> Event:
    """Inside an open unit of work: mark the declaration completed (at `completed_at`, default now) and audit it;
    returns declaration.completed, for the caller's outbox."""
    moment = completed_at or now
    uow.holdings.complete(holding.key, moment)
    details = {"completed_by": by.value, "completed_at": moment.isoformat()}
    uow.audit.record_change(now, actor, "completed", reason, command_id=command_id, holding=holding, details=details)
    return completed_event(holding, by.value, moment, new_event_id(), in_office_zone(hours, holding), command_id)


class CompletionOutcome(StrEnum):
    """What an upstream completion did."""

    COMPLETED = "completed"
    ALREADY_COMPLETED = "already_completed"  # a re-sent message, or completed before by the officer
    NOT_CHECKED = "not_checked"  # a channel not assigned in its unit (recorded): there is no check to end


@dataclass(frozen=True)
class CompletionResult:
    """One completion's outcome; `refused` says why it is dead-lettered (unknown declaration, another unit)."""

    completion: Completion
    outcome: CompletionOutcome | None = None
    refused: str | None = None
    events: list[Event] = field(default_factory=list)


def complete_checks(
    uow: UnitOfWork, completions: Sequence[Completion], clock: Clock, policy: Policy
) -> list[CompletionResult]:
    """Carry out upstream completions in one transaction, each declaration's unit locked first."""

    def work() -> list[CompletionResult]:
        now = clock()
        keys = [c.key for c in completions]
        found = uow.holdings.by_keys(keys)
        uow.rotations.lock(sorted({h.unit for h in found.values()}), now)
        found = uow.holdings.by_keys(keys)  # as they stand under the locks
        results = []
        for completion in completions:
            result = _complete_one(uow, completion, found.get(completion.key), now, policy)
            holding = found.get(completion.key)
            if result.outcome is CompletionOutcome.COMPLETED and holding is not None:  # a second copy in the batch
                found[completion.key] = replace(holding, status=Status.COMPLETED)
            results.append(result)
        return results

    results, _ = in_transaction(uow, work)
    return results


def _complete_one(
    uow: UnitOfWork, completion: Completion, holding: Holding | None, now: datetime, policy: Policy
) -> CompletionResult:
    number = completion.declaration_number
    if holding is None:
        return CompletionResult(completion, refused=f"declaration {number} is not known")
    unit = f"{completion.customs_office}/{completion.department}"
    if unit != str(holding.unit):
        return CompletionResult(completion, refused=f"declaration {number} is in unit {holding.unit}, not {unit}")
    if holding.status is Status.COMPLETED:
        return CompletionResult(completion, CompletionOutcome.ALREADY_COMPLETED)
    if holding.status is Status.RECORDED:
        return CompletionResult(completion, CompletionOutcome.NOT_CHECKED)
    actor = completion.sender or CompletedBy.UPSTREAM.value
    event = close_check(
        uow, holding, now, policy.hours, actor, CompletedBy.UPSTREAM, completed_at=completion.moment(now)
    )
    uow.outbox.add([event], now)
    return CompletionResult(completion, CompletionOutcome.COMPLETED, events=[event])
