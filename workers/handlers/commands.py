"""Supervisor commands off `assigner.commands`: authenticate, carry out (one transaction each), answer, ack.

Who sent a command: on RabbitMQ, the AMQP `user_id` property, which the broker checks against the
connection's user (a message without it is refused here); on the embedded broker, which vouches for
nobody, an HMAC-SHA256 signature of the body with the supervisor's key in `x-assigner-signature`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog
from kombu.message import Message

from assigner import logs
from assigner.bootstrap import Runtime
from assigner.broker import topology
from assigner.broker.command_keys import SIGNATURE_HEADER
from assigner.broker.connection import is_embedded
from assigner.broker.publishing import Publisher
from assigner.domain.authentication import CLAIM_LIMIT, Claims, Proof, Unauthenticated, authenticate
from assigner.domain.commands import Command
from assigner.domain.errors import first_line
from assigner.domain.untrusted import is_plain, safe_text
from assigner.schemas.command import parse_command
from assigner.schemas.declaration import InvalidMessage
from assigner.schemas.raw import decode_json
from assigner.services.absences import return_due_officers
from assigner.services.commands import CommandResult, carry_out, reject
from assigner.services.dead_letters import claim_dead_letters
from workers import metrics
from workers.delivery import Refused, property_refusal, raw_body, route_refusal, too_large
from workers.envelope import message_envelope
from workers.handlers.declarations import event_message, mark_published_quietly
from workers.outages import Outages, waits_out

log = structlog.get_logger("assigner.worker")


class CommandHandler:
    """Handles delivered command messages one at a time, each in its own transaction."""

    def __init__(self, runtime: Runtime, wait: Callable[[float], None], is_stopping: Callable[[], bool]) -> None:
        self.runtime = runtime
        self.outages = Outages(runtime.ping, wait, is_stopping)
        settings = runtime.settings
        # The embedded broker vouches for no sender (commands are signed) and flags no redelivery.
        self.embedded = is_embedded(settings)
        self.keys = settings.supervisor_keys() if self.embedded else None
        self.max_age = timedelta(hours=settings.command_max_age_hours)

    def handle(self, batch: Sequence[Message], publisher: Publisher) -> None:
        """Carry out each command of a batch, publish its answer (and dead letter), then ack it."""
        for message in batch:
            body = raw_body(message.body, message.content_encoding)
            stray = route_refusal(message.delivery_info.get("exchange"))
            if stray is not None:
                self._dead_letter_unanswered(message, body, stray, publisher)
                continue
            with message_envelope(message):
                reading = self._read(message, body)
                if reading.reason is not None and not self._first_copy(message, body, reading.reason):
                    message.ack()  # a copy of a message refused and dead-lettered before: nothing to record
                    continue
                result = self.outages.through(lambda: self._carry_out(reading))  # noqa: B023 (called at once)
                with message_envelope(message, command_id=result.command_id):
                    letters = self._dead_letters(message, body, result, claimed=reading.reason is not None)
                    now = self.runtime.clock()
                    events = [*result.events, *self.runtime.take_sealed()]  # with the heads of its transactions
                    publisher.publish([item.outgoing(now) for item in letters] + [event_message(e) for e in events])
                    mark_published_quietly(self.runtime, events, [item.letter for item in letters])
                    message.ack()
                    _log(result)
            metrics.COMMANDS.labels("accepted" if result.accepted else "rejected").inc()
            metrics.count_decisions(result.released)
            metrics.DEAD_LETTERED.labels(topology.COMMANDS_DLQ).inc(len(letters))

    def stop(self) -> None:
        """Nothing is left to record: a command's events are marked with its batch."""

    def idle(self, publisher: Publisher) -> None:
        """While no command comes: officers whose absence ran out come back, and held declarations go out."""
        runtime = self.runtime
        released, events = self.outages.through(
            lambda: return_due_officers(runtime.unit_of_work(), runtime.clock, runtime.policy)
        )
        events = [*events, *runtime.take_sealed()]
        if events:
            publisher.publish([event_message(event) for event in events])
            mark_published_quietly(runtime, events)
        metrics.count_decisions(released)
        for decision in released:
            logs.log_decision(decision)

    def _read(self, message: Message, body: bytes) -> Reading:
        """A command message read: the command and its sender, or why it is refused before anything is done
        (unreadable, unauthenticated, invalid). Such a refusal is recorded only after its dead letter's
        de-duplication: a copy sent again records nothing more."""
        settings = self.runtime.settings
        refused = property_refusal(message.properties) or too_large(body, settings.max_message_bytes)
        if refused:
            return Reading(Claims(), refused, {"bytes": len(body)})
        try:
            payload = decode_json(body)
        except InvalidMessage as error:
            return Reading(Claims(), str(error), {"bytes": len(body)})
        fields = payload if isinstance(payload, dict) else {"value": payload}
        claims = Claims.of(payload)
        try:
            sender = authenticate(claims, body, _proof(message), self.keys, SIGNATURE_HEADER)
        except Unauthenticated as error:
            return Reading(claims, str(error), fields)
        try:
            command = parse_command(payload)
        except InvalidMessage as error:
            return Reading(claims, str(error), fields, sender)
        return Reading(claims, None, fields, sender, command)

    def _dead_letter_unanswered(self, message: Message, body: bytes, reason: str, publisher: Publisher) -> None:
        """Dead-letter a message bound into the queue from another exchange, neither audited nor answered: an
        answer bound back the same way would come again, for ever."""
        with message_envelope(message):
            publish = self._first_copy(message, body, reason)
            if publish:
                refused = Refused.of(message, body, topology.COMMANDS, reason, self.embedded)
                publisher.publish([refused.outgoing(self.runtime.clock())])
                mark_published_quietly(self.runtime, [], [refused.letter])
            message.ack()
            log.warning("command.not_a_command", reason=reason, dead_lettered=publish)
        metrics.DEAD_LETTERED.labels(topology.COMMANDS_DLQ).inc(int(publish))

    def _first_copy(self, message: Message, body: bytes, reason: str) -> bool:
        """Whether a refused message's dead letter is to be published now (claimed), not a copy's again."""
        runtime = self.runtime
        refused = Refused.of(message, body, topology.COMMANDS, reason, self.embedded)
        [publish] = self.outages.through(
            lambda: claim_dead_letters(runtime.unit_of_work(), [refused.letter], runtime.clock)
        )
        if not publish:
            log.info("command.dead_letter_repeated", fingerprint=refused.letter.fingerprint)
        return publish

    def _carry_out(self, reading: Reading) -> CommandResult:
        runtime = self.runtime
        uow = runtime.unit_of_work()
        claims, fields = reading.claims, reading.fields
        if reading.reason is not None or reading.command is None or reading.sender is None:
            reason = safe_text(reading.reason or "unreadable")
            return reject(uow, claims, reason, runtime.clock, sender=reading.sender, body=fields)
        try:
            return carry_out(uow, reading.command, reading.sender, fields, runtime.clock, runtime.policy, self.max_age)
        except Exception as error:  # a command that fails on its own is refused, not tried for ever
            if waits_out(error):
                raise  # waited out by the caller
            described = safe_text(f"{type(error).__name__}: {first_line(error)}", 300)
            log.error("command.failed", command_id=claims.command_id, error=described, exc_info=error)
            reason = f"could not be processed: {described}"
            return reject(runtime.unit_of_work(), claims, reason, runtime.clock, sender=reading.sender, body=fields)

    def _dead_letters(self, message: Message, body: bytes, result: CommandResult, claimed: bool) -> list[Refused]:
        """The command's dead letter, unless it has none or a copy of it was dead-lettered already."""
        if not result.dead_letter:
            return []
        refused = Refused.of(message, body, topology.COMMANDS, result.rejected_because or "rejected", self.embedded)
        # A refusal read before anything was done was claimed before it was recorded; one the command's
        # carrying out refused (unauthorised) is claimed now.
        return [refused] if claimed or self._first_copy(message, body, refused.letter.reason) else []


@dataclass(frozen=True)
class Reading:
    """A command message as read before anything is done: its claims and fields, the authenticated sender, and
    either why it is refused (`reason`) or the command to carry out."""

    claims: Claims
    reason: str | None
    fields: dict[str, Any]
    sender: str | None = None
    command: Command | None = None


def _proof(message: Message) -> Proof:
    """What the transport says of the sender: the AMQP user_id (RabbitMQ checked it), the signature header."""
    user_id = message.properties.get("user_id")
    signature = (message.headers or {}).get(SIGNATURE_HEADER)
    user = user_id if isinstance(user_id, str) and is_plain(user_id, CLAIM_LIMIT) else None
    return Proof(user, safe_text(signature, 200) if signature else None)


def _log(result: CommandResult) -> None:
    fields: dict[str, Any] = {"command_id": result.command_id}
    if result.replayed:
        fields["replayed"] = True
    if result.accepted:
        fields.update(moved=len(result.moves), released=len(result.released))
        log.info("command.accepted", **fields)
        for move in result.moves:
            logs.log_move(move, result.command_id)
        for decision in result.released:
            logs.log_decision(decision)
    else:
        log.warning("command.rejected", reason=result.rejected_because, dead_lettered=result.dead_letter, **fields)
