"""A queue consumer: batches off one of the contract's queues (or, for declarations, off a process's partitions and
assigner.declarations together), handled, events confirmed, then acks.

Each runs in a thread of its own with its own connections, not in Celery's event loop: a batch's
transaction and its publisher confirms block, and must stall neither heartbeats nor Celery.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog
from kombu.connection import Connection
from kombu.entity import Queue
from kombu.exceptions import OperationalError
from kombu.message import Message
from kombu.messaging import Consumer

from assigner.bootstrap import Runtime
from assigner.broker import topology
from assigner.broker.connection import connect, display_url, ensure_reached, is_embedded
from assigner.broker.embedded import InflightFolder, restore_orphans
from assigner.broker.partitions import TO_FORWARD, existing_partitions
from assigner.broker.publishing import Publisher
from assigner.broker.read_ahead import read_ahead
from assigner.domain.errors import first_line
from assigner.services.beats import record_beat
from workers import metrics
from workers.envelope import batch_envelope
from workers.failures import FailurePolicy
from workers.outages import waits_out

log = structlog.get_logger("assigner.worker")
IDLE_POLL_SECONDS = 0.25  # also how soon an idle consumer notices a stop request
SWEEP_EVERY_SECONDS = 5.0
BEAT_EVERY_SECONDS = 1.0  # busy: at most one beat transaction a second, however many batches
IDLE_BEAT_EVERY_SECONDS = 2.0  # idle: often enough that health stops counting a dead worker within seconds
FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
RECONNECT_EVERY_SECONDS = 0.5  # while the broker is away: connecting to a closed port costs nothing
STILL_AWAY_EVERY_SECONDS = 30.0


@dataclass(frozen=True)
class Batching:
    """Up to `size` messages (and `max_bytes` of bodies) per transaction; the first waits at most `wait` s."""

    size: int
    wait: float
    max_bytes: int

    @property
    def prefetch(self) -> int:
        """Unacknowledged messages the broker may hand over, per queue consumed: the batch in hand and the next."""
        return 2 * self.size


class Handler(Protocol):
    """What a consumer hands its batches to (through its FailurePolicy); `idle` runs every few seconds while
    nothing comes; `stop` once the consumer stops, to record what is left."""

    def handle(self, batch: Sequence[Message], publisher: Publisher) -> None: ...

    def idle(self, publisher: Publisher) -> None: ...

    def stop(self) -> None: ...


@dataclass(frozen=True)
class Sources:
    """What a consumer reads: the `queues`, under one `name` (its logs, metrics and signs of life); how many
    declaration partitions it declares with the contract's queues; the queues whose messages it forwards to them
    (`forward_from`: each marked TO_FORWARD in its delivery_info, in the same batches); and whether it also reads
    the partitions left beyond that count (`left_over`: after the count was lowered, or set to 0), forwarding
    what they hold, or assigning it when there are no partitions any more."""

    name: str
    queues: list[Queue]
    partitions: int = 0
    forward_from: list[Queue] = field(default_factory=list)
    left_over: bool = False


HandlerFactory = Callable[[Runtime, Callable[[float], None], Callable[[], bool]], Handler]


class QueueConsumer:
    """Consumes its sources until `stopping` is set; reconnects after any broker failure."""

    def __init__(
        self,
        runtime: Runtime,
        stopping: threading.Event,
        queue: str,
        make_handler: HandlerFactory,
        batching: Batching,
        sources: Sources | None = None,
    ) -> None:
        self.runtime = runtime
        self.stopping = stopping
        settings = runtime.settings
        self.sources = sources or Sources(queue, [topology.queue(queue, settings.queue_type)])
        self.batching = batching
        # Idle, the loop wakes often enough to send and read heartbeats several times an interval.
        heartbeat = 0 if is_embedded(settings) else settings.broker_heartbeat
        self.idle_poll = min(IDLE_POLL_SECONDS, heartbeat / 4) if heartbeat else IDLE_POLL_SECONDS
        self.inflight = InflightFolder(settings.home) if is_embedded(settings) else None
        self.handler = make_handler(runtime, self._wait, stopping.is_set)
        probe = connect(settings)
        broker_errors = (OSError, *probe.connection_errors, *probe.channel_errors)
        self.failures = FailurePolicy(
            queue, self.handler, settings.message_max_failures, broker_errors, is_embedded(settings), runtime.clock
        )
        self._buffer: list[Message] = []
        self._buffered_bytes = 0
        self._first_taken = 0.0  # when the batch being collected got its first message (perf_counter)
        self._phases = metrics.BatchPhases(self.sources.name, ("wait",))
        self._consuming: Connection | None = None
        self._publisher: Publisher | None = None
        self.name = f"{socket.gethostname()}:{os.getpid()}:{self.sources.name}"
        self._unreported = 0
        self._last_beat = 0.0
        self._reached_consuming = False
        self._last_unreachable_log = 0.0
        # Failures to connect at all (refused, reset, forced closed, timed out): the broker is away.
        self._unreachable = (OperationalError, OSError, *connect(settings).connection_errors)

    def run(self) -> None:
        """Consume until stopped; a failure of the broker or of a batch never ends the loop."""
        log.info(
            "worker.started",
            queue=self.sources.name,
            broker=display_url(self.runtime.settings),
            batch_size=self.batching.size,
        )
        self._sign_of_life(starting=True)
        backoff = FIRST_BACKOFF_SECONDS
        unreachable_since: float | None = None
        while not self.stopping.is_set():
            self._reached_consuming = False
            try:
                self._consume()
            except Exception as error:  # the loop must outlive any failure; the messages stay unacked
                self._buffer.clear()
                self._buffered_bytes = 0
                self._recover()
                described = f"{type(error).__name__}: {error}"
                if self._reached_consuming:  # a working connection lost: connect again at once
                    log.warning("worker.connection_lost", queue=self.sources.name, error=described)
                    backoff, unreachable_since = FIRST_BACKOFF_SECONDS, None
                    self._wait(RECONNECT_EVERY_SECONDS)
                elif isinstance(error, self._unreachable):  # the broker is away: try often, say so now and then
                    unreachable_since = self._say_unreachable(unreachable_since, described)
                    self._wait(RECONNECT_EVERY_SECONDS)
                else:  # connected but refused (a queue declared with other arguments): back off
                    log.warning("worker.connection_failed", queue=self.sources.name, error=described, retry_in=backoff)
                    self._wait(backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        _quietly(self.handler.stop)  # a failure here costs a sweep later, never the stop
        self._sign_of_life(stopped=True)  # health stops counting it at once
        if self.inflight is not None:
            self.inflight.close()
        log.info("worker.stopped", queue=self.sources.name)

    def _say_unreachable(self, since: float | None, error: str) -> float:
        """Log that the broker is unreachable: at first, then every STILL_AWAY_EVERY_SECONDS; returns since when."""
        now = time.monotonic()
        if since is None or now - self._last_unreachable_log >= STILL_AWAY_EVERY_SECONDS:
            log.warning(
                "worker.broker_unreachable",
                queue=self.sources.name,
                error=error,
                seconds=0 if since is None else round(now - since),
            )
            self._last_unreachable_log = now
        return now if since is None else since

    def _consume(self) -> None:
        settings = self.runtime.settings
        inflight = self.inflight.path if self.inflight else None
        with connect(settings, inflight) as consuming, connect(settings) as publishing:
            ensure_reached(consuming)
            ensure_reached(publishing)  # each to a node that answers (a cluster's nodes: the next when one is away)
            read_ahead(consuming)  # deliveries, and the publisher's confirms, read in chunks
            read_ahead(publishing)
            # Bodies stay the bytes sent: py-amqp would decode them with the sender's content_encoding.
            if hasattr(consuming.default_channel, "auto_decode"):
                consuming.default_channel.auto_decode = False
            topology.declare(consuming, settings.queue_type, settings.events_queue, self.sources.partitions)
            self._recover()
            publisher = self.runtime.publisher(publishing)
            self._consuming, self._publisher = consuming, publisher
            assigned, forwarded = list(self.sources.queues), list(self.sources.forward_from)
            left_over = self._left_over(consuming) if self.sources.left_over else []
            (forwarded if self.sources.partitions else assigned).extend(left_over)
            # On the same channel: one batch, one ack. What is to be forwarded is marked so as it is taken.
            takers = [(assigned, self._take, self._undecoded)]
            takers += [(forwarded, self._take_to_forward, self._undecoded_to_forward)] if forwarded else []
            consumers = [
                Consumer(
                    consuming, queues, on_message=take, on_decode_error=undecoded, prefetch_count=self.batching.prefetch
                )
                for queues, take, undecoded in takers
            ]
            try:
                with ExitStack() as consuming_all:
                    for consumer in consumers:
                        consuming_all.enter_context(consumer)
                    self._reached_consuming = True
                    log.info(
                        "worker.consuming",
                        queue=self.sources.name,
                        prefetch=self.batching.prefetch,
                        **({"partitions_left_over": len(left_over)} if left_over else {}),
                    )
                    self._loop(consuming, publisher)
            finally:
                self._consuming = self._publisher = None

    def _left_over(self, connection: Connection) -> list[Queue]:
        """The partition queues beyond the count that exist (declared by workers with a higher count), consumed
        as they are: never declared again, so that one of another queue type cannot stop the consumer."""
        queue_type = self.runtime.settings.queue_type
        return [
            topology.partition(number, queue_type, declared=False)
            for number in existing_partitions(connection, self.sources.partitions)
        ]

    def _loop(self, consuming: Connection, publisher: Publisher) -> None:
        last_sweep = 0.0
        while not self.stopping.is_set():
            batch = self._collect(consuming)
            if batch:
                with batch_envelope(self.sources.name, batch):
                    self.failures.handle(batch, publisher)
                if self.inflight is not None and not self._buffer:
                    self.inflight.clear()  # every message fetched so far is acknowledged
                self._unreported += len(batch)
            elif time.monotonic() - last_sweep >= SWEEP_EVERY_SECONDS:
                self.handler.idle(publisher)
                last_sweep = time.monotonic()
            if time.monotonic() - self._last_beat >= (BEAT_EVERY_SECONDS if batch else IDLE_BEAT_EVERY_SECONDS):
                self._sign_of_life()

    def _take(self, message: Message) -> None:
        """A delivered message joins the batch being collected."""
        if not self._buffer:
            self._first_taken = time.perf_counter()
        self._buffer.append(message)
        self._buffered_bytes += len(message.body)

    def _take_to_forward(self, message: Message) -> None:
        """A delivered message of the queue the consumer forwards from joins the batch, marked to be forwarded."""
        message.delivery_info[TO_FORWARD] = True
        self._take(message)

    def _undecoded_to_forward(self, message: Any, error: Exception) -> None:
        if isinstance(message, Message):
            message.delivery_info[TO_FORWARD] = True
        self._undecoded(message, error)

    def _undecoded(self, message: Any, error: Exception) -> None:
        """kombu could not prepare a delivery (a body it failed to unpack): it joins the batch all the same, to
        be refused there; anything that is no message at all is the consuming loop's to recover from."""
        if not isinstance(message, Message):
            raise error
        self._take(message)

    def _collect(self, connection: Connection) -> list[Message]:
        """Messages for one batch: as many as arrive, up to the size and bytes, within `wait` of the first;
        after that, those already here (delivered while the last batch was handled), without waiting more.
        The time from the first taken to now is the batch's wait phase. Messages delivered before it began
        (while the consumers of several queues were being set up) are the batch's first: never dropped."""
        deadline: float | None = time.monotonic() + self.batching.wait if self._buffer else None
        while len(self._buffer) < self.batching.size and self._buffered_bytes < self.batching.max_bytes:
            if deadline is None:
                timeout = self.idle_poll
            else:
                timeout = max(deadline - time.monotonic(), 0.0)
            if not _drain(connection, timeout):
                if self._buffer or self.stopping.is_set():
                    break
                self._beat()
                return []
            if deadline is None and self._buffer:
                deadline = time.monotonic() + self.batching.wait
            if self.stopping.is_set():
                break  # finish what is in hand
        if self._buffer:  # not when stopping with none
            self._phases.observe("wait", time.perf_counter() - self._first_taken)
        # Up to the size and the bytes (at least one): the rest, delivered later, waits for the next batch.
        count, size = 0, 0
        while count < min(len(self._buffer), self.batching.size) and (count == 0 or size < self.batching.max_bytes):
            size += len(self._buffer[count].body)
            count += 1
        batch = self._buffer[:count]
        del self._buffer[:count]
        self._buffered_bytes -= size
        if self._buffer:
            self._first_taken = time.perf_counter()  # the next batch's wait starts now
        return batch

    def _sign_of_life(self, starting: bool = False, stopped: bool = False) -> None:
        """Record that this consumer is alive (or stopped), and how many messages it processed since it last said so."""
        runtime = self.runtime
        try:
            record_beat(
                runtime.unit_of_work(),
                self.name,
                self.sources.name,
                runtime.clock(),
                self._unreported,
                starting,
                stopped,
            )
        except Exception as error:  # the beat is only a sign: the batches wait out an outage and say so
            if not waits_out(error):
                log.error("worker.beat_failed", error=first_line(error))
            return
        self._unreported = 0
        self._last_beat = time.monotonic()

    def _recover(self) -> None:
        """On the embedded broker, put back what this worker fetched unacked, and what dead workers left."""
        if self.inflight is None:
            return
        restored = self.inflight.restore() + restore_orphans(self.runtime.settings.home)
        if restored:
            log.warning("worker.restored_in_flight", messages=restored)

    def _beat(self) -> None:
        """Keep both connections alive while idle: the consuming one, and the publishing one, which nothing reads."""
        if self._consuming is not None:
            self._consuming.heartbeat_check()
        if self._publisher is not None:
            self._publisher.keep_alive()

    def _wait(self, seconds: float) -> None:
        """Sleep, waking for a stop request and keeping the connections' heartbeats."""
        deadline = time.monotonic() + seconds
        while not self.stopping.is_set() and time.monotonic() < deadline:
            self.stopping.wait(min(1.0, max(0.0, deadline - time.monotonic())))
            _quietly(self._beat)


def _drain(connection: Connection, timeout: float) -> bool:
    """Deliver one message to the consumer's callback; False when none came within `timeout`."""
    try:
        connection.drain_events(timeout=max(timeout, 0.001))
    except TimeoutError:
        return False
    return True


def _quietly(action: Callable[[], Any]) -> None:
    try:
        action()
    except Exception:  # a dead connection is found, and handled, by the consuming loop
        pass
