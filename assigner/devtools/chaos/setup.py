"""A chaos run's own world on this machine's servers: a RabbitMQ vhost and supervisor user, a database,
its rosters, and the downstream queues; all of it removed afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from assigner.bootstrap import Runtime
from assigner.devtools.chaos.cluster import ChaosFailed, rabbitmqctl
from assigner.devtools.chaos.plan import ROSTERS
from assigner.domain.roster import Officer, Role, RosterEntry
from assigner.services.roster import import_roster
from assigner.settings import Settings
from assigner.storage import migrate
from assigner.storage.scratch import scratch_database

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


BrokerUrls = Callable[[str, str, str, int], str]  # (user, password, vhost, first node) -> the broker's URL


@dataclass(frozen=True)
class World:
    """Where the run happens: the broker URLs (as guest and as the supervisor), the database, its name."""

    broker_url: str
    supervisor: str
    supervisor_url: str
    database_url: str
    vhost: str = ""
    worker_broker_urls: tuple[str, ...] = ()  # a cluster's nodes, each worker's list starting at another node

    def worker_broker_url(self, number: int) -> str:
        """Worker `number`'s broker URL: on a cluster, the nodes in an order of its own, so workers spread."""
        urls = self.worker_broker_urls or (self.broker_url,)
        return urls[number % len(urls)]


def require_loopback(*urls: str) -> None:
    """A chaos run restarts the servers it uses: it refuses any but this machine's."""
    for url in urls:
        host = urlsplit(url.replace("postgresql+psycopg", "postgresql")).hostname or ""
        if host not in LOOPBACK:
            raise ChaosFailed(
                f"{url.split('@')[-1]}: a chaos run stays on this machine (127.0.0.1), it restarts the servers it uses"
            )


@contextmanager
def chaos_world(rabbitmq: str, postgres: str) -> Iterator[World]:
    """A world on this machine's RabbitMQ node and PostgreSQL server; removed on exit."""
    require_loopback(rabbitmq, postgres)
    server = urlsplit(rabbitmq)

    def urls(user: str, password: str, vhost: str, first: int) -> str:
        return f"amqp://{user}:{password}@{server.hostname}:{server.port or 5672}/{quote(vhost, safe='')}"

    guest = (server.username or "guest", server.password or "guest")
    with world_on(rabbitmqctl, urls, 1, guest, postgres) as world:
        yield world


@contextmanager
def world_on(
    ctl: Callable[..., str], urls: BrokerUrls, nodes: int, guest: tuple[str, str], postgres: str, drop: bool = True
) -> Iterator[World]:
    """A fresh vhost (guest may do anything in it), a supervisor user, a scratch database on the server of
    `postgres`; `ctl` runs rabbitmqctl on the broker, `urls` makes its URLs. Removed on exit (the database only
    if `drop`)."""
    stem = f"assigner-chaos-{uuid.uuid4().hex[:8]}"
    supervisor, password = f"{stem}-sup", uuid.uuid4().hex
    ctl("add_vhost", stem)
    try:
        ctl("set_permissions", "-p", stem, guest[0], ".*", ".*", ".*")
        ctl("add_user", supervisor, password)
        ctl("set_permissions", "-p", stem, supervisor, ".*", ".*", ".*")
        with scratch_database(postgres, "assigner_chaos", drop) as database_url:
            yield World(
                urls(*guest, stem, 0),
                supervisor,
                urls(supervisor, password, stem, 0),
                database_url,
                stem,
                tuple(urls(*guest, stem, first) for first in range(nodes)) if nodes > 1 else (),
            )
    finally:
        _quietly(ctl, "delete_user", supervisor)
        _quietly(ctl, "delete_vhost", stem)


def prepare_database(world: World) -> Runtime:
    """Migrate the run's database and import its rosters, the supervisor over every unit."""
    runtime = Runtime(Settings(database_url=world.database_url, broker_url=world.broker_url))
    migrate.upgrade(runtime.engine)
    entries = [
        RosterEntry(Officer(officer, f"Officer {officer}"), unit, Role.CHECKER)
        for unit, officers in ROSTERS.items()
        for officer in officers
    ]
    entries += [RosterEntry(Officer(world.supervisor, "Chaos supervisor"), unit, Role.SUPERVISOR) for unit in ROSTERS]
    import_roster(runtime.unit_of_work(), entries, runtime.clock, runtime.policy, "chaos")
    return runtime


def _quietly(ctl: Callable[..., str], *args: str) -> None:
    try:
        ctl(*args)
    except ChaosFailed:
        pass  # already gone, or the broker is away: nothing more to remove
