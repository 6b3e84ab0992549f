"""Celery doing nothing: a `celery worker` (prefork, default concurrency or the one given, acks_late) draining a
backlog of no-op tasks queued (persistent, confirmed) before it starts, on a vhost the caller made for the run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import amqp  # py-amqp ships no type hints

from assigner.devtools.bench.baselines import noop_app
from assigner.devtools.bench.baselines.amqp_tools import (
    DRAIN_SECONDS,
    BaselineFailed,
    Confirms,
    Drain,
    amqp_connection,
    publish_confirmed,
    ready,
)

NOOP_QUEUE = "bench.noop"
START_SECONDS, STOP_SECONDS = 60.0, 60.0


def celery_noop_drain(broker_url: str, bodies: list[bytes], concurrency: int | None = None) -> Drain:
    """A `celery worker` (prefork, acks_late) draining a no-op task per body, with `concurrency` pool processes
    (None: Celery's default, one per CPU).

    The end is exact and costs the broker nothing: each pool process appends the time it finished a task to a
    stamps file (noop_app), so N stamps mean N tasks done and the latest is the last finish; its ack follows
    within the hop to the worker's main process. The start is when the queue's ready count (a passive declare,
    polled every millisecond) first drops below N. After the worker's warm shutdown (SIGTERM) the queue must be
    empty: a task finished but never acknowledged would be back in it, and fails the run.
    """
    with tempfile.TemporaryDirectory() as folder, amqp_connection(broker_url) as connection:
        channel, stamps, log = connection.channel(), Path(folder) / "stamps", Path(folder) / "worker.log"
        try:
            _publish_tasks(broker_url, bodies)
            started = _run_worker(broker_url, channel, len(bodies), stamps, log, concurrency)
            if left := ready(channel, NOOP_QUEUE):
                raise _failed(log, f"{left} Celery tasks were not acknowledged")
            finished = [stamp for (stamp,) in noop_app.STAMP.iter_unpack(stamps.read_bytes())]
        finally:
            channel.queue_delete(NOOP_QUEUE)
            channel.exchange_delete(NOOP_QUEUE)
    return Drain("celery-noop", len(finished), max(finished) - started)


def _publish_tasks(broker_url: str, bodies: list[bytes]) -> None:
    """Queue a protocol-2 `bench.noop` message per body through Celery's own producer, confirmed in chunks."""
    with noop_app.app.connection_for_write(broker_url) as connection:
        producer = noop_app.app.amqp.Producer(connection.default_channel)
        confirms = Confirms(producer.channel, connection.connection)
        publish_confirmed(
            confirms,
            bodies,
            lambda body: noop_app.noop.apply_async((body.decode(),), queue=NOOP_QUEUE, producer=producer),
        )


def _run_worker(
    broker_url: str, channel: amqp.Channel, count: int, stamps: Path, log: Path, concurrency: int | None
) -> float:
    """Run the worker until `count` tasks are stamped, then stop it; returns when it took the first (time.time())."""
    env = {**os.environ, noop_app.BROKER_ENV: broker_url, noop_app.STAMPS_ENV: str(stamps)}
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        noop_app.__name__,
        "worker",
        "--pool",
        "prefork",
        "-Q",
        NOOP_QUEUE,
        "--loglevel",
        "WARNING",
        *([] if concurrency is None else ["--concurrency", str(concurrency)]),
    ]
    with log.open("ab") as output:
        # A session of its own, so that a worker that will not stop can be killed with its pool processes.
        worker = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
    try:
        _wait(lambda: ready(channel, NOOP_QUEUE) < count, worker, log, START_SECONDS, 0.001)
        started = time.time()
        # Only the count is polled, and seldom: the times are in the stamps.
        _wait(
            lambda: stamps.exists() and stamps.stat().st_size >= count * noop_app.STAMP.size,
            worker,
            log,
            DRAIN_SECONDS,
            0.05,
        )
        return started
    finally:
        _stop(worker)


def _wait(done: Callable[[], bool], worker: subprocess.Popen[bytes], log: Path, seconds: float, pause: float) -> None:
    """Poll until `done()`, as long as the worker runs and `seconds` have not passed."""
    deadline = time.monotonic() + seconds
    while not done():
        if worker.poll() is not None:
            raise _failed(log, f"the Celery worker stopped (exit {worker.returncode})")
        if time.monotonic() > deadline:
            raise _failed(log, f"the Celery worker did not get there in {seconds:.0f} s")
        time.sleep(pause)


def _failed(log: Path, why: str) -> BaselineFailed:
    # The log lives in a temporary folder that is gone by the time anyone reads the error.
    lines = log.read_text(errors="replace").splitlines()[-5:] if log.exists() else []
    return BaselineFailed(f"{why}; its log ends: {' | '.join(lines) or '(empty)'}")


def _stop(worker: subprocess.Popen[bytes]) -> None:
    """A warm shutdown (SIGTERM); the worker's process group is killed if it has not exited in STOP_SECONDS."""
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
