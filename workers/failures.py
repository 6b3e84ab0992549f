"""The worker's failure policy, in one place: what happens to a batch, and to each message, when handling fails.

- The database or the broker away, or the worker stopping: nothing is acknowledged; the consumer waits or
  reconnects and the messages come again (handled before this, by Outages and the consumer's loop).
- A message that can never be processed (not JSON, fails the schema, refused by the database): the handlers
  dead-letter it with its reason, in its batch.
- Anything else (a defect, an error nobody foresaw): the batch's unsettled messages are handled again one
  at a time, so that the others go through; a message that fails on its own is put back in its queue and
  counted, and once it has failed `max_failures` times it is dead-lettered with "failed N times: <error>"
  and acknowledged. No message can hold a queue, whatever the defect.

Failures are counted per message (its dead letter's fingerprint) by each consumer, in memory: with W
workers a message is tried at most W x max_failures times.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

import structlog
from kombu.message import Message

from assigner.broker import topology
from assigner.broker.publishing import NotConfirmed, Publisher
from assigner.domain.dead_letters import fingerprint
from assigner.domain.errors import first_line
from assigner.domain.untrusted import safe_text
from assigner.services.ports import Clock
from workers import metrics
from workers.delivery import Refused, raw_body
from workers.envelope import message_envelope
from workers.outages import DatabaseUnavailable

log = structlog.get_logger("assigner.worker")
REMEMBERED = 10_000  # messages whose failures a consumer counts at once (the oldest forgotten first)


class Handler(Protocol):
    """What handles a batch of one queue: returns once every message of it is settled."""

    def handle(self, batch: Sequence[Message], publisher: Publisher) -> None: ...


class FailurePolicy:
    """Runs a queue's batches through its handler, containing every failure that is not an outage."""

    def __init__(
        self,
        queue: str,
        handler: Handler,
        max_failures: int,
        broker_errors: tuple[type[BaseException], ...],
        embedded: bool,
        clock: Clock,
    ) -> None:
        self.queue = queue
        self.clock = clock
        self.handler = handler
        self.max_failures = max_failures
        self.passes_through: tuple[type[BaseException], ...] = (DatabaseUnavailable, NotConfirmed, *broker_errors)
        self.embedded = embedded
        self.failures: OrderedDict[str, int] = OrderedDict()

    def handle(self, batch: Sequence[Message], publisher: Publisher) -> None:
        """Handle a batch; a failure that is not an outage is narrowed down to the message that causes it."""
        try:
            self.handler.handle(batch, publisher)
            return
        except self.passes_through:
            raise
        except Exception as error:
            failure = error
        pending = [message for message in batch if not settled(message)]
        if len(batch) == 1 or not pending:
            self._failed(batch[0] if pending else None, failure, publisher)
            return
        log.warning("batch.failed", error=_described(failure), messages=len(batch), unsettled=len(pending))
        for message in pending:
            # Handled again in this process: a dead letter it claimed before the failure is to be published
            # now, as for a message the broker delivers again, not taken for a copy's.
            message.delivery_info["redelivered"] = True
            try:
                self.handler.handle([message], publisher)
            except self.passes_through:
                raise
            except Exception as error:
                self._failed(None if settled(message) else message, error, publisher)

    def _failed(self, message: Message | None, error: Exception, publisher: Publisher) -> None:
        """Count a message's failure; put it back, or dead-letter it once it failed max_failures times. `message`
        None: the failure came after the messages were settled (their outcome stands), and is only logged."""
        if message is None:
            log.error("batch.failed_after_ack", error=_described(error), exc_info=error)
            return
        body = raw_body(message.body, message.content_encoding)
        key = fingerprint(self.queue, body)
        count = self.failures.pop(key, 0) + 1
        described = _described(error)
        if count < self.max_failures:
            self.failures[key] = count
            while len(self.failures) > REMEMBERED:
                self.failures.popitem(last=False)
            with message_envelope(message):
                log.error("message.failed", error=described, failures=count, exc_info=error)
            message.requeue()
            return
        reason = f"failed {count} times: {described}"
        refused = Refused.of(message, body, self.queue, reason, self.embedded)
        try:
            publisher.publish([refused.outgoing(self.clock())])
        except self.passes_through:
            raise
        except Exception:  # whatever in its properties fails: the body and the reason alone
            publisher.publish([refused.minimal(self.clock())])
        message.ack()
        metrics.DEAD_LETTERED.labels(topology.dead_letter_queue(self.queue)).inc()
        with message_envelope(message):
            log.error("message.dead_lettered", reason=reason, exc_info=error)


def settled(message: Message) -> bool:
    """Whether a message was acknowledged, rejected or put back already."""
    return bool(message.acknowledged)


def _described(error: BaseException) -> str:
    return safe_text(f"{type(error).__name__}: {first_line(error)}", 300)
