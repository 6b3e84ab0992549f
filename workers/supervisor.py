"""One `assigner worker` on every core: the process a service manager starts runs a consumer process per CPU.

The supervisor starts `concurrency` child workers (each today's single-process worker, `--concurrency 1`),
restarts one that exits while the supervisor runs (after a pause that doubles while it keeps dying young),
and on SIGTERM or SIGINT passes the signal on and waits for all of them: each finishes the batch in hand,
acknowledges it and exits. A child dies with the supervisor (the kernel's parent-death signal), so a
supervisor killed outright leaves no worker behind; their unacknowledged messages go back to the queue.

Children are named `<name>-<n>@<host>` when the supervisor is given a name, and `assigner-<pid>@<host>`
otherwise: unique either way. With a metrics port, the children count into files of a folder of the
supervisor's (prometheus_client's multiprocess mode) and the supervisor serves the sum (workers/metrics.py).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import structlog

from assigner import logs
from assigner.bootstrap import Runtime

log = structlog.get_logger("assigner.worker")
SUPERVISOR_ENV = "ASSIGNER_SUPERVISOR_PID"  # set in a child's environment: whose child it is
FIRST_RESTART_SECONDS = 1.0  # at least this: a child that stopped on the service manager's own SIGTERM
MAX_RESTART_SECONDS = 30.0  # is not restarted before the supervisor's arrives
SETTLED_SECONDS = 60.0  # a child that ran this long is restarted after the first pause again
STOP_SECONDS = 140.0  # each child finishes its batch; systemd's TimeoutStopSec is 150
POLL_SECONDS = 0.1
PR_SET_PDEATHSIG = 1


def cpu_count() -> int:
    """The CPUs this process may run on (its affinity, as a container or taskset limits it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def die_with_supervisor() -> None:
    """In a child: be killed when the supervisor dies (Linux), and exit now if it is already gone."""
    supervisor = os.environ.get(SUPERVISOR_ENV)
    if not supervisor:
        return
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != int(supervisor):  # it died before the signal was asked for
        os._exit(1)


def child_names(name: str | None, count: int) -> list[str | None]:
    """Each child's node name: `<name>-<n>@<host>` for a given name, None (its own assigner-PID@HOST) otherwise."""
    if name is None:
        return [None] * count
    node, at, host = name.partition("@")
    return [f"{node}-{number}{at}{host}" for number in range(1, count + 1)]


@dataclass
class Child:
    """One child worker: its command, the process running it, and when it may be started again."""

    number: int
    command: list[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    pause: float = FIRST_RESTART_SECONDS
    restart_at: float | None = field(default=None)

    def start(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(self.command, env=env, stdin=subprocess.DEVNULL)
        self.started_at = time.monotonic()
        self.restart_at = None
        log.info("worker.child_started", child=self.number, pid=self.process.pid)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal(self, number: int) -> None:
        if self.running():
            assert self.process is not None
            try:
                self.process.send_signal(number)
            except ProcessLookupError:
                pass


class Supervisor:
    """Runs `concurrency` child workers until SIGTERM or SIGINT; returns the exit code for the service manager."""

    def __init__(
        self, runtime: Runtime, concurrency: int, name: str | None, loglevel: str, metrics_port: int | None
    ) -> None:
        self.runtime = runtime
        self.metrics_port = metrics_port
        self.stopping = threading.Event()
        self.metrics_folder: Path | None = None
        self.children = [
            Child(number, child_command(child_name, loglevel))
            for number, child_name in enumerate(child_names(name, concurrency), start=1)
        ]

    def run(self) -> int:
        """Start the children, keep them running, stop them all on a signal."""
        logs.configure(self.runtime.settings.log_format)
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            env = self._child_env()
            if self.metrics_port is not None:
                from workers import metrics

                assert self.metrics_folder is not None
                settings = self.runtime.settings
                metrics.serve_children(
                    self.runtime, self.metrics_port, settings.metrics_address, self.metrics_folder, self.stopping
                )
            log.info("worker.supervising", children=len(self.children), pid=os.getpid())
            for child in self.children:
                child.start(env)
            while not self.stopping.wait(POLL_SECONDS):
                for child in self.children:
                    self._keep(child, env)
            return self._stop_children()
        finally:
            for child in self.children:  # none left running, whatever failed
                child.signal(signal.SIGKILL)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if self.metrics_folder is not None:
                shutil.rmtree(self.metrics_folder, ignore_errors=True)

    def _child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env[SUPERVISOR_ENV] = str(os.getpid())
        env.pop("ASSIGNER_METRICS_PORT", None)  # the supervisor serves the port
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        if self.metrics_port is not None:
            self.metrics_folder = Path(tempfile.mkdtemp(prefix="assigner-metrics-"))
            env["PROMETHEUS_MULTIPROC_DIR"] = str(self.metrics_folder)
        return env

    def _keep(self, child: Child, env: dict[str, str]) -> None:
        """Restart a child that exited, once its pause is over."""
        if child.running() or self.stopping.is_set():
            return
        now = time.monotonic()
        if child.restart_at is None:
            assert child.process is not None
            code = child.process.returncode
            if now - child.started_at >= SETTLED_SECONDS:
                child.pause = FIRST_RESTART_SECONDS
            child.restart_at = now + child.pause
            log.error(
                "worker.child_exited", child=child.number, pid=child.process.pid, code=code, restart_in=child.pause
            )
            self._forget(child.process.pid)
            child.pause = min(child.pause * 2, MAX_RESTART_SECONDS)
        elif now >= child.restart_at:
            child.start(env)

    def _forget(self, pid: int) -> None:
        if self.metrics_folder is not None:
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(pid, str(self.metrics_folder))

    def _stop(self, _number: int, _frame: FrameType | None) -> None:
        """The signal handler: the loop wakes within POLL_SECONDS and stops the children."""
        self.stopping.set()

    def _stop_children(self) -> int:
        """SIGTERM to each child (it finishes the batch in hand), then wait; SIGKILL one that outlasts STOP_SECONDS."""
        for child in self.children:
            child.signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(max(deadline - time.monotonic(), 0.0))
            except subprocess.TimeoutExpired:
                log.error("worker.child_killed", child=child.number, pid=child.process.pid, after=STOP_SECONDS)
                child.process.kill()
                child.process.wait()
        log.info("worker.stopped_all", children=len(self.children))
        return 0


def child_command(name: str | None, loglevel: str) -> list[str]:
    """The command of one child worker: this program, one process, its name if given."""
    command = [sys.executable, "-m", "assigner", "worker", "--concurrency", "1", "--loglevel", loglevel]
    return command + (["--hostname", name] if name else [])
