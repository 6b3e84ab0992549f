"""A chaos run's own world on this machine's servers: a RabbitMQ vhost and supervisor user, a database,
its rosters, and the downstream queues; all of it removed afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
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


@dataclass(frozen=True)
class World:
    """Where the run happens: the broker URLs (as guest and as the supervisor), the database, its name."""

    broker_url: str
    supervisor: str
    supervisor_url: str
    database_url: str


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
    """A fresh vhost (guest may do anything in it), a supervisor user, a scratch database; removed on exit."""
    require_loopback(rabbitmq, postgres)
    stem = f"assigner-chaos-{uuid.uuid4().hex[:8]}"
    server = urlsplit(rabbitmq)
    guest = f"{server.username or 'guest'}:{server.password or 'guest'}"
    supervisor, password = f"{stem}-sup", uuid.uuid4().hex
    rabbitmqctl("add_vhost", stem)
    try:
        rabbitmqctl("set_permissions", "-p", stem, server.username or "guest", ".*", ".*", ".*")
        rabbitmqctl("add_user", supervisor, password)
        rabbitmqctl("set_permissions", "-p", stem, supervisor, ".*", ".*", ".*")
        where = f"{server.hostname}:{server.port or 5672}/{quote(stem, safe='')}"
        with scratch_database(postgres, "assigner_chaos") as database_url:
            yield World(f"amqp://{guest}@{where}", supervisor, f"amqp://{supervisor}:{password}@{where}", database_url)
    finally:
        _quietly("delete_user", supervisor)
        _quietly("delete_vhost", stem)


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


def _quietly(*args: str) -> None:
    try:
        rabbitmqctl(*args)
    except ChaosFailed:
        pass  # already gone, or the broker is away: nothing more to remove
