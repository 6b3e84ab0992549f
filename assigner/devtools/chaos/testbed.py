"""What `assigner chaos --cluster` builds on loopback, beside this machine's own servers: a 3-node RabbitMQ
cluster and a PostgreSQL primary with a standby; the run's world on them; all of it removed afterwards."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from assigner.devtools.chaos.pg_standby import PgPair
from assigner.devtools.chaos.rabbit_cluster import RabbitCluster
from assigner.devtools.chaos.setup import World, world_on

NODES = 3
GUEST = ("guest", "guest")


@dataclass
class Testbed:
    """The cluster and the database pair a run's faults act on, and the run's vhost on the cluster."""

    rabbit: RabbitCluster
    pair: PgPair
    vhost: str


@contextmanager
def cluster_world(synchronous: bool, say: Callable[[str], None], logs: Path) -> Iterator[tuple[World, Testbed]]:
    """Build the cluster and the pair, make the world on them; on exit copy their logs into `logs`, then stop
    and delete everything (the run's database is not dropped: its servers go)."""
    folder = Path(tempfile.mkdtemp(prefix="assigner-cluster-"))
    folder.chmod(0o755)  # the servers run as their own accounts
    rabbit: RabbitCluster | None = None
    pair: PgPair | None = None
    try:
        rabbit = RabbitCluster(folder / "rabbitmq", NODES)
        pair = PgPair(folder / "postgresql", synchronous)
        say(
            f"building a {NODES}-node RabbitMQ cluster and a PostgreSQL primary with "
            f"{'a synchronous' if synchronous else 'an asynchronous'} standby on loopback, in {folder}"
        )
        rabbit.build()
        pair.build()
        with world_on(rabbit.nodes[0].ctl, rabbit.urls, NODES, GUEST, pair.url(), drop=False) as world:
            yield world, Testbed(rabbit, pair, world.vhost)
    finally:
        for server in (rabbit, pair):
            if server is not None:
                server.keep_logs(logs / "servers")
                server.remove()
        shutil.rmtree(folder, ignore_errors=True)
