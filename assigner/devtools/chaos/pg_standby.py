"""A PostgreSQL primary with a streaming standby of the chaos run's own on loopback (clusters of their own on
free ports, made with initdb and pg_basebackup -R), and the failover an operator's tool would carry out."""

from __future__ import annotations

import glob
import shutil
import subprocess
import time
from pathlib import Path

import psycopg

from assigner.devtools.chaos.cluster import ChaosFailed
from assigner.devtools.chaos.servers import as_user, free_port, give_to

STANDBY_NAME = "standby"  # the application_name the standby streams under, whichever server it is
SYNCHRONOUS = f"FIRST 1 ({STANDBY_NAME})"
WAIT_SECONDS = 60.0


def postgres_bindir() -> Path:
    """Where initdb, pg_ctl and pg_basebackup are: the folder initdb on PATH lives in (links followed), or
    Debian's newest /usr/lib/postgresql/N/bin."""
    found = shutil.which("initdb")
    if found and (Path(found).resolve().parent / "pg_basebackup").exists():
        return Path(found).resolve().parent
    folders = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda path: int(Path(path).parent.name))
    if not folders:
        raise ChaosFailed("a cluster run needs PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup)")
    return Path(folders[-1])


class PgServer:
    """One PostgreSQL server: a data folder, a port, its log."""

    def __init__(self, name: str, folder: Path, bindir: Path) -> None:
        self.name = name
        self.folder = folder
        self.port = free_port()
        self.bindir = bindir

    @property
    def data(self) -> Path:
        """The data folder."""
        return self.folder / "data"

    def run(self, tool: str, *args: str, timeout: float = 120.0) -> None:
        """Run a server program as the postgres account; one line saying why when it fails."""
        try:
            done = subprocess.run(
                as_user("postgres", [str(self.bindir / tool), *args]),
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd="/",
            )
        except subprocess.TimeoutExpired as error:
            raise ChaosFailed(f"{tool} on {self.name} did not finish in {timeout:.0f} s") from error
        if done.returncode != 0:
            lines = (done.stderr or done.stdout).strip().splitlines()
            raise ChaosFailed(f"{tool} on {self.name} failed (exit {done.returncode}): {lines[-1:]}")

    def init_primary(self) -> None:
        """A new cluster ready to stream to a standby (the pair makes it wait for one once it streams)."""
        self._fresh_folder()
        self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale")
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                "listen_addresses = '127.0.0.1'\n"
                "wal_level = replica\nmax_wal_senders = 5\nsynchronous_commit = on\n"
                "max_connections = 200\n"
            )

    def init_standby(self, primary: PgServer) -> None:
        """A fresh copy of `primary` that streams from it (pg_basebackup -R), under STANDBY_NAME."""
        self._fresh_folder()
        self.run(
            "pg_basebackup",
            "-d",
            f"host=127.0.0.1 port={primary.port} user=postgres application_name={STANDBY_NAME}",
            "-D",
            str(self.data),
            "-R",
            "-X",
            "stream",
            "-c",
            "fast",
        )

    def start(self) -> None:
        """Start the server on its port and wait until it accepts connections."""
        log = str(self.folder / "server.log")
        options = f"-p {self.port} -k {self.folder}"  # its own port and socket folder (a copy has its primary's)
        self.run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        """Stop it: `immediate` is a crash (no checkpoint, nothing more sent to the standby)."""
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def promote(self) -> None:
        """Make this standby the primary, and wait until it takes writes."""
        self.run("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "promote")

    def running(self) -> bool:
        """Whether the server answers."""
        try:
            self.query("SELECT 1")
        except psycopg.Error:
            return False
        return True

    def query(self, statement: str) -> list[tuple[object, ...]]:
        """Run one statement (autocommit) as postgres; its rows."""
        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True, connect_timeout=5
        ) as connection:
            cursor = connection.execute(statement)
            return cursor.fetchall() if cursor.description else []

    def _fresh_folder(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        give_to("postgres", self.folder)


class PgPair:
    """A primary and its standby; after `crash_primary()` and `promote_standby()` the standby is the primary,
    and the old primary, rebuilt from it, its standby (it never comes back as primary)."""

    def __init__(self, folder: Path, synchronous: bool = True) -> None:
        bindir = postgres_bindir()
        self.folder = folder
        self.synchronous = synchronous
        self.primary = PgServer("postgres-a", folder / "postgres-a", bindir)
        self.standby = PgServer("postgres-b", folder / "postgres-b", bindir)

    def build(self) -> None:
        """Start the primary, copy it to the standby, and wait until the standby streams (synchronously if so)."""
        self.primary.init_primary()
        self.primary.start()
        self._attach_standby()

    def url(self, database: str = "postgres") -> str:
        """libpq's multi-host form: clients connect to whichever server takes writes."""
        hosts = "&".join(f"host=127.0.0.1:{server.port}" for server in (self.primary, self.standby))
        return f"postgresql+psycopg://postgres@/{database}?{hosts}&target_session_attrs=read-write"

    def crash_primary(self) -> None:
        """Stop the primary in `immediate` mode: a crash, nothing more sent to the standby."""
        self.primary.stop("immediate")

    def promote_standby(self) -> None:
        """Promote the standby, then rebuild the crashed primary as the new one's standby (it never comes back
        as primary). A synchronous pair's new primary commits alone until its standby streams again, as
        Patroni's synchronous_mode (not strict) does."""
        old, new = self.primary, self.standby
        new.promote()
        if self.synchronous:  # whatever its copy of the settings says, it must not wait for a standby yet
            self._set_synchronous(new, "")
        self.primary, self.standby = new, old
        self._attach_standby()

    def replication(self) -> list[tuple[object, ...]]:
        """What the primary says of its standby now: (application_name, state, sync_state)."""
        return self.primary.query("SELECT application_name, state, sync_state FROM pg_stat_replication")

    def keep_logs(self, folder: Path) -> None:
        """Copy each server's log into `folder` (the run keeps them if a check failed)."""
        folder.mkdir(parents=True, exist_ok=True)
        for server in (self.primary, self.standby):
            if (server.folder / "server.log").exists():
                shutil.copy(server.folder / "server.log", folder / f"{server.name}.log")

    def remove(self) -> None:
        """Stop both servers and delete their folders; never raises."""
        for server in (self.standby, self.primary):
            if server.data.exists():
                try:
                    server.stop("immediate")
                except ChaosFailed:
                    pass  # not running
        shutil.rmtree(self.folder, ignore_errors=True)

    def _attach_standby(self) -> None:
        self.standby.init_standby(self.primary)
        self.standby.start()
        wanted = "sync" if self.synchronous else "async"
        if self.synchronous:
            self._set_synchronous(self.primary, SYNCHRONOUS)
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            if (STANDBY_NAME, "streaming", wanted) in self.replication():
                return
            time.sleep(0.2)
        raise ChaosFailed(f"the standby did not stream ({wanted}) within {WAIT_SECONDS:.0f} s: {self.replication()}")

    @staticmethod
    def _set_synchronous(server: PgServer, names: str) -> None:
        server.query(f"ALTER SYSTEM SET synchronous_standby_names = '{names}'")
        server.query("SELECT pg_reload_conf()")
