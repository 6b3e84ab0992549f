"""Use case: assign a batch of declarations by rotation."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from assigner.domain.batch import Ledger, plan
from assigner.domain.decision_records import records_for
from assigner.domain.decisions import Decision
from assigner.domain.events import Event
from assigner.domain.model import Declaration, Unit
from assigner.services.ports import Clock, Policy, UnitOfWork
from assigner.services.transactions import in_transaction


@dataclass(frozen=True)
class BatchResult:
    """What a batch did: one decision per declaration, in order, the held ones released, the events to publish."""

    decisions: list[Decision]
    released: list[Decision]
    attempts: int
    events: list[Event]
    marked: Sequence[str] = ()  # events confirmed earlier, marked published in the same transaction


def assign_declarations(
    uow: UnitOfWork,
    declarations: Sequence[Declaration],
    clock: Clock,
    policy: Policy,
    confirmed: Sequence[str] = (),
) -> BatchResult:
    """Decide and store a batch in one transaction, the touched units' cursors locked; the events of
    `confirmed` (ids the broker confirmed since) are marked published in it, saving a transaction of their own."""

    def work() -> Decided:
        now = clock()
        uow.outbox.mark_published(confirmed, now)  # first: the units' locks are held from the next statement on
        return decide_and_save(uow, declarations, now, policy)

    decided, attempts = in_transaction(uow, work)
    decisions = decided.decisions
    released = [d for d in decisions if d.released]
    return BatchResult([d for d in decisions if not d.released], released, attempts, decided.events, confirmed)


@dataclass(frozen=True)
class Refused:
    """A declaration storage would not take, by its index in the batch, and why."""

    index: int
    reason: str


def assign_isolating_refusals(
    uow: UnitOfWork,
    declarations: Sequence[Declaration],
    clock: Clock,
    policy: Policy,
    refusal: Callable[[BaseException], str | None] | None = None,
    confirmed: Sequence[str] = (),
) -> tuple[list[BatchResult], list[Refused]]:
    """Assign a batch; if it is refused, assign one declaration at a time and report those refused.

    `refusal` says why an error refuses the declarations it came from, or None for an error to raise;
    by default, what storage refuses (a constraint, a value it cannot hold). The `confirmed` events are marked
    published by the first transaction that commits (its result's `marked`).
    """
    refusal = refusal or uow.refusal
    try:
        return [assign_declarations(uow, declarations, clock, policy, confirmed)], []
    except Exception as error:
        if refusal(error) is None:
            raise
    results: list[BatchResult] = []
    refused: list[Refused] = []
    for index, declaration in enumerate(declarations):
        try:
            results.append(assign_declarations(uow, [declaration], clock, policy, confirmed))
            confirmed = ()
        except Exception as error:
            reason = refusal(error)
            if reason is None:
                raise
            refused.append(Refused(index, reason))
    return results, refused


@dataclass(frozen=True)
class Decided:
    """Decisions stored in an open transaction, and the events to publish once it commits."""

    decisions: list[Decision]
    events: list[Event]


def decide_and_save(
    uow: UnitOfWork,
    declarations: Sequence[Declaration],
    now: datetime,
    policy: Policy,
    also_release: Iterable[Unit] = (),
) -> Decided:
    """Inside an open unit of work: release what can be, decide the batch, store, audit and queue its events."""
    units = {d.unit for d in declarations} | set(also_release)
    rotations = uow.rotations.lock(units, now)
    eligible = [unit for unit, rotation in rotations.items() if rotation.has_eligible()]
    held = uow.declarations.held_in(eligible)
    keys = [d.key for d in declarations] + [h.key for queue in held.values() for h in queue]
    groups = uow.declarations.group_owners([*declarations, *(h for queue in held.values() for h in queue)])
    ledger = Ledger(uow.declarations.known(keys), rotations, held, policy.default_channels, policy.hours, groups)
    decisions = plan(declarations, ledger)
    records = records_for(decisions, now)
    uow.declarations.save(records)
    uow.rotations.save(rotations.values(), now)
    uow.audit.append([record.audit for record in records if record.audit is not None])
    events = [record.event for record in records if record.event is not None]
    uow.outbox.add(events, now)
    # A re-sent message publishes its declaration's latest event again, same event_id (at-least-once).
    republished = list(uow.outbox.latest_for([record.key for record in records if record.resent]).values())
    return Decided(decisions, events + republished)
