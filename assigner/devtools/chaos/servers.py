"""What the servers a cluster run starts of its own need: free ports on loopback, and their own accounts
(RabbitMQ and PostgreSQL refuse to run as root, or on root's files)."""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path


def free_port() -> int:
    """A TCP port free on loopback now (for a server of the run's own)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def give_to(user: str, folder: Path) -> None:
    """Make `folder` (and all in it) the server account's, when the run is root; servers refuse root's files."""
    if os.geteuid() == 0:
        shutil.chown(folder, user, user)
        for path in folder.rglob("*"):
            shutil.chown(path, user, user)


def as_user(user: str, argv: list[str]) -> list[str]:
    """The command run as `user` when the run is root (PostgreSQL refuses to run as root); else as is."""
    return ["runuser", "-u", user, "--", *argv] if os.geteuid() == 0 else argv
