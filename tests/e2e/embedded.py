"""The embedded broker as the end-to-end tests drive it: a home folder, its CLI, and its queues read by kombu.

No server at all: SQLite and the message files in ASSIGNER_HOME. The worker process is e2e.support's
WorkerProcess, given `embedded_env`.
"""

from __future__ import annotations

import time
from pathlib import Path

from e2e.support import run_assigner
from kombu.entity import Queue
from kombu.message import Message
from kombu.messaging import Consumer

from assigner.broker import topology
from assigner.broker.connection import connect
from assigner.settings import Settings

TIMEOUT = 120.0  # liveness only


def embedded_env(home: Path, events_queue: str, **settings: str) -> dict[str, str]:
    """A machine with no servers: only a home folder, an events queue bound to every event, JSON logs, and
    ASSIGNER_<NAME> settings given as keywords."""
    env = {"ASSIGNER_HOME": str(home), "ASSIGNER_EVENTS_QUEUE": events_queue, "ASSIGNER_LOG_FORMAT": "json"}
    env.update({f"ASSIGNER_{name.upper()}": value for name, value in settings.items()})
    return env


def assigner_ok(env: dict[str, str], *args: str) -> str:
    """Run the CLI with these settings; it must succeed; returns its output."""
    done = run_assigner(env, *args, timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    return done.stdout


def read_queue(home: Path, name: str, count: int, binding: bool = False) -> list[Message]:
    """`count` messages from a queue of the embedded broker (acknowledged as read); `binding` binds the
    queue to every event first, as a downstream system does."""
    got: list[Message] = []
    exchange = topology.events_exchange() if binding else topology.DEFAULT_EXCHANGE
    queue = Queue(name, exchange, routing_key="#" if binding else name, durable=True)
    deadline = time.monotonic() + TIMEOUT
    with (
        connect(Settings(home=home, broker_url=None)) as connection,
        Consumer(connection, [queue], on_message=got.append),
    ):
        while len(got) < count:
            assert time.monotonic() < deadline, f"{len(got)} of {count} messages on {name} within {TIMEOUT} s"
            try:
                connection.drain_events(timeout=1)
            except TimeoutError:
                continue
            got[-1].ack()
            if binding and got[-1].delivery_info.get("routing_key", "").startswith("audit."):
                got.pop()  # the chain's heads come with every batch: not what a test of decisions reads
    return got
