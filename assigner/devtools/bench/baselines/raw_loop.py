"""The broker's limit for our work: one py-amqp loop that consumes a backlog queued (persistent, confirmed) before
it starts, publishes one persistent event per message, and acks each batch once the broker confirmed its events."""

from __future__ import annotations

import json
import time

import amqp  # py-amqp ships no type hints

from assigner.devtools.bench.baselines.amqp_tools import (
    DRAIN_SECONDS,
    BaselineFailed,
    Confirms,
    Drain,
    amqp_connection,
    persistent,
    publish_confirmed,
    ready,
)

RAW_SOURCE, RAW_EXCHANGE, RAW_EVENTS = "bench.raw.declarations", "bench.raw.events", "bench.raw.events"
PREFETCH, ACK_BATCH, BATCH_GAP = 2000, 500, 0.005  # a batch closes at 500 or after 5 ms of quiet


def raw_amqp_drain(broker_url: str, bodies: list[bytes]) -> Drain:
    """One py-amqp loop: consume, publish one confirmed event per message, ack each batch once confirmed."""
    with amqp_connection(broker_url) as connection:
        consuming, publishing = connection.channel(), connection.channel()
        publishing.queue_declare(RAW_SOURCE, durable=True, auto_delete=False)
        publishing.exchange_declare(RAW_EXCHANGE, "topic", durable=True, auto_delete=False)
        publishing.queue_declare(RAW_EVENTS, durable=True, auto_delete=False)
        publishing.queue_bind(RAW_EVENTS, RAW_EXCHANGE, "#")
        try:
            confirms = Confirms(publishing, connection)
            publish_confirmed(confirms, bodies, lambda body: publishing.basic_publish(persistent(body), "", RAW_SOURCE))
            started, acked = _raw_loop(connection, consuming, publishing, confirms, len(bodies))
            seconds = time.perf_counter() - started
            consuming.close()  # anything still unacknowledged is ready again, and counted below
            events, left = ready(publishing, RAW_EVENTS), ready(publishing, RAW_SOURCE)
        finally:
            consuming.close()  # first: deleting the queue it consumes would cancel it under our feet
            publishing.queue_delete(RAW_SOURCE)
            publishing.queue_delete(RAW_EVENTS)
            publishing.exchange_delete(RAW_EXCHANGE)
    if events != len(bodies) or left:
        raise BaselineFailed(f"raw loop: {events} events for {len(bodies)} messages, {left} left unacknowledged")
    return Drain("raw-amqp", acked, seconds)


def _raw_loop(
    connection: amqp.Connection, consuming: amqp.Channel, publishing: amqp.Channel, confirms: Confirms, count: int
) -> tuple[float, int]:
    """Consume `count` messages; returns when the first arrived (perf_counter) and how many were acked."""
    in_hand: list[int] = []  # delivery tags, in delivery order
    first: list[float] = []

    def take(message: amqp.Message) -> None:
        # Only noted here: py-amqp reads the socket inside basic_publish, so publishing here would nest deliveries.
        if not first:
            first.append(time.perf_counter())
        in_hand.append(message.delivery_tag)

    consuming.basic_qos(0, PREFETCH, False)
    consuming.basic_consume(RAW_SOURCE, callback=take, no_ack=False)
    acked, deadline = 0, time.monotonic() + DRAIN_SECONDS
    while acked < count:
        _fill(connection, in_hand)
        if not in_hand and time.monotonic() > deadline:
            raise BaselineFailed(f"raw loop: {acked} of {count} messages came in {DRAIN_SECONDS:.0f} s")
        batch, in_hand[:] = in_hand[:ACK_BATCH], in_hand[ACK_BATCH:]
        for tag in batch:
            event = json.dumps({"event": "declaration.assigned", "delivery": tag}).encode()
            publishing.basic_publish(persistent(event), RAW_EXCHANGE, "declaration.assigned")
            confirms.sent()
        if batch:
            confirms.wait()  # what arrives meanwhile is in hand for the next batch
            consuming.basic_ack(batch[-1], multiple=True)
            acked += len(batch)
    return first[0], acked


def _fill(connection: amqp.Connection, in_hand: list[int]) -> None:
    """Take deliveries until a batch is in hand, or none arrives within BATCH_GAP."""
    try:
        while len(in_hand) < ACK_BATCH:
            connection.drain_events(timeout=BATCH_GAP)
    except TimeoutError:
        pass
