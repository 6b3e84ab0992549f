"""A delivered message as the contract reads it: a declaration, or the reason it is dead-lettered."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from kombu.message import Message

from assigner.broker import topology
from assigner.broker.publishing import Outgoing
from assigner.domain.dead_letters import DeadLetter, fingerprint
from assigner.domain.model import Declaration
from assigner.schemas.declaration import InvalidMessage
from assigner.schemas.raw import parse_declaration_bytes, text_codec

# No content type (raw text) and JSON with parameters (Java and Spring send `; charset=UTF-8`) are accepted.
JSON_TYPES = {"", "application/json", "text/json", "text/plain"}
IDENTITY_ENCODINGS = {"", "identity", "binary", "7bit", "8bit"}


def raw_body(body: bytes | str, content_encoding: str | None) -> bytes:
    """The body's bytes: py-amqp hands over a str when it could decode it with the message's content_encoding."""
    if isinstance(body, bytes):
        return body
    return body.encode(text_codec(content_encoding or "") or "utf-8")


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
        return cls(message, body, DeadLetter(fingerprint(queue, body), queue, reason, redelivered))

    def outgoing(self, now: datetime) -> Outgoing:
        """The message as received, for its dead-letter queue: the reason in x-assigner-error, when in
        x-assigner-dead-lettered-at, and a message_id its copies share (the producer's, or one of its own)."""
        properties = self.message.properties
        kept = {k: properties[k] for k in ("message_id", "correlation_id", "app_id", "timestamp") if properties.get(k)}
        kept.setdefault("message_id", f"dead-letter-{self.letter.fingerprint[:32]}")
        headers = {**(self.message.headers or {}), topology.ERROR_HEADER: self.letter.reason,
                   topology.DEAD_LETTERED_AT_HEADER: now.isoformat()}
        content_type = properties.get("content_type") or "application/octet-stream"
        return Outgoing(self.body, topology.dead_letter_queue(self.letter.queue), content_type=content_type,
                        headers=headers, properties=kept)


QUOTED_SENDER_LIMIT = 64  # characters of a sender's value quoted in a reason


# The exchanges a command may come through: the default one (existing senders) and the commands' own.
COMMAND_EXCHANGES = ("", topology.COMMANDS_EXCHANGE)


def route_refusal(exchange: str | None) -> str | None:
    """Why a message on assigner.commands is not taken as a command: it was published to another exchange and
    bound into the queue (a user with write on the commands' exchange and read on assigner.events can bind them);
    None when it came the contract's way, or the transport does not say."""
    if exchange is None or exchange in COMMAND_EXCHANGES:
        return None
    return (f"published to exchange {repr(str(exchange))[:QUOTED_SENDER_LIMIT]}, not to assigner.commands or the "
            "default exchange: not a command")


def sender_refusal(user_id: str | None, allowed: Collection[str]) -> str | None:
    """Why a declaration from AMQP user `user_id` is dead-lettered (declaration_senders); None when it may send.

    An empty `allowed` lets anyone send. On RabbitMQ the broker checks that a user_id equals the connection's
    user, so it names the sender; a message without one is refused when `allowed` is not empty. The user id is
    quoted with its control characters escaped and cut short, since the sender wrote it.
    """
    if not allowed or (user_id is not None and user_id in allowed):
        return None
    if not user_id:
        return "no user_id: only declaration_senders may send declarations"
    return f"sender {repr(str(user_id))[:QUOTED_SENDER_LIMIT]} may not send declarations (declaration_senders)"


def too_large(body: bytes, limit: int) -> str | None:
    """Why a body is refused unread for its size; None when it fits."""
    if len(body) <= limit:
        return None
    return f"body of {len(body):,} bytes is larger than the maximum of {limit:,} (max_message_bytes): not read"


def read_declaration(body: bytes, content_type: str | None, content_encoding: str | None) -> Declaration:
    """The declaration in a message; InvalidMessage says why it is not one."""
    media_type, charset = _media_type(content_type or "")
    if media_type not in JSON_TYPES:
        raise InvalidMessage(f"content type '{content_type}' is not JSON")
    return parse_declaration_bytes(body, charset or _charset_of(content_encoding or ""))


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
        raise InvalidMessage(f"content encoding '{content_encoding}' is not supported")
    return codec
