"""Downstream systems: durable queues bound to assigner.events (one per office for some offices, one on
`#`), each read by a consumer that acknowledges what it took and reconnects after a broker restart."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from kombu.entity import Queue
from kombu.message import Message
from kombu.messaging import Consumer

from assigner.broker import topology
from assigner.broker.connection import connect, ensure_reached
from assigner.settings import Settings

RECONNECT_SECONDS = 0.5


@dataclass
class Received:
    """The events one downstream queue delivered, in order (duplicates included), and when the last came."""

    events: list[dict[str, Any]] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)  # time.time() of each
    lock: threading.Lock = field(default_factory=threading.Lock)

    def ids(self) -> set[str]:
        """The distinct event ids received."""
        with self.lock:
            return {str(event.get("event_id")) for event in self.events}


def downstream_queue(name: str, binding: str, queue_type: str) -> Queue:
    """A durable queue of `queue_type` bound to the events exchange with `binding`."""
    arguments = {"x-queue-type": queue_type} if queue_type == "quorum" else None
    return Queue(name, topology.events_exchange(), routing_key=binding, durable=True, queue_arguments=arguments)


class Downstream(threading.Thread):
    """Consumes one downstream queue until stopped, acknowledging each event once it is recorded."""

    def __init__(self, settings: Settings, queue: Queue, stopping: threading.Event) -> None:
        super().__init__(name=f"chaos-{queue.name}", daemon=True)
        self.settings = settings
        self.queue = queue
        self.stopping = stopping
        self.received = Received()
        self.reconnects = 0

    def declare(self) -> None:
        """Declare the queue and its binding now, before anything is published."""
        with connect(self.settings) as connection:
            ensure_reached(connection)
            self.queue(connection.default_channel).declare()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                with connect(self.settings) as connection:
                    ensure_reached(connection)
                    with Consumer(connection, [self.queue], on_message=self._take, prefetch_count=500):
                        while not self.stopping.is_set():
                            _drain(connection)
            except Exception:  # the broker went away: connect again
                self.reconnects += 1
                time.sleep(RECONNECT_SECONDS)

    def _take(self, message: Message) -> None:
        body = json.loads(message.body)
        with self.received.lock:
            self.received.events.append(body)
            self.received.arrivals.append(time.time())
        message.ack()


def _drain(connection: Any) -> None:
    try:
        connection.drain_events(timeout=0.5)
    except TimeoutError:
        connection.heartbeat_check()
