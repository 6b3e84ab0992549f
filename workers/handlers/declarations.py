"""One batch of delivered messages: parse, assign in one transaction, publish events and dead letters, ack.

The ack policy of a declaration batch:
- a message is acknowledged only after its transaction committed and the broker confirmed its
  events and dead letters; any failure before that leaves it unacknowledged, to be redelivered;
- the database being unreachable is waited out (the batch is retried, messages kept in hand);
- a message that is no declaration, or that the database refuses, is dead-lettered with the reason (the
  batch is then replayed one declaration at a time, so the others go through);
- any other failure is left to the worker's failure policy (workers/failures.py), which finds the message
  that causes it and dead-letters it after a bounded number of tries.

With partitions (assigner/broker/partitions.py), a batch holds messages of the process's partitions, assigned,
and messages of assigner.declarations, forwarded to their unit's partition (workers/handlers/routing.py): the
copies are published with the batch's events and dead letters, and acknowledged with them, once confirmed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from functools import partial

import structlog
from kombu.message import Message

from assigner import logs
from assigner.bootstrap import Runtime
from assigner.broker import topology
from assigner.broker.connection import is_embedded
from assigner.broker.partitions import TO_FORWARD, own_user, partitioned
from assigner.broker.publishing import Outgoing, Publisher, json_body
from assigner.domain.completions import Completion
from assigner.domain.dead_letters import DeadLetter
from assigner.domain.errors import first_line
from assigner.domain.events import Event
from assigner.domain.model import Declaration
from assigner.domain.untrusted import safe_text
from assigner.services.assign import BatchResult, assign_isolating_refusals
from assigner.services.audit_heads import keep_daily_head
from assigner.services.completion import CompletionResult, complete_checks
from assigner.services.dead_letters import forget_old_dead_letters, mark_dead_letters_published
from assigner.services.draw_keys import keep_draw_keys
from assigner.services.outbox import mark_published, pending_events
from assigner.services.overdue import BATCH as OVERDUE_BATCH
from assigner.services.overdue import flag_overdue
from workers import metrics
from workers.handlers.admission import Admission, log_refusals
from workers.handlers.routing import Forwarder
from workers.outages import DatabaseUnavailable, Outages, waits_out

log = structlog.get_logger("assigner.worker")
SETTLED = timedelta(seconds=10)
FORGET_EVERY_SECONDS = 3600.0
OVERDUE_ROUNDS = 4  # transactions of overdue flags per look: a batch waits for at most these


class BatchHandler:
    """Handles batches of delivered declaration messages against the runtime's database."""

    def __init__(self, runtime: Runtime, wait: Callable[[float], None], is_stopping: Callable[[], bool]) -> None:
        self.runtime = runtime
        self.is_stopping = is_stopping
        self.outages = Outages(runtime.ping, wait, is_stopping)
        self.embedded = is_embedded(runtime.settings)  # its deliveries carry no redelivered flag
        # A forwarded copy's sender header is believed from the worker's own user (also with no partitions: what
        # was left in them when they were turned off is assigned); forwarding needs partitions.
        worker_user = None if self.embedded else own_user(runtime.settings)
        self.admission = Admission(runtime, self.outages, self.embedded, worker_user)
        self.forwarder = None
        if worker_user is not None and partitioned(runtime.settings):
            self.forwarder = Forwarder(self.admission, runtime.settings.declaration_partitions, worker_user)
        self._last_forgotten = -FORGET_EVERY_SECONDS
        self.watch_every = runtime.settings.overdue_check_seconds
        self._last_watched = time.monotonic()  # the first look one interval after the start
        self.phases = metrics.BatchPhases(topology.DECLARATIONS, ("decide", "publish", "ack"))
        # Events the broker confirmed, not marked published yet: the next batch's transaction marks them (a
        # transaction saved per batch), else idle(), or the end of the batch when the worker stops. One lost is
        # published again by the sweep, same event_id.
        self._confirmed: list[Event] = []

    def handle(self, batch: Sequence[Message], publisher: Publisher) -> None:
        """Process a batch; returns once every message of it is acknowledged. Under a steady load the legal
        clocks are watched here, before the batch (idle() does it otherwise). Its phases are timed: decide
        (reading, the transactions, which mark the last batch's events, claiming dead letters), publish (confirmed,
        dead letters marked), ack."""
        self.watch_clocks(publisher)
        self.phases.start()
        to_forward = [message for message in batch if message.delivery_info.get(TO_FORWARD)]
        admitted = self.admission.read([message for message in batch if not message.delivery_info.get(TO_FORWARD)])
        valid, completions, refused = admitted.declarations, admitted.completions, admitted.refused
        forwards: list[Outgoing] = []
        if to_forward:
            assert self.forwarder is not None, "a message to forward on a consumer that forwards nothing"
            forwards, not_forwarded = self.forwarder.forward(to_forward)
            refused += not_forwarded
        results: list[BatchResult] = []
        confirmed = list(self._confirmed)
        for index, reason in self._decide([d for _, _, d in valid], results, confirmed):
            message, body, _ = valid[index]
            refused.append(self.admission.refused(message, body, reason))
        if any(result.marked for result in results):
            del self._confirmed[: len(confirmed)]
        else:
            self.mark_confirmed()  # no transaction of this batch could carry them
        completed = self._complete([c for _, _, c in completions])
        for (message, body, _), outcome in zip(completions, completed):
            if outcome.refused is not None:
                refused.append(self.admission.refused(message, body, outcome.refused))
        letters = self.admission.claim(refused)
        events = [event for result in results for event in result.events]
        events += [event for outcome in completed for event in outcome.events]
        events += self.runtime.take_sealed()  # the heads of this batch's transactions (audit.sealed)
        now = self.runtime.clock()
        self.phases.lap("decide")
        publisher.publish(
            [item.outgoing(now) for item in letters.to_publish] + forwards + [event_message(e) for e in events]
        )
        self._confirmed.extend(events)
        if letters.to_publish:  # rare; a copy of an unmarked dead letter would be dead-lettered again
            mark_published_quietly(self.runtime, [], [item.letter for item in letters.to_publish])
        self.phases.lap("publish")
        acknowledge(batch, self.embedded)
        self.phases.lap("ack")
        if self.is_stopping():
            self.mark_confirmed()
        metrics.DEAD_LETTERED.labels(topology.DECLARATIONS_DLQ).inc(len(letters.to_publish))
        tags = {declaration.key: message.delivery_tag for message, _, declaration in valid}
        for result in results:
            metrics.count_decisions(result.released + result.decisions)
            for decision in result.released:  # held before, released now: no message of this batch
                logs.log_decision(decision)
            for decision in result.decisions:  # the message's delivery tag as a field: a context per line costs
                logs.log_decision(decision, delivery_tag=tags.get(decision.declaration.key))  # 2 % of a batch
        for outcome in completed:
            if outcome.outcome is not None:
                logs.log_completion(outcome.completion, outcome.outcome.value)
        log_refusals(letters)

    def idle(self, publisher: Publisher) -> None:
        """While no declaration comes: publish what the outbox holds unconfirmed, flag what passed its due time;
        now and then, forget old dead letters. The events confirmed since the last batch are marked first."""
        self.mark_confirmed()
        self.sweep(publisher)
        self.watch_clocks(publisher)
        self.mark_confirmed()
        if time.monotonic() - self._last_forgotten >= FORGET_EVERY_SECONDS:
            runtime = self.runtime
            self.outages.through(lambda: forget_old_dead_letters(runtime.unit_of_work(), runtime.clock))
            self._last_forgotten = time.monotonic()

    def watch_clocks(self, publisher: Publisher) -> None:
        """Every overdue_check_seconds (under load too): flag open declarations past their due time, publish
        their declaration.overdue events. A failure of its own is logged, never laid on the batch's messages."""
        if time.monotonic() - self._last_watched < self.watch_every:
            return
        self._last_watched = time.monotonic()
        self.publish_daily_audit(publisher)
        runtime = self.runtime
        for _ in range(OVERDUE_ROUNDS):  # a transaction's worth at a time, published before the next
            if self.is_stopping():
                return
            try:
                events = self.outages.through(
                    lambda: flag_overdue(runtime.unit_of_work(), runtime.clock, runtime.policy)
                )
            except DatabaseUnavailable:
                raise  # stopping during an outage: the consumer's to handle
            except Exception as error:  # a defect, or conflicts that outlast the retries: tried again next interval
                log.error("overdue.watch_failed", error=first_line(error))
                metrics.WATCH_FAILURES.inc()
                return
            if not events:
                return
            published = [*events, *runtime.take_sealed()]  # with the head of its transaction
            publisher.publish([event_message(event) for event in published])
            self._confirmed.extend(published)
            _log_overdue(events)
            if len(events) < OVERDUE_BATCH:
                return
            self.mark_confirmed()
        self._last_watched = float("-inf")  # more are overdue: the next batch (or idle round) goes on with them

    def publish_daily_audit(self, publisher: Publisher) -> None:
        """Once a day (the first worker to look after midnight): the audit chain's head at the end of yesterday,
        kept and published as audit.daily_head; and the drawn turns' keys: tomorrow's committed, ended days'
        revealed (audit.draw_key_committed, audit.draw_key_revealed). A failure is logged and tried again at the
        next look."""
        runtime = self.runtime
        for name, keep in (("audit.daily_head", keep_daily_head), ("audit.draw_keys", keep_draw_keys)):
            try:
                events = self.outages.through(partial(keep, runtime.unit_of_work(), runtime.clock, runtime.policy))
            except DatabaseUnavailable:
                raise
            except Exception as error:
                log.error(f"{name}_failed", error=first_line(error))
                continue
            if events:
                publisher.publish([event_message(event) for event in events])
                self._confirmed.extend(events)
                for event in events:
                    log.info(
                        event.name,
                        **{k: event.body[k] for k in ("day", "seq", "head", "commitment") if k in event.body},
                    )

    def sweep(self, publisher: Publisher) -> int:
        """Publish events stored but never confirmed (a roster import's releases, a crash); returns how many."""
        total = 0
        while not self.is_stopping():
            events = pending_events(self.runtime.unit_of_work(), self.runtime.clock, SETTLED)
            if not events:
                break
            publisher.publish([event_message(event) for event in events])
            mark_published_quietly(self.runtime, events)  # now: the next round reads what is still unmarked
            total += len(events)
        if total:
            log.info("outbox.published", events=total)
        return total

    def stop(self) -> None:
        """The consumer stops: mark what was confirmed since the last batch (else the sweep publishes it again)."""
        self.mark_confirmed()

    def mark_confirmed(self) -> None:
        """Mark published, in a transaction of their own, the confirmed events no batch has marked yet."""
        if self._confirmed:
            confirmed, self._confirmed = self._confirmed, []
            mark_published_quietly(self.runtime, confirmed)

    def _decide(
        self, declarations: list[Declaration], results: list[BatchResult], confirmed: list[Event]
    ) -> list[tuple[int, str]]:
        """Assign the declarations (marking the `confirmed` events), waiting out database outages; returns
        (index, reason) of those refused."""
        if not declarations:
            return []

        def attempt() -> list[tuple[int, str]]:
            results.clear()
            return self._assign(declarations, results, confirmed)

        return self.outages.through(attempt)

    def _assign(
        self, declarations: list[Declaration], results: list[BatchResult], confirmed: list[Event]
    ) -> list[tuple[int, str]]:
        runtime = self.runtime
        uow = runtime.unit_of_work()

        def refusal(error: BaseException) -> str | None:
            """What the database refuses refuses the declaration it came from; any other error is raised."""
            stored = uow.refusal(error)
            return None if stored is None else f"refused by the database: {safe_text(stored, 300)}"

        marks = [event.event_id for event in confirmed]
        done, refused = assign_isolating_refusals(uow, declarations, runtime.clock, runtime.policy, refusal, marks)
        results.extend(done)
        return [(r.index, r.reason) for r in refused]

    def _complete(self, completions: list[Completion]) -> list[CompletionResult]:
        """Carry out upstream completions, waiting out database outages."""
        if not completions:
            return []
        runtime = self.runtime
        return self.outages.through(
            lambda: complete_checks(runtime.unit_of_work(), completions, runtime.clock, runtime.policy)
        )


def mark_published_quietly(runtime: Runtime, events: Sequence[Event], letters: Sequence[DeadLetter] = ()) -> None:
    """Record the broker's confirms; if the database is away, the sweep publishes the events again (same ids),
    and a redelivered copy of a dead letter is dead-lettered again."""
    try:
        mark_published(runtime.unit_of_work(), [e.event_id for e in events], runtime.clock)
        mark_dead_letters_published(runtime.unit_of_work(), letters, runtime.clock)
    except Exception as error:  # marking is a saving: the sweep publishes unmarked events again, same ids
        if not waits_out(error):
            log.error("outbox.mark_failed", events=len(events), dead_letters=len(letters), error=first_line(error))
            return
        log.warning("outbox.not_marked", events=len(events), dead_letters=len(letters), error=first_line(error))


def acknowledge(batch: Sequence[Message], one_by_one: bool) -> None:
    """Ack a whole batch. On RabbitMQ, one ack of the last delivery with `multiple`: the batch holds every
    message delivered on the channel before its last and not yet acknowledged, in delivery order (those delivered
    after it wait in the consumer for the next batch; a batch that fails closes the connection, so none is left
    behind unacknowledged). The embedded transport ignores `multiple`."""
    if one_by_one:
        for message in batch:
            message.ack()
    elif batch:
        batch[-1].ack(multiple=True)
        for message in batch[:-1]:
            message._state = "ACK"  # kombu marks the one it acked; the others are acknowledged with it


def _log_overdue(events: Sequence[Event]) -> None:
    """One line per declaration flagged overdue."""
    for event in events:
        body = event.body
        log.warning(
            "declaration.overdue",
            declaration_number=body["declaration_number"],
            unit=f"{body['customs_office']}/{body['department']}",
            officer_id=body["officer_id"],
            due_at=body["due_at"],
        )


def event_message(event: Event) -> Outgoing:
    """An event as published to assigner.events: persistent JSON, message_id = event_id."""
    return Outgoing(
        json_body(event.body),
        event.routing_key,
        exchange=topology.EVENTS,
        properties={"message_id": event.event_id, "type": event.name},
    )
