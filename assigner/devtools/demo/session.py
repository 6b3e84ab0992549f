"""The demo: a worker on the embedded broker, fed a pilot-like three-day stream, watched through its events."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from kombu.entity import Queue
from kombu.message import Message
from kombu.messaging import Consumer

from assigner.bootstrap import Runtime
from assigner.broker import topology
from assigner.broker.command_keys import new_key
from assigner.broker.connection import connect
from assigner.domain.draws import RotationMode
from assigner.domain.errors import AssignerError, InvalidInput
from assigner.domain.model import Unit
from assigner.domain.roster import Role
from assigner.files.roster_csv import read_roster
from assigner.resources import shipped
from assigner.services.draw_keys import set_rotation_mode
from assigner.services.roster import import_roster
from assigner.settings import Settings
from assigner.storage import migrate

EVENTS_QUEUE = "assigner.devtools.demo.session.events"
STOP_SECONDS = 30
MARKER = ".assigner-demo"  # says a folder is a demo's, which a later demo may empty
LOCK = ".assigner-demo.lock"  # held while a demo runs in the folder
DRAWN_UNIT = Unit("01B1", "02")  # the demo's unit in the drawn order (docs/rules.md rule 2), the others in order


class DemoFailed(AssignerError):
    """The demo's worker died or did not process the stream in time."""


def claim_home(home: Path) -> IO[str]:
    """Make `home` the demo's, empty: refuse a folder in use by another demo, or holding files of no demo's.

    Returns the lock to hold while the demo runs.
    """
    home.mkdir(parents=True, exist_ok=True)
    lock = (home / LOCK).open("a")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise InvalidInput(f"{home} is in use by another assigner demo: wait for it, or give another --home") from None
    leftovers = [path for path in home.iterdir() if path.name != LOCK]
    if leftovers and not (home / MARKER).exists():
        lock.close()
        raise InvalidInput(f"{home} holds files that are not a demo's: give an empty or a new folder as --home")
    for path in leftovers:  # a previous demo's database, broker files and log: this run starts clean
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    (home / MARKER).write_text("a folder of `assigner demo`: emptied by the next demo run in it\n")
    return lock


def demo_settings(home: Path) -> Settings:
    """Everything in `home`: an SQLite database and the embedded broker, whatever the environment says; the
    console (`--console`) serves plain HTTP on 127.0.0.1, so its cookies cannot be Secure."""
    return Settings(
        home=home,
        database_url=f"sqlite:///{home / 'assigner.db'}",
        broker_url=None,
        events_queue=EVENTS_QUEUE,
        console_host="127.0.0.1",
        console_insecure_cookies=True,
    )


def prepare(settings: Settings) -> Runtime:
    """Migrate the demo database, import the demo roster (two offices, two departments each), set DRAWN_UNIT to
    draw its rounds' order, and give the supervisors command keys (the home's keys file, read by the worker at
    start)."""
    runtime = Runtime(settings)
    migrate.upgrade(runtime.engine)
    entries = read_roster(shipped("samples") / "demo-roster.csv")
    import_roster(runtime.unit_of_work(), entries, runtime.clock, runtime.policy, "demo")
    set_rotation_mode(runtime.unit_of_work(), DRAWN_UNIT, RotationMode.DRAWN, runtime.clock, "demo")
    supervisors = sorted({entry.officer.officer_id for entry in entries if entry.role is Role.SUPERVISOR})
    keys = "".join(f'"{officer_id}" = "{new_key()}"\n' for officer_id in supervisors)
    (settings.home / "command-keys.toml").write_text(keys)
    return runtime


def start_worker(settings: Settings, log: IO[bytes]) -> subprocess.Popen[bytes]:
    """`assigner worker` in a process of its own, on these settings' database and broker, logging JSON to `log`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ASSIGNER_")}
    env.update(
        ASSIGNER_HOME=str(settings.home),
        ASSIGNER_DATABASE_URL=settings.resolved_database_url(),
        ASSIGNER_EVENTS_QUEUE=str(settings.events_queue),
        ASSIGNER_LOG_FORMAT="json",
    )
    if settings.broker_url:
        env["ASSIGNER_BROKER_URL"] = settings.broker_url
    command = [sys.executable, "-m", "assigner", "worker", "--loglevel", "WARNING"]
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


def stop_worker(worker: subprocess.Popen[bytes]) -> int:
    """SIGTERM (the worker finishes its batch), then SIGKILL if it does not stop; returns its exit code."""
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            return worker.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            worker.kill()
    return worker.wait()


def wait_until_consuming(settings: Settings, worker: subprocess.Popen[bytes], timeout: float) -> None:
    """Wait for the worker's `worker.consuming` log line, so that the timing leaves out its start-up."""
    log = settings.home / "worker.log"
    deadline = time.monotonic() + timeout
    while b'"worker.consuming"' not in log.read_bytes():
        if worker.poll() is not None:
            raise DemoFailed(f"the worker stopped (exit {worker.returncode}); see {log}")
        if time.monotonic() > deadline:
            raise DemoFailed(f"the worker did not start in {timeout:.0f} s; see {log}")
        time.sleep(0.1)


@dataclass
class Watch:
    """What the demo saw on the events queue."""

    events: Counter[str] = field(default_factory=Counter)
    held: Counter[str] = field(default_factory=Counter)
    after_hours: int = 0
    by_officer: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (unit, officer, mode)
    seen: int = 0  # the declarations' and commands' events
    heads: int = 0  # audit.sealed and audit.daily_head
    last_at: float = 0.0
    _ids: set[str] = field(default_factory=set)

    def add(self, body: dict[str, Any]) -> None:
        """Count one event; an event published again (same event_id) counts once by kind."""
        if str(body.get("event", "")).startswith("audit."):  # the chain's heads, one per batch: not a declaration's
            self.heads += 1
            return
        self.seen += 1
        self.last_at = time.perf_counter()
        if body["event_id"] in self._ids:
            return
        self._ids.add(body["event_id"])
        self.events[body["event"]] += 1
        if body["event"] == "declaration.held":
            self.held[body["reason"]] += 1
        if body["event"] == "declaration.assigned":
            self.after_hours += bool(body["after_hours"])
            unit = f"{body['customs_office']}/{body['department']}"
            self.by_officer[(unit, body["officer_id"], body["mode"])] += 1


def watch_events(
    settings: Settings,
    expected: int,
    malformed: int,
    worker: subprocess.Popen[bytes],
    timeout: float,
    progress: Callable[[int], None],
) -> tuple[Watch, int]:
    """Read the settings' events queue until `expected` events came and `malformed` messages are dead-lettered.

    Returns what was seen and the number of dead letters.
    """
    watch = Watch()
    deadline = time.monotonic() + timeout

    def on_message(message: Message) -> None:
        watch.add(json.loads(message.body))
        message.ack()
        progress(watch.seen)

    with connect(settings) as connection:
        queue = Queue(settings.events_queue, topology.events_exchange(), routing_key="#", durable=True)
        with Consumer(connection, [queue], on_message=on_message, prefetch_count=500):
            # Events first; the dead-letter count (a folder listing) only once they are all in.
            while watch.seen < expected or topology.depth(connection, topology.DECLARATIONS_DLQ) < malformed:
                if worker.poll() is not None:
                    raise DemoFailed(
                        f"the worker stopped (exit {worker.returncode}); see {settings.home / 'worker.log'}"
                    )
                if time.monotonic() > deadline:
                    raise DemoFailed(f"only {watch.seen} of {expected} events after {timeout:.0f} s")
                while watch.seen < expected and _drain(connection):
                    pass
        return watch, topology.depth(connection, topology.DECLARATIONS_DLQ)


def _drain(connection: Any) -> bool:
    """Deliver one event; False when none came within half a second."""
    try:
        connection.drain_events(timeout=0.5)
    except TimeoutError:
        connection.heartbeat_check()
        return False
    return True
