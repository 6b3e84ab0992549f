"""The embedded broker: kombu's filesystem transport in ASSIGNER_HOME, needing no server.

Three changes to kombu's transport (5.7): a message file is written under a temporary name and
renamed, so a consumer never reads half a file; names sort by wall-clock nanoseconds and a
per-process sequence, so messages keep their publishing order (kombu's names sort by milliseconds,
then a random uuid); and a consumer lists the folder once per run of messages, not once per message.
A worker moves the files it fetches into its own in-flight folder, held under
an exclusive lock while it lives; whatever a dead worker left there goes back to the queue
(`restore_orphans`): the transport itself would lose a message fetched by a worker that then dies.
"""

from __future__ import annotations

import fcntl
import itertools
import os
import shutil
import time
import uuid
from collections import deque
from pathlib import Path
from queue import Empty
from typing import Any

from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.json import dumps, loads

from assigner.broker.amqp_properties import COMPRESSION

SCHEME = "embedded"
URL = f"{SCHEME}://localhost/"
_sequence = itertools.count()
_MAKING = "new-"


class Channel(filesystem.Channel):
    """A filesystem channel whose writes are atomic and ordered, and whose reads list the folder once per run."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listed: dict[str, deque[str]] = {}

    def _get(self, queue: Any, timeout: Any = None) -> Any:
        # kombu lists and sorts the whole folder for every message (quadratic in the backlog); a sorted
        # listing is kept instead, and a file another consumer claimed first is skipped.
        listed = self._listed.setdefault(queue, deque())
        if not listed:
            suffix = f"{queue}.msg"
            listed.extend(sorted(n for n in os.listdir(self.data_folder_in) if n.partition(".")[2] == suffix))
        while listed:
            payload = self._claim(Path(self.data_folder_in) / listed.popleft())
            if payload is not None:
                return loads(payload)
        raise Empty()

    def _claim(self, path: Path) -> bytes | None:
        """Take a message file (an atomic rename, so only one consumer gets it) and read it."""
        if self.store_processed:
            taken = Path(self.processed_folder) / path.name
        else:
            taken = path.with_name(f"{path.name}.{uuid.uuid4().hex}.taken")
        try:
            os.replace(path, taken)
        except FileNotFoundError:
            return None
        payload = taken.read_bytes()
        if not self.store_processed:
            taken.unlink()
        return payload

    def message_to_python(self, raw_message: Any) -> Any:
        """A delivered message; a `compression` header is set aside first, as on RabbitMQ (see amqp_properties):
        kombu would unpack the body before the worker saw it."""
        if isinstance(raw_message, dict):
            headers = raw_message.get("headers")
            properties = raw_message.get("properties")
            if isinstance(headers, dict) and isinstance(properties, dict) and "compression" in headers:
                raw_message["headers"] = {k: v for k, v in headers.items() if k != "compression"}
                properties[COMPRESSION] = headers["compression"]
        return super().message_to_python(raw_message)

    def _put(self, queue: Any, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        stem = f"{time.time_ns():020d}-{os.getpid():07d}-{next(_sequence):012d}_{uuid.uuid4().hex}"
        folder = Path(self.data_folder_out)
        temporary = folder / f"{stem}.tmp"
        temporary.write_bytes(dumps(payload).encode("utf-8"))
        os.replace(temporary, folder / f"{stem}.{queue}.msg")


class Transport(filesystem.Transport):
    """kombu's filesystem transport with atomic, ordered message files."""

    Channel = Channel


TRANSPORT_ALIASES[SCHEME] = f"{__name__}:Transport"


def folders(home: Path) -> dict[str, Path]:
    """Where the embedded broker keeps its queue files, bindings and in-flight messages."""
    root = home / "broker"
    return {"queue": root / "queue", "control": root / "control", "inflight": root / "inflight"}


def transport_options(home: Path, inflight: Path | None = None) -> dict[str, Any]:
    """kombu transport options for the embedded broker; `inflight` keeps fetched messages until acked."""
    places = folders(home)
    for path in places.values():
        path.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {
        "data_folder_in": str(places["queue"]),
        "data_folder_out": str(places["queue"]),
        "control_folder": str(places["control"]),
        "polling_interval": 0.05,
    }
    if inflight is not None:
        options.update(store_processed=True, processed_folder=str(inflight))
    return options


class InflightFolder:
    """A worker's own folder of fetched, not yet acknowledged message files, locked while it lives."""

    def __init__(self, home: Path) -> None:
        self.queue = folders(home)["queue"]
        name = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        making = folders(home)["inflight"] / f"{_MAKING}{name}"
        making.mkdir(parents=True)
        self._lock = (making / ".lock").open("w")
        fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # Renamed once locked, so restore_orphans never takes a folder whose worker is still starting.
        self.path = making.rename(making.with_name(name))

    def restore(self) -> int:
        """Put every message fetched and not acknowledged back in the queue; returns how many."""
        return _move_messages(self.path, self.queue)

    def clear(self) -> None:
        """Forget the fetched messages: all of them are acknowledged."""
        for path in self.path.glob("*.msg"):
            path.unlink(missing_ok=True)

    def close(self) -> None:
        """Remove the folder (nothing may be in flight) and release the lock."""
        self.restore()
        shutil.rmtree(self.path, ignore_errors=True)
        self._lock.close()


def restore_orphans(home: Path) -> int:
    """Return to the queue the in-flight messages of workers that are gone; returns how many."""
    restored = 0
    for folder in sorted(folders(home)["inflight"].glob("*")):
        if folder.name.startswith(_MAKING) or not folder.is_dir():
            continue
        lock_path = folder / ".lock"
        with lock_path.open("a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # its worker is alive
            restored += _move_messages(folder, folders(home)["queue"])
            shutil.rmtree(folder, ignore_errors=True)
    return restored


def _move_messages(source: Path, queue: Path) -> int:
    moved = 0
    for path in sorted(source.glob("*.msg")):
        os.replace(path, queue / path.name)  # same name: it keeps its place in the order
        moved += 1
    return moved
