"""The upstream system: publishes the stream at a steady offered rate with publisher confirms, and, as a
real upstream must, publishes again whatever the broker did not confirm (after a reconnect if need be).
It also sends the poison as a hostile publisher would: on either queue, with the properties it chooses."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kombu.exceptions import OperationalError

from assigner.broker import topology
from assigner.broker.command_sender import broker_user
from assigner.broker.connection import connect, ensure_reached
from assigner.broker.publishing import NotConfirmed, Outgoing, Publisher
from assigner.devtools.chaos.plan import Planned
from assigner.settings import Settings

TICK_SECONDS = 0.05
MAX_CHUNK = 500  # what falls due while a chunk waits for its confirms goes out in the next, up to this many
STALL_SECONDS = 1.0  # a chunk confirmed later than this after it was sent: the broker was away
RECONNECT_SECONDS = 0.5
GIVE_UP_SECONDS = 120.0  # longer than any outage the run makes


@dataclass
class Published:
    """What the upstream did: messages confirmed, sent again after a failure, and its progress."""

    confirmed: int = 0
    handed: int = 0  # messages handed to the broker (confirmed or not yet)
    sent_again: int = 0
    gave_up: bool = False  # the broker kept refusing a chunk: the stream ended before its end
    done: threading.Event = field(default_factory=threading.Event)


class Upstream(threading.Thread):
    """Publishes `messages`, then those `more()` gives while it gives any, at `rate` a second, in order, until
    all are confirmed."""

    def __init__(
        self,
        settings: Settings,
        messages: list[Planned],
        rate: float,
        stopping: threading.Event,
        more: Callable[[], list[Planned]] = list,
    ) -> None:
        super().__init__(name="chaos-upstream", daemon=True)
        self.settings = settings
        self.messages = list(messages)  # its own: it grows as the stream goes on
        self.more = more
        self.rate = rate
        self.stopping = stopping
        self.published = Published()
        self.user = broker_user(settings)

    def run(self) -> None:
        # The schedule's clock stops while the broker is away: afterwards the stream goes on at the offered
        # rate instead of sending all it missed at once, so the faults after an outage (each due at a share
        # of the stream) still find work coming to resume.
        started = time.monotonic()
        sent = 0
        publisher: Publisher | None = None
        try:
            while not self.stopping.is_set():
                if sent == len(self.messages):
                    more = self.more()
                    if not more:
                        break
                    self.messages.extend(more)
                due = min(len(self.messages), int((time.monotonic() - started) * self.rate) + 1, sent + MAX_CHUNK)
                if due <= sent:
                    time.sleep(TICK_SECONDS)
                    continue
                chunk = [_outgoing(planned, self.user) for planned in self.messages[sent:due]]
                began = time.monotonic()
                self.published.handed = due
                publisher = self._publish(publisher, chunk)
                stalled = time.monotonic() - began - STALL_SECONDS
                if stalled > 0:
                    started += stalled
                sent = due
        except InterruptedError:
            pass
        finally:
            _close(publisher)
            self.published.done.set()

    def _publish(self, publisher: Publisher | None, chunk: list[Outgoing]) -> Publisher:
        """Publish a chunk until the broker confirmed all of it; returns the publisher that did. A chunk the broker
        keeps refusing for GIVE_UP_SECONDS (a message it cannot take) ends the stream: the checks then say what
        is missing, instead of the run waiting for ever."""
        deadline = time.monotonic() + GIVE_UP_SECONDS
        while not self.stopping.is_set() and time.monotonic() < deadline:
            try:
                publisher = publisher or self._connect()
                publisher.publish(chunk)
                self.published.confirmed += len(chunk)
                return publisher
            except NotConfirmed as refused:
                again = [chunk[index] for index in refused.unconfirmed] or chunk
                self.published.confirmed += len(chunk) - len(again)
                self.published.sent_again += len(again)
                chunk = again
            except (OperationalError, OSError):  # the broker is away: connect again soon
                pass
            _close(publisher)
            publisher = None
            time.sleep(RECONNECT_SECONDS)
        self.published.gave_up = time.monotonic() >= deadline
        raise InterruptedError("stopped before the broker confirmed every message")

    def _connect(self) -> Publisher:
        connection = connect(self.settings)
        ensure_reached(connection)
        for name in (topology.DECLARATIONS, topology.COMMANDS):
            topology.queue(name, self.settings.queue_type)(connection.default_channel).declare()
        return HostilePublisher(connection)


class HostilePublisher(Publisher):
    """The contract's publisher, which also sends a content_encoding of the sender's choosing (a NUL in it)."""

    def _send(self, message: Outgoing) -> None:
        if "content_encoding" not in message.properties:
            super()._send(message)
            return
        properties = dict(message.properties)
        encoding = properties.pop("content_encoding")
        self.producer.publish(
            message.body,
            exchange=message.exchange,
            routing_key=message.routing_key,
            content_type=message.content_type,
            content_encoding=encoding,
            delivery_mode=2,
            headers=message.headers or None,
            retry=False,
            **properties,
        )


def _outgoing(planned: Planned, user: str | None) -> Outgoing:
    """The message as sent: to its queue, with its message_id; user_id, headers and encoding as planned."""
    properties = {"message_id": planned.message_id}
    if planned.as_sender and user:
        properties["user_id"] = user  # RabbitMQ refuses a user_id other than the connection's
    if planned.content_encoding is not None:
        properties["content_encoding"] = planned.content_encoding
    return Outgoing(
        planned.body,
        planned.queue,
        content_type=planned.content_type,
        headers=dict(planned.headers),
        properties=properties,
    )


def _close(publisher: Publisher | None) -> None:
    if publisher is not None:
        try:
            publisher.connection.release()
        except Exception:  # a dead connection: nothing more to release
            pass
    return None
