"""The baselines `assigner bench compare` measures: each drains the whole backlog, then leaves nothing behind."""

from __future__ import annotations

import json

import pika
import pytest
from e2e.support import client

from assigner.devtools.bench.baselines import celery_noop, raw_loop

pytestmark = pytest.mark.slow
MESSAGES = 300


def bodies(count: int) -> list[bytes]:
    """Plain JSON bodies, as an upstream system writes them."""
    return [json.dumps({"declaration": f"D{number:06d}", "channel": "yellow"}).encode() for number in range(count)]


def exists(url: str, kind: str, name: str) -> bool:
    """Whether the vhost holds a queue or an exchange of that name (a passive declare, on a channel of its own)."""
    connection = client(url)
    try:
        channel = connection.channel()
        if kind == "queue":
            channel.queue_declare(name, passive=True)
        else:
            channel.exchange_declare(name, passive=True)
        return True
    except pika.exceptions.ChannelClosedByBroker as refused:
        assert refused.reply_code == 404, refused
        return False
    finally:
        if connection.is_open:
            connection.close()


class TestBaselines:
    def test_celery_noop_drain_counts_every_task_and_deletes_its_queue(self, rabbitmq_url: str) -> None:
        drain = celery_noop.celery_noop_drain(rabbitmq_url, bodies(MESSAGES))

        assert (drain.name, drain.messages) == ("celery-noop", MESSAGES)
        assert not exists(rabbitmq_url, "queue", celery_noop.NOOP_QUEUE)
        assert not exists(rabbitmq_url, "exchange", celery_noop.NOOP_QUEUE)

    def test_raw_amqp_drain_acks_every_message_and_deletes_its_queues_and_exchange(self, rabbitmq_url: str) -> None:
        drain = raw_loop.raw_amqp_drain(rabbitmq_url, bodies(MESSAGES))

        assert (drain.name, drain.messages) == ("raw-amqp", MESSAGES)
        for queue in (raw_loop.RAW_SOURCE, raw_loop.RAW_EVENTS):
            assert not exists(rabbitmq_url, "queue", queue)
        assert not exists(rabbitmq_url, "exchange", raw_loop.RAW_EXCHANGE)
