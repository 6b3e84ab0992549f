"""A worker on RabbitMQ fed random poison between valid declarations and commands, by a plain AMQP client.

Every valid message is processed, each poison message is in its dead-letter queue once, and the worker
never loses its connection over it (it did: one small message stopped a queue for good, issue 21).
"""

from __future__ import annotations

import json
import os
import random
import uuid
import zlib
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pika
import pytest
from e2e.support import (
    COMMANDS,
    COMMANDS_DLQ,
    DECLARATIONS,
    DECLARATIONS_DLQ,
    BrokerUser,
    EventCollector,
    StartWorker,
    answers,
    client,
    command,
    take_messages,
)
from integration.helpers import load_roster, message, numbers, roster
from pika.adapters.blocking_connection import BlockingChannel
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from assigner.domain.model import Unit

pytestmark = pytest.mark.slow

UNIT = Unit("01B1", "00")
SEED = int(os.environ.get("ASSIGNER_FUZZ_SEED", "0")) or random.randrange(1, 10**9)
Poison = tuple[str, bytes, pika.BasicProperties]  # queue, body, properties


def declaration_poison(rng: random.Random, nonce: str) -> tuple[bytes, pika.BasicProperties]:
    """A declaration no worker can take, as a hostile or broken upstream would send it."""
    valid = dict(message("105432198760", UNIT), nonce=nonce)
    body = json.dumps(valid).encode()
    plain = pika.BasicProperties(content_type="application/json", delivery_mode=2)
    kinds: list[Callable[[], tuple[bytes, pika.BasicProperties]]] = [
        lambda: (body, pika.BasicProperties(content_type="application/json\x00x")),
        lambda: (body, pika.BasicProperties(content_type="application/json; charset=utf\x00-8")),
        lambda: (body, pika.BasicProperties(content_type="application/json", content_encoding="utf\x00-8")),
        lambda: (body, pika.BasicProperties(content_type=b"\xff\xfe-not-utf-8")),  # py-amqp cannot decode it
        lambda: (body, pika.BasicProperties(message_id=b"\xc3(" + nonce.encode())),
        lambda: (
            zlib.compress(body),
            pika.BasicProperties(content_type="application/json", headers={"compression": "application/x-gzip"}),
        ),
        lambda: (
            body,
            pika.BasicProperties(
                headers={"nested": {"a": [1, Decimal("1.5"), None, b"\x00\xff"]}, "x-assigner-signature": "é\x00"},
                content_type="text/xml",
            ),
        ),
        lambda: (rng.randbytes(rng.randrange(1, 200)) + nonce.encode(), plain),
        lambda: (body[:-1] + b', "n": 1e400}', plain),
        lambda: (body[:-1] + b', "declaration_number": "105432198770"}', plain),
        lambda: (body[:-1] + b', "n": "\\u0000"}', plain),
        lambda: (body[:-1] + b', "n": "\\ud800"}', plain),
        lambda: (body[:-1] + b', "n": ' + b"[" * 5000 + b"]" * 5000 + b"}", plain),
        lambda: (json.dumps({**valid, "declaration_number": "1" * 65}).encode(), plain),
        lambda: (json.dumps({**valid, "registered_at": "x" * 100_000}).encode(), plain),
    ]
    return rng.choice(kinds)()


def command_poison(rng: random.Random, nonce: str) -> tuple[bytes, pika.BasicProperties]:
    """A command no worker may carry out: malformed, or from nobody the broker vouches for."""
    bare = {"command": "officer_available", "officer_id": "a1", "nonce": nonce}
    plain = pika.BasicProperties(content_type="application/json", delivery_mode=2)
    kinds: list[Callable[[], tuple[bytes, pika.BasicProperties]]] = [
        lambda: (json.dumps({**bare, "command_id": "c" * 65, "issued_by": "x"}).encode(), plain),
        lambda: (json.dumps({**bare, "command_id": f"c-\x00{nonce}", "issued_by": "x"}).encode(), plain),
        lambda: (json.dumps({**bare, "command_id": nonce, "issued_by": "sup\x00"}).encode(), plain),
        lambda: (b"\x00" + nonce.encode(), plain),
        lambda: (b'{"a": 1e400, "n": "' + nonce.encode() + b'"}', plain),
        lambda: (json.dumps(bare).encode(), pika.BasicProperties(headers={"x-assigner-signature": "sha256=é\x00"})),
        lambda: (rng.randbytes(rng.randrange(1, 300)) + nonce.encode(), plain),
    ]
    return rng.choice(kinds)()


@pytest.fixture
def supervisor(supervisor_users: dict[str, BrokerUser], database_url: str, home: Path) -> str:
    """Unit 01B1/00's checkers a1..a3 and supervisor (a RabbitMQ user of the session), imported."""
    name = supervisor_users["a"].name
    from assigner.bootstrap import Runtime
    from assigner.settings import Settings

    runtime = Runtime(Settings(database_url=database_url, home=home)).ready()
    try:
        load_roster(runtime, roster(UNIT, "a1", "a2", "a3", supervisors=(name,)))
    finally:
        runtime.engine.dispose()
    return name


@pytest.fixture
def supervisor_channel(rabbitmq_vhost: str, supervisor_users: dict[str, BrokerUser]) -> Iterator[BlockingChannel]:
    connection = client(supervisor_users["a"].url(rabbitmq_vhost))
    channel = connection.channel()
    channel.confirm_delivery()
    yield channel
    connection.close()


def test_random_poison_between_valid_messages_stops_no_queue(
    supervisor: str,
    supervisor_channel: BlockingChannel,
    broker: BlockingChannel,
    events: EventCollector,
    start_worker: StartWorker,
    database_url: str,
) -> None:
    rng = random.Random(SEED)
    valid_numbers = numbers(120)
    valid_commands: list[str] = []
    poison: list[Poison] = []
    broker.confirm_delivery()
    for index, number in enumerate(valid_numbers):
        broker.basic_publish(
            "",
            DECLARATIONS,
            json.dumps(message(number, UNIT)).encode(),
            pika.BasicProperties(content_type="application/json", delivery_mode=2),
        )
        nonce = uuid.uuid4().hex
        if index % 2:
            body, properties = declaration_poison(rng, nonce)
            broker.basic_publish("", DECLARATIONS, body, properties)
            poison.append((DECLARATIONS, body, properties))
        if index % 6 == 0:
            # a3 goes and comes back in turn (commands keep their order): each is accepted
            sent = (
                command("officer_absent", supervisor, officer_id="a3", redistribute=False)
                if index % 12 == 0
                else command("officer_available", supervisor, officer_id="a3")
            )
            supervisor_channel.basic_publish(
                "",
                COMMANDS,
                json.dumps(sent).encode(),
                pika.BasicProperties(user_id=supervisor, content_type="application/json", delivery_mode=2),
            )
            valid_commands.append(sent["command_id"])
            body, properties = command_poison(rng, nonce)
            broker.basic_publish("", COMMANDS, body, properties)
            poison.append((COMMANDS, body, properties))
    worker = start_worker(batch_size="20")

    received = events.wait_until(
        lambda got: all(answers(got, c) for c in valid_commands) and assigned(got) >= set(valid_numbers),
        f"every valid declaration assigned and every valid command answered (seed {SEED})",
        timeout=120,
    )
    refused = [
        answers(received, c)[0] for c in valid_commands if answers(received, c)[0]["event"] != "command.accepted"
    ]
    assert not refused, f"seed {SEED}: {refused}"
    letters = {
        DECLARATIONS: take_all(broker, DECLARATIONS_DLQ, poison, DECLARATIONS),
        COMMANDS: take_all(broker, COMMANDS_DLQ, poison, COMMANDS),
    }
    for queue, body, _ in poison:
        assert letters[queue].count(body) == 1, (
            f"seed {SEED}: {body[:80]!r} dead-lettered {letters[queue].count(body)} times"
        )
    assert not worker.logged("worker.connection_lost"), f"seed {SEED}: the worker reconnected"
    assert not worker.logged("message.dead_lettered"), "a poison message was only caught by the failure policy"
    worker.assert_running()
    assert stored(database_url) == len(valid_numbers)


def assigned(received: list[Any]) -> set[str]:
    return {e.payload()["declaration_number"] for e in received if e.payload().get("event") == "declaration.assigned"}


def take_all(channel: BlockingChannel, queue: str, poison: list[Poison], of: str) -> list[bytes]:
    """Every dead letter of a queue: as many as poison messages were sent to it, and then none more."""
    expected = sum(1 for q, _, _ in poison if q == of)
    taken = [d.body for d in take_messages(channel, queue, expected, timeout=60)]
    channel.connection.sleep(1.0)
    method, _, body = channel.basic_get(queue, auto_ack=True)
    assert method is None, f"seed {SEED}: more dead letters than poison in {queue}: {body[:80]!r}"
    return taken


def stored(database_url: str) -> int:
    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM declarations")).scalar_one())
    finally:
        engine.dispose()
