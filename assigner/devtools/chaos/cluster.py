"""The worker processes of a chaos run, and the restarts of this machine's RabbitMQ and PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from assigner.domain.errors import AssignerError

STOP_SECONDS = 30.0


class ChaosFailed(AssignerError):
    """The chaos run could not carry out a step (a service that does not come back, a worker that never starts)."""


class Worker:
    """One `assigner worker` process; each start appends to its JSON log."""

    def __init__(self, number: int, env: Mapping[str, str], folder: Path) -> None:
        self.number = number
        self.env = dict(env)
        self.log = folder / f"worker-{number}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the process (it consumes a few seconds later)."""
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "assigner", "worker", "--loglevel", "WARNING"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def kill(self) -> None:
        """SIGKILL: it dies wherever it is, holding what it holds."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(STOP_SECONDS)

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL if it does not exit; its exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode

    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process is not None and self.process.poll() is None

    def logged(self, event: str, queue: str | None = None) -> list[datetime]:
        """When this worker logged `event` (on `queue`, if given), over all its starts."""
        times = []
        for line in self.log.read_bytes().splitlines():
            if not line.startswith(b"{"):
                continue
            try:
                entry: dict[str, Any] = json.loads(line)
            except ValueError:
                continue
            if entry.get("event") == event and (queue is None or entry.get("queue") == queue):
                times.append(datetime.fromisoformat(entry["timestamp"]))
        return times


def worker_env(database_url: str, broker_url: str, home: Path, queue_type: str, partitions: int = 0) -> dict[str, str]:
    """The workers' environment: only these ASSIGNER_* settings (`partitions`: declaration_partitions), JSON logs."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ASSIGNER_")}
    env.update(
        ASSIGNER_DATABASE_URL=database_url,
        ASSIGNER_BROKER_URL=broker_url,
        ASSIGNER_HOME=str(home),
        ASSIGNER_QUEUE_TYPE=queue_type,
        ASSIGNER_LOG_FORMAT="json",
        ASSIGNER_DECLARATION_PARTITIONS=str(partitions),
    )
    return env


def run_command(command: str, timeout: float = 180.0) -> float:
    """Run a shell command (a service's restart); returns when it finished, as time.time()."""
    try:
        done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as error:
        raise ChaosFailed(f"`{command}` did not finish in {timeout:.0f} s") from error
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise ChaosFailed(f"`{command}` failed (exit {done.returncode}): {lines[-1] if lines else ''}")
    return time.time()


def rabbitmqctl(*args: str, node: str | None = None, timeout: float = 120.0) -> str:
    """`rabbitmqctl -q ARGS` on this machine's node, or on `node` (a cluster run's); its output."""
    command = ["rabbitmqctl", *(["-n", node] if node else []), "-q", *args]
    what = " ".join(command[1 : -len(args)] + list(args[:2])) if args else " ".join(command[1:])
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as error:
        raise ChaosFailed(f"rabbitmqctl {what} did not finish in {timeout:.0f} s") from error
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise ChaosFailed(f"rabbitmqctl {what} failed: {lines[-1:]}")
    return done.stdout
