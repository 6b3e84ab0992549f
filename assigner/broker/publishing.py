"""Publishing persistent JSON messages and waiting until the broker has confirmed every one."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from amqp.basic_message import Message as AmqpMessage
from kombu.connection import Connection
from kombu.messaging import Producer

from assigner import compact_json
from assigner.domain.errors import AssignerError

CONTENT_TYPE = "application/json"


def json_body(value: Any) -> bytes:
    """A message body: compact JSON, UTF-8."""
    return compact_json.dumps(value)


JOINED_WRITE_BYTES = 262_144  # a publish's frames go to the socket in writes of about this size
COPIED_PROPERTIES_LIMIT = 32_768  # bytes: a header frame is written whole, within the broker's frame_max


def encodable(content_type: str, headers: dict[str, Any], properties: dict[str, Any]) -> bool:
    """Whether py-amqp can write these properties, in a header frame well within RabbitMQ's frame_max (128 KiB
    by default): what it read from a sender, it cannot always write back, nor with more headers added."""
    try:
        frame = AmqpMessage(b"", content_type=content_type, application_headers=headers, **properties)
        return len(frame._serialize_properties()) <= COPIED_PROPERTIES_LIMIT
    except Exception:  # struct.error, ValueError, UnicodeError, TypeError: whatever the values make it raise
        return False


class NotConfirmed(AssignerError):
    """The broker refused (nack) or did not confirm messages in time: they may not be stored.

    `unconfirmed` holds the positions, in the batch given to `publish`, of the messages to send again.
    """

    def __init__(self, message: str, unconfirmed: Sequence[int] = ()) -> None:
        super().__init__(message)
        self.unconfirmed = list(unconfirmed)


@dataclass(frozen=True)
class Outgoing:
    """One message to publish: body, where it goes, and its headers and properties."""

    body: bytes
    routing_key: str
    exchange: str = ""
    content_type: str = CONTENT_TYPE
    headers: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def mandatory(self) -> bool:
        """Whether it must reach a queue: one sent to a queue by name (a dead letter, a declaration) is lost if
        there is no such queue; an event on the topic exchange may rightly reach nobody."""
        return self.exchange == ""


@dataclass(frozen=True)
class Returned:
    """A mandatory message the broker could route to no queue (basic.return), as it came back."""

    exchange: str
    routing_key: str
    body: bytes
    why: str

    def is_of(self, message: Outgoing) -> bool:
        """Whether this is `message` come back (or an identical one: sent to the same place, so lost alike)."""
        return (self.exchange, self.routing_key, self.body) == (message.exchange, message.routing_key, message.body)


class Confirms:
    """The delivery tags a channel in confirm mode has not had confirmed yet (AMQP publisher confirms).

    The broker numbers a channel's publishes 1, 2, 3... and confirms them in any order: a message routed
    to no queue at once, one stored on two queues once both have it. An ack or a nack names one tag, or
    (`multiple`) every tag up to it, so what is outstanding is a set of tags, not a count.
    """

    def __init__(self) -> None:
        self.next_tag = 1
        self.outstanding: set[int] = set()
        self.nacked: set[int] = set()

    def published(self) -> int:
        """Note one more publish; returns its delivery tag."""
        tag = self.next_tag
        self.next_tag += 1
        self.outstanding.add(tag)
        return tag

    def ack(self, delivery_tag: int, multiple: bool) -> None:
        """The broker has the message(s)."""
        for tag in self._settled(delivery_tag, multiple):
            self.outstanding.discard(tag)

    def nack(self, delivery_tag: int, multiple: bool) -> None:
        """The broker refused the message(s)."""
        for tag in self._settled(delivery_tag, multiple):
            if tag in self.outstanding:
                self.outstanding.discard(tag)
                self.nacked.add(tag)

    def _settled(self, delivery_tag: int, multiple: bool) -> list[int]:
        if not multiple:
            return [delivery_tag]
        return [tag for tag in self.outstanding if tag <= delivery_tag]


class Publisher:
    """Publishes on its own channel; with RabbitMQ, `publish` returns once every message is confirmed."""

    def __init__(self, connection: Connection, confirm_timeout: float = 30.0) -> None:
        self.connection = connection
        self.channel = connection.channel()
        self.producer = Producer(self.channel)
        self.confirm_timeout = confirm_timeout
        # Only AMQP has publisher confirms; the embedded transport has written the file when publish returns.
        self._confirms: Confirms | None = None
        self._returned: list[Returned] = []
        if connection.transport.driver_type == "amqp":
            self._confirms = Confirms()
            self.channel.confirm_select()
            self.channel.events["basic_ack"].add(self._confirms.ack)
            self.channel.events["basic_nack"].add(self._confirms.nack)
            self.channel.events["basic_return"].add(self._on_return)

    def publish(self, messages: Sequence[Outgoing]) -> None:
        """Publish persistent JSON messages in order; raise NotConfirmed unless the broker took them all.

        A connection lost on the way raises NotConfirmed too, naming the messages it may not have stored.
        """
        tags: list[int] = []
        self._returned.clear()
        try:
            with self._writes_joined():
                for message in messages:
                    self._send(message)
                    # Numbered once sent: a message py-amqp could not even frame (a property too long) raises
                    # before it is written, and must not shift the broker's count of what it confirms.
                    if self._confirms is not None:
                        tags.append(self._confirms.published())
            if self._confirms is not None:
                self._wait_for_confirms(tags)
                self._check_settled(tags, messages)
        except self.connection.connection_errors as error:
            outstanding = self._confirms.outstanding if self._confirms is not None else set()
            unsure = [index for index, tag in enumerate(tags) if tag in outstanding]
            unsure += range(len(tags), len(messages))  # never sent
            raise NotConfirmed(f"connection lost while publishing: {error}", unsure) from error

    @contextmanager
    def _writes_joined(self) -> Iterator[None]:
        """Frames written meanwhile go to the socket together, in a few writes of up to JOINED_WRITE_BYTES: py-amqp
        writes each message with a system call of its own, and those calls were a quarter of a batch's time.

        The bytes and their order are the same; only how many system calls carry them changes. Whatever is held
        is written on the way out, on an error too: every message given a delivery tag reaches the broker, or
        the connection fails and they are all unconfirmed."""
        # The channel's own connection: kombu's Connection.connection would connect again if it thought itself closed.
        transport = getattr(self.channel.connection, "transport", None) if self._confirms is not None else None
        if transport is None:
            yield
            return
        socket_write = transport._write
        held = bytearray()

        def write_held() -> None:  # through py-amqp's write, which notes a dead socket
            transport._write = socket_write
            try:
                transport.write(bytes(held))
            finally:
                held.clear()

        def hold(data: bytes | memoryview) -> None:
            held.extend(data)  # a copy: py-amqp hands over a view of a buffer it reuses
            if len(held) >= JOINED_WRITE_BYTES:
                write_held()
                transport._write = hold

        transport._write = hold
        try:
            yield
        finally:
            transport._write = socket_write
            if held:
                write_held()

    def _send(self, message: Outgoing) -> None:
        # Only AMQP returns an unroutable message; the embedded transport writes to the queue's folder as named.
        mandatory = {"mandatory": True} if self._confirms is not None and message.mandatory else {}
        self.producer.publish(
            message.body,
            exchange=message.exchange,
            routing_key=message.routing_key,
            content_type=message.content_type,
            content_encoding="utf-8" if message.content_type == CONTENT_TYPE else "binary",
            delivery_mode=2,
            headers=message.headers or None,
            retry=False,
            **mandatory,
            **message.properties,
        )

    def _on_return(self, error: Exception, exchange: str, routing_key: str, message: Any) -> None:
        # RabbitMQ sends basic.return before the basic.ack of the same message: it is here before the batch
        # is settled. The return carries no delivery tag: the message is known by where it went and its body.
        body = message.body if isinstance(message.body, bytes) else str(message.body).encode("utf-8")
        self._returned.append(Returned(exchange, routing_key, body, str(error)))

    def _wait_for_confirms(self, tags: list[int]) -> None:
        """Read the broker's confirms until every tag of the batch is settled, or the timeout."""
        confirms = self._confirms
        assert confirms is not None
        deadline = time.monotonic() + self.confirm_timeout
        while confirms.outstanding:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                late = [index for index, tag in enumerate(tags) if tag in confirms.outstanding]
                raise NotConfirmed(f"{len(late)} message(s) not confirmed in {self.confirm_timeout:.0f} s", late)
            try:
                self.connection.drain_events(timeout=min(remaining, 1.0))
            except TimeoutError:
                continue

    def _check_settled(self, tags: list[int], messages: Sequence[Outgoing]) -> None:
        """Raise NotConfirmed naming the batch's messages the broker refused (nack) or returned (no queue)."""
        confirms = self._confirms
        assert confirms is not None
        if confirms.nacked:
            refused = [index for index, tag in enumerate(tags) if tag in confirms.nacked]
            confirms.nacked.clear()
            raise NotConfirmed(f"the broker refused {len(refused)} message(s) (nack)", refused)
        came_back, self._returned = self._returned, []
        returned = [index for index, message in enumerate(messages) if any(back.is_of(message) for back in came_back)]
        if returned:
            first = messages[returned[0]]
            why = next(back.why for back in came_back if back.is_of(first))
            raise NotConfirmed(
                f"the broker returned {len(returned)} message(s) it could route to no queue, the first "
                f"sent to '{first.routing_key}' by exchange '{first.exchange}' ({why})",
                returned,
            )

    def keep_alive(self) -> None:
        """While idle: read what the broker sent (its heartbeats among it), and send a heartbeat when due."""
        if self._confirms is None:
            return  # the embedded transport has no connection to keep
        try:
            self.connection.drain_events(timeout=0.001)
        except TimeoutError:
            pass
        self.connection.heartbeat_check()

    def close(self) -> None:
        """Close the publishing channel."""
        self.channel.close()
