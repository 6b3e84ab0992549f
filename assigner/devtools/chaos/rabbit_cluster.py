"""A RabbitMQ cluster of the chaos run's own on loopback: nodes with their own names, ports and data folders,
beside (never touching) this machine's node; the management plugin on the first."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from assigner.devtools.chaos.cluster import ChaosFailed, rabbitmqctl
from assigner.devtools.chaos.servers import free_port, give_to

START_TIMEOUT_SECONDS = 90.0
NAME_STEM = "assigner-chaos"


@dataclass
class RabbitNode:
    """One node: `assigner-chaos-N@localhost`, its AMQP port, distribution port, folder, and management port."""

    number: int
    port: int
    dist_port: int
    folder: Path
    management_port: int | None = None

    @property
    def name(self) -> str:
        """The Erlang node name, as rabbitmqctl -n takes it."""
        return f"{NAME_STEM}-{self.number}@localhost"

    def start(self) -> None:
        """Start the node detached and return once it answers (a node that was in the cluster rejoins it)."""
        self.launch()
        self.await_startup()

    def launch(self) -> None:
        """Start the node detached (it answers some seconds later)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "rabbitmq.conf").write_text(self._config())
        plugins = "rabbitmq_management" if self.management_port else "rabbitmq_management_agent"
        (self.folder / "enabled_plugins").write_text(f"[{plugins}].\n")
        give_to("rabbitmq", self.folder)
        done = subprocess.run(
            ["rabbitmq-server", "-detached"],
            env={**os.environ, **self._env()},
            capture_output=True,
            text=True,
            timeout=60,
            cwd=self.folder,
        )
        if done.returncode != 0:
            raise ChaosFailed(f"RabbitMQ node {self.name} did not start: {done.stderr.strip()[-300:]}")

    def await_startup(self) -> None:
        """Wait until the node runs RabbitMQ (its log says why if it never does)."""
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.ctl_ok("await_startup", "--timeout", "5"):
                return
            time.sleep(0.5)
        raise ChaosFailed(f"RabbitMQ node {self.name} did not start; see {self.folder / 'log'}")

    def ctl(self, *args: str, timeout: float = 120.0) -> str:
        """`rabbitmqctl -n NODE -q ARGS`; its output."""
        return rabbitmqctl(*args, node=self.name, timeout=timeout)

    def ctl_ok(self, *args: str) -> bool:
        """Whether `rabbitmqctl -n NODE ARGS` succeeded."""
        try:
            self.ctl(*args, timeout=30)
        except ChaosFailed:
            return False
        return True

    def kill(self) -> None:
        """SIGKILL the node's Erlang VM: it dies at once, its connections cut, its queue replicas stopped."""
        os.kill(self.pid(), signal.SIGKILL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.alive():
            time.sleep(0.1)

    def pid(self) -> int:
        """The node's OS process (its pid file)."""
        try:
            return int((self.folder / "pid").read_text().strip())
        except (OSError, ValueError) as error:
            raise ChaosFailed(f"RabbitMQ node {self.name} has no pid file in {self.folder}") from error

    def alive(self) -> bool:
        """Whether the node's process still exists."""
        try:
            os.kill(self.pid(), 0)
        except (ProcessLookupError, ChaosFailed):
            return False
        return True

    def url(self, user: str, password: str, vhost: str) -> str:
        """An AMQP URL of this node."""
        return f"amqp://{quote(user, safe='')}:{quote(password, safe='')}@127.0.0.1:{self.port}/{quote(vhost, safe='')}"

    def _config(self) -> str:
        lines = ["loopback_users = none", "cluster_partition_handling = pause_minority"]
        if self.management_port:
            lines += [f"management.tcp.port = {self.management_port}", "management.tcp.ip = 127.0.0.1"]
        return "\n".join(lines) + "\n"

    def _env(self) -> dict[str, str]:
        return {
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.folder / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.folder / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.folder / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(self.folder / "pid"),
        }


class RabbitCluster:
    """`size` nodes joined into one cluster; `remove()` stops them all and deletes their folders."""

    def __init__(self, folder: Path, size: int = 3) -> None:
        self.folder = folder
        self.nodes = [
            RabbitNode(n, free_port(), free_port(), folder / f"node-{n}", free_port() if n == 1 else None)
            for n in range(1, size + 1)
        ]

    def build(self) -> None:
        """Start every node, then join each to the first."""
        if shutil.which("rabbitmq-server") is None or shutil.which("rabbitmqctl") is None:
            raise ChaosFailed("a cluster run needs RabbitMQ's rabbitmq-server and rabbitmqctl on this machine")
        for node in self.nodes:
            node.launch()
        for node in self.nodes:
            node.await_startup()
        for node in self.nodes[1:]:
            node.ctl("stop_app")
            node.ctl("join_cluster", self.nodes[0].name)
            node.ctl("start_app")
        running = self.running()
        if running != sorted(node.name for node in self.nodes):
            raise ChaosFailed(f"the RabbitMQ cluster formed with {running} only")

    def running(self) -> list[str]:
        """The nodes running RabbitMQ now, as a running node of the cluster sees them (none: none answers)."""
        for asked in self.nodes:
            if asked.alive():
                try:
                    return sorted(json.loads(asked.ctl("cluster_status", "--formatter", "json"))["running_nodes"])
                except (ChaosFailed, ValueError, KeyError):
                    continue
        return []

    def node(self, name: str) -> RabbitNode:
        """The node of that Erlang name."""
        return next(node for node in self.nodes if node.name == name)

    def leader(self, queue: str, vhost: str) -> RabbitNode:
        """The node leading the quorum queue `queue` now (asked of a running node)."""
        for asked in self.nodes:
            if not asked.alive():
                continue
            try:
                rows = json.loads(asked.ctl("list_queues", "-p", vhost, "name", "leader", "--formatter", "json"))
            except (ChaosFailed, ValueError):
                continue
            for row in rows:
                if row.get("name") == queue and row.get("leader") in {n.name for n in self.nodes}:
                    return self.node(row["leader"])
        raise ChaosFailed(f"no node of the cluster names a leader of {queue}")

    def urls(self, user: str, password: str, vhost: str, first: int) -> str:
        """A failover URL listing every node, starting at node index `first` (so clients spread over nodes)."""
        order = self.nodes[first % len(self.nodes) :] + self.nodes[: first % len(self.nodes)]
        return ";".join(node.url(user, password, vhost) for node in order)

    def keep_logs(self, folder: Path) -> None:
        """Copy each node's logs into `folder` (the run keeps them if a check failed)."""
        for node in self.nodes:
            if (node.folder / "log").is_dir():
                shutil.copytree(node.folder / "log", folder / f"rabbitmq-{node.number}", dirs_exist_ok=True)

    def remove(self) -> None:
        """Stop every node (SIGKILL one that will not stop) and delete the folders; never raises."""
        with ThreadPoolExecutor(len(self.nodes)) as pool:
            list(pool.map(_stop, self.nodes))
        shutil.rmtree(self.folder, ignore_errors=True)


def _stop(node: RabbitNode) -> None:
    if node.alive() and not node.ctl_ok("stop"):
        try:
            node.kill()
        except (ChaosFailed, OSError):
            pass  # gone meanwhile
