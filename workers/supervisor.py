"""One `assigner worker` on every core: the process a service manager starts runs a consumer process per CPU.

The supervisor starts `concurrency` child workers (each today's single-process worker, `--concurrency 1`),
restarts one that exits while the supervisor runs (after a pause that doubles while it keeps dying young;
after FAILING_STARTS deaths in a row within a minute of their start it stops them all and exits 1, so that
the service manager sees a worker that cannot run), and on SIGTERM or SIGINT sends each a SIGTERM and waits
for all of them: each finishes the batch in hand, acknowledges it and exits. A child dies with the supervisor
(the kernel's parent-death signal), so a supervisor killed outright leaves no worker behind; their
unacknowledged messages go back to the queue.

Child n of N consumes the declaration partitions p with p mod N = n - 1 (assigner/broker/partitions.py); its
database sessions are named `assigner-<n>` (PGAPPNAME). Children are named `<name>-<n>@<host>` when the
supervisor is given a name, and `assigner-<pid>@<host>` otherwise: unique either way. With a metrics port, the
children count into files of a folder of the supervisor's (prometheus_client's multiprocess mode) and the
supervisor serves the sum (workers/metrics.py).
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
from assigner.broker.partitions import SLOT_ENV, Slot

log = structlog.get_logger("assigner.worker")
SUPERVISOR_ENV = "ASSIGNER_SUPERVISOR_PID"  # set in a child's environment: whose child it is
FIRST_RESTART_SECONDS = 1.0
MAX_RESTART_SECONDS = 30.0
SETTLED_SECONDS = 60.0  # a child that ran this long is restarted after the first pause again
FAILING_STARTS = 5  # deaths in a row, each within SETTLED_SECONDS of its start: about 31 s of trying
STOP_SECONDS = 140.0  # each child finishes its batch; systemd's TimeoutStopSec is 150
POLL_SECONDS = 0.1
PR_SET_PDEATHSIG = 1
METRICS_PREFIX = "assigner-metrics-"  # then the supervisor's pid: a folder of its children's metrics files


def cpu_count() -> int:
    """The CPUs this process may use: those it may run on (taskset, cpuset), fewer under a CPU quota (a
    container's cgroup cpu.max)."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1
    quota = cgroup_quota(Path("/sys/fs/cgroup/cpu.max"))
    return max(1, min(count, quota)) if quota else count


def cgroup_quota(path: Path) -> int | None:
    """The CPUs a cgroup v2 `cpu.max` ("QUOTA PERIOD", or "max PERIOD": none) allows, rounded up; None without."""
    try:
        quota, period = path.read_text().split()[:2]
        return -(-int(quota) // int(period))
    except (OSError, ValueError):  # no such file, "max", or unreadable
        return None


def forget_dead_metrics(folder: Path) -> None:
    """Remove the metrics folders of supervisors no longer running (one killed outright leaves its own)."""
    for found in folder.glob(f"{METRICS_PREFIX}*-*"):
        pid = found.name.removeprefix(METRICS_PREFIX).partition("-")[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(found, ignore_errors=True)


def _running(pid: int) -> bool:
    """Whether a process of this pid runs (another user's counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def die_with_supervisor() -> bool:
    """In a child: be killed when the supervisor dies (Linux), and exit now if it is already gone; whether this
    process is a supervisor's child."""
    supervisor = os.environ.get(SUPERVISOR_ENV)
    if not supervisor:
        return False
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != int(supervisor):  # it died before the signal was asked for
        os._exit(1)
    return True


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
    young_deaths: int = 0  # in a row

    def start(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(self.command, env=env, stdin=subprocess.DEVNULL)
        self.started_at = time.monotonic()
        self.restart_at = None
        log.info("worker.child_started", child=self.number, child_pid=self.process.pid)

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
        self.stopping = threading.Event()  # the metrics thread's; set from the loop, never from a signal handler
        self.signalled = False
        self.failing: Child | None = None
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
            log.info("worker.supervising", children=len(self.children))
            for child in self.children:
                child.start(self._own_env(child, env))
            while not self.signalled and self.failing is None:
                time.sleep(POLL_SECONDS)
                for child in self.children:
                    self._keep(child, env)
            self.stopping.set()
            self._stop_children()
            if self.failing is not None:
                log.error("worker.child_failing", child=self.failing.number, deaths=self.failing.young_deaths)
                return 1
            return 0
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
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        if self.metrics_port is not None:
            forget_dead_metrics(Path(tempfile.gettempdir()))
            self.metrics_folder = Path(tempfile.mkdtemp(prefix=f"{METRICS_PREFIX}{os.getpid()}-"))
            env["PROMETHEUS_MULTIPROC_DIR"] = str(self.metrics_folder)
        return env

    def _own_env(self, child: Child, env: dict[str, str]) -> dict[str, str]:
        """A child's environment: the supervisor's, with which of its processes it is (the partitions it
        consumes), and its database sessions' application_name (PGAPPNAME, unless the URL names one) numbered."""
        own = dict(env)
        own[SLOT_ENV] = str(Slot(child.number - 1, len(self.children)))
        own["PGAPPNAME"] = f"{env.get('PGAPPNAME') or 'assigner'}-{child.number}"
        return own

    def _keep(self, child: Child, env: dict[str, str]) -> None:
        """Restart a child that exited, once its pause is over."""
        if child.running() or self.signalled:
            return
        now = time.monotonic()
        if child.restart_at is None:
            assert child.process is not None
            code = child.process.returncode
            if now - child.started_at >= SETTLED_SECONDS:
                child.pause, child.young_deaths = FIRST_RESTART_SECONDS, 0
            child.young_deaths += 1
            if child.young_deaths >= FAILING_STARTS:
                self.failing = child
                return
            child.restart_at = now + child.pause
            log.error(
                "worker.child_exited",
                child=child.number,
                child_pid=child.process.pid,
                code=code,
                restart_in=child.pause,
            )
            self._forget(child.process.pid)
            child.pause = min(child.pause * 2, MAX_RESTART_SECONDS)
        elif now >= child.restart_at:
            child.start(self._own_env(child, env))

    def _forget(self, pid: int) -> None:
        if self.metrics_folder is not None:
            from prometheus_client import multiprocess

            multiprocess.mark_process_dead(pid, str(self.metrics_folder))

    def _stop(self, _number: int, _frame: FrameType | None) -> None:
        """The signal handler: a flag the loop reads within POLL_SECONDS (no lock: the handler may run while the
        loop's thread holds one)."""
        self.signalled = True

    def _stop_children(self) -> None:
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
                log.error("worker.child_killed", child=child.number, child_pid=child.process.pid, after=STOP_SECONDS)
                child.process.kill()
                child.process.wait()
        log.info("worker.stopped_all", children=len(self.children))


def child_command(name: str | None, loglevel: str) -> list[str]:
    """The command of one child worker: this program, one process, its name if given."""
    command = [sys.executable, "-m", "assigner", "worker", "--concurrency", "1", "--loglevel", loglevel]
    return command + (["--hostname", name] if name else [])
