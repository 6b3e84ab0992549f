"""A delivered message as the contract reads it: a declaration, or the reason it is dead-lettered."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kombu.message import Message

from assigner.broker import topology
from assigner.broker.amqp_properties import COMPRESSION, UNDECODABLE
from assigner.broker.publishing import Outgoing, encodable
from assigner.domain.completions import Completion
from assigner.domain.dead_letters import DeadLetter, fingerprint
from assigner.domain.model import Declaration
from assigner.domain.untrusted import is_plain, quoted, safe_text
from assigner.schemas.completion import parse_completion
from assigner.schemas.declaration import InvalidMessage
from assigner.schemas.raw import parse_declaration_bytes, text_codec

ROUTING_HEADERS = ("CC", "BCC")  # RabbitMQ's sender-selected distribution
KEPT_PROPERTIES = ("message_id", "correlation_id", "app_id", "timestamp", "type")  # a copy's, as received
# No content type (raw text) and JSON with parameters (Java and Spring send `; charset=UTF-8`) are accepted.
JSON_TYPES = {"", "application/json", "text/json", "text/plain"}
IDENTITY_ENCODINGS = {"", "identity", "binary", "7bit", "8bit"}


def raw_body(body: bytes | str, content_encoding: str | None) -> bytes:
    """The body's bytes: py-amqp hands over a str when it could decode it with the message's content_encoding."""
    if isinstance(body, bytes):
        return body
    try:
        return body.encode(text_codec(content_encoding or "") or "utf-8")
    except Exception:  # a codec that cannot write back what it read (idna): the text as UTF-8
        return body.encode("utf-8", "surrogatepass")


@dataclass(frozen=True)
class Refused:
    """A delivered message that can never be processed, and why: its dead letter."""

    message: Message
    body: bytes
    letter: DeadLetter

    @classmethod
    def of(cls, message: Message, body: bytes, queue: str, reason: str, every_copy_redelivered: bool) -> Refused:
        """The refusal of a message from `queue` (`every_copy_redelivered`: the transport cannot tell)."""
        redelivered = every_copy_redelivered or bool(message.delivery_info.get("redelivered"))
        return cls(message, body, DeadLetter(fingerprint(queue, body), queue, safe_text(reason), redelivered))

    @property
    def own_message_id(self) -> str:
        """The message_id a dead letter carries when its message had none: the same for every copy."""
        return f"dead-letter-{self.letter.fingerprint[:32]}"

    def minimal(self, now: datetime) -> Outgoing:
        """The dead letter with the body and the reason only: when even the copy of its properties fails."""
        headers = {topology.ERROR_HEADER: self.letter.reason, topology.DEAD_LETTERED_AT_HEADER: now.isoformat()}
        properties = {"message_id": self.own_message_id}
        return Outgoing(
            self.body,
            topology.dead_letter_queue(self.letter.queue),
            "",
            "application/octet-stream",
            headers,
            properties,
        )

    def outgoing(self, now: datetime) -> Outgoing:
        """The message as received, for its dead-letter queue: the reason in x-assigner-error, when in
        x-assigner-dead-lettered-at, and a message_id its copies share (the producer's, or one of its own)."""
        properties = self.message.properties
        kept = {k: properties[k] for k in KEPT_PROPERTIES if properties.get(k)}
        kept.setdefault("message_id", self.own_message_id)
        # RabbitMQ routes a message to the queues its CC and BCC headers name as well: a sender's must not
        # steer the worker's own publish of its dead letter into another queue.
        headers = {k: v for k, v in (self.message.headers or {}).items() if k not in ROUTING_HEADERS}
        if COMPRESSION in properties:
            headers["compression"] = properties[COMPRESSION]
        content_type = properties.get("content_type") or "application/octet-stream"
        if not encodable(content_type, headers, kept):  # what py-amqp read, it cannot always write back
            headers = {safe_text(name, 64): safe_text(value, 200) for name, value in list(headers.items())[:16]}
            kept = {"message_id": self.own_message_id}
            content_type = "application/octet-stream"
        headers.update({topology.ERROR_HEADER: self.letter.reason, topology.DEAD_LETTERED_AT_HEADER: now.isoformat()})
        return Outgoing(
            self.body,
            topology.dead_letter_queue(self.letter.queue),
            content_type=content_type,
            headers=headers,
            properties=kept,
        )


# The exchanges a command may come through: the default one (existing senders) and the commands' own.
COMMAND_EXCHANGES = ("", topology.COMMANDS_EXCHANGE)


def route_refusal(exchange: str | None) -> str | None:
    """Why a message on assigner.commands is not taken as a command: it was published to another exchange and
    bound into the queue (a user with write on the commands' exchange and read on assigner.events can bind them);
    None when it came the contract's way, or the transport does not say."""
    if exchange is None or exchange in COMMAND_EXCHANGES:
        return None
    return f"published to exchange {quoted(exchange)}, not to assigner.commands or the default exchange: not a command"


def too_large(body: bytes, limit: int) -> str | None:
    """Why a body is refused unread for its size; None when it fits."""
    if len(body) <= limit:
        return None
    return f"body of {len(body):,} bytes is larger than the maximum of {limit:,} (max_message_bytes): not read"


def property_refusal(properties: dict[str, Any]) -> str | None:
    """Why a message's AMQP properties refuse it before its body is read; None when they do not."""
    if UNDECODABLE in properties:
        return f"AMQP properties that cannot be decoded ({properties[UNDECODABLE]})"
    if COMPRESSION in properties:
        return f"compressed body (header compression {quoted(properties[COMPRESSION])}): the contract's are plain JSON"
    return None


def read_declaration(body: bytes, content_type: str | None, content_encoding: str | None) -> Declaration:
    """The declaration in a message; InvalidMessage says why it is not one."""
    return parse_declaration_bytes(body, json_charset(content_type, content_encoding))


def read_completion(message: Message, body: bytes, user_id: object) -> Completion:
    """The completion in a message of type check.completed, sent by `user_id` (as the transport vouches);
    InvalidMessage says why it is not one."""
    charset = json_charset(message.content_type, message.content_encoding)
    sender = user_id if isinstance(user_id, str) and is_plain(user_id, 64) else None  # the audit's actor
    return parse_completion(body, charset, sender)


def json_charset(content_type: str | None, content_encoding: str | None) -> str:
    """The charset of a JSON body; InvalidMessage when the body is not JSON or its encoding not a charset."""
    media_type, charset = _media_type(content_type or "")
    if media_type not in JSON_TYPES:
        raise InvalidMessage(f"content type {quoted(content_type)} is not JSON")
    return charset or _charset_of(content_encoding or "")


def _media_type(content_type: str) -> tuple[str, str | None]:
    media_type, *parameters = [part.strip() for part in content_type.split(";")]
    charset = None
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"')
    return media_type.lower(), charset


def _charset_of(content_encoding: str) -> str:
    """kombu writes the charset in content_encoding; AMQP means a compression there (refused)."""
    if content_encoding.lower() in IDENTITY_ENCODINGS:
        return "utf-8"
    codec = text_codec(content_encoding)
    if codec is None:  # gzip, zlib, base64: not a charset
        raise InvalidMessage(f"content encoding {quoted(content_encoding)} is not supported")
    return codec
