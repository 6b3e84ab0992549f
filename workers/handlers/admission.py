"""What each message of assigner.declarations goes through first, wherever it is read (forwarded to its partition,
or assigned): admitted or refused (its properties, size, sender), read (a declaration or a completion, or why it
is neither), and the refused ones' dead letters claimed (each published once) and logged."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import structlog
from kombu.message import Message

from assigner.bootstrap import Runtime
from assigner.broker import topology
from assigner.broker.partitions import sender_of
from assigner.domain.authentication import sender_refusal
from assigner.domain.completions import Completion
from assigner.domain.model import Declaration
from assigner.domain.untrusted import safe_text
from assigner.schemas.completion import COMPLETION_TYPE
from assigner.schemas.declaration import InvalidMessage
from assigner.services.dead_letters import claim_dead_letters
from workers.delivery import Refused, property_refusal, raw_body, read_completion, read_declaration, too_large
from workers.envelope import message_envelope
from workers.outages import Outages

log = structlog.get_logger("assigner.worker")


@dataclass
class Admitted:
    """A batch read: its declarations and completions (each with its message and body), and the refused."""

    declarations: list[tuple[Message, bytes, Declaration]] = field(default_factory=list)
    completions: list[tuple[Message, bytes, Completion]] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)


@dataclass(frozen=True)
class RefusedCopies:
    """A batch's refused messages: those dead-lettered now, and copies of ones dead-lettered before."""

    to_publish: list[Refused]
    repeats: list[Refused]


class Admission:
    """The edge of assigner.declarations: every message read once, in one place, untrusted."""

    def __init__(self, runtime: Runtime, outages: Outages, embedded: bool, worker_user: str | None) -> None:
        self.runtime = runtime
        self.outages = outages  # how a database call waits out an outage
        self.embedded = embedded  # its deliveries carry no redelivered flag
        self.worker_user = worker_user  # whose x-assigner-sender header is believed (assigner/broker/partitions.py)

    def read(self, batch: Sequence[Message]) -> Admitted:
        """Each message of a batch, admitted and read, or refused with the reason."""
        admitted = Admitted()
        for message in batch:
            body = raw_body(message.body, message.content_encoding)
            sender = sender_of(message, self.worker_user)
            try:
                self._admit(message, body, sender)
                if message.properties.get("type") == COMPLETION_TYPE:
                    admitted.completions.append((message, body, read_completion(message, body, sender)))
                else:
                    declaration = read_declaration(body, message.content_type, message.content_encoding)
                    admitted.declarations.append((message, body, declaration))
            except InvalidMessage as error:
                admitted.refused.append(self.refused(message, body, str(error)))
        return admitted

    def refused(self, message: Message, body: bytes, reason: str) -> Refused:
        """A message's refusal: its dead letter for assigner.declarations.dlq."""
        return Refused.of(message, body, topology.DECLARATIONS, reason, self.embedded)

    def claim(self, refused: list[Refused]) -> RefusedCopies:
        """Which refused messages to dead-letter now; the others' dead letters are published already."""
        if not refused:
            return RefusedCopies([], [])
        runtime = self.runtime
        letters = [item.letter for item in refused]
        publish = self.outages.through(lambda: claim_dead_letters(runtime.unit_of_work(), letters, runtime.clock))
        return RefusedCopies(
            [item for item, now in zip(refused, publish) if now],
            [item for item, now in zip(refused, publish) if not now],
        )

    def _admit(self, message: Message, body: bytes, sender: object) -> None:
        """Raise InvalidMessage when a message may not be read: its properties, its size (left unread), its
        sender (declaration_senders)."""
        settings = self.runtime.settings
        refusal = (
            property_refusal(message.properties)
            or too_large(body, settings.max_message_bytes)
            or sender_refusal(sender, settings.declaration_senders)
        )
        if refusal:
            raise InvalidMessage(refusal)


def log_refusals(letters: RefusedCopies) -> None:
    """One line per refused message: dead-lettered now, or a copy of one dead-lettered before."""
    for item in letters.to_publish:
        with message_envelope(item.message, **_identity(item.body)):
            log.warning("declaration.dead_lettered", reason=item.letter.reason)
    for item in letters.repeats:
        with message_envelope(item.message, **_identity(item.body)):
            log.info("declaration.dead_letter_repeated", reason=item.letter.reason, fingerprint=item.letter.fingerprint)


def _identity(body: bytes) -> dict[str, str]:
    """The declaration number and unit of a dead letter, when its body shows them, for the log line."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return {}
    if not isinstance(payload, dict):
        return {}
    fields = {"declaration_number": payload.get("declaration_number"), "unit": _unit(payload)}
    return {k: safe_text(v, 64) for k, v in fields.items() if v}


def _unit(payload: dict[str, object]) -> str | None:
    office, department = payload.get("customs_office"), payload.get("department")
    return f"{office}/{department}" if office and department else None
