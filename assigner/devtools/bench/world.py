"""A measurement's own world on this machine's servers: a RabbitMQ vhost and a migrated scratch database,
with rosters; both removed afterwards, whatever happens."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from assigner.bootstrap import Runtime
from assigner.devtools.bench.history import import_units
from assigner.devtools.chaos.cluster import ChaosFailed, rabbitmqctl
from assigner.domain.model import Unit
from assigner.settings import Settings
from assigner.storage import migrate
from assigner.storage.scratch import scratch_database


@dataclass(frozen=True)
class World:
    """Where one measurement happens."""

    broker_url: str
    database_url: str
    vhost: str


@contextmanager
def bench_world(rabbitmq: str, postgres: str, units: Sequence[Unit], officers_per_unit: int = 5) -> Iterator[World]:
    """A fresh vhost (its user may do anything in it) and a scratch database holding the units' rosters."""
    stem = f"assigner-bench-{uuid.uuid4().hex[:8]}"
    server = urlsplit(rabbitmq)
    user, password = server.username or "guest", server.password or "guest"
    rabbitmqctl("add_vhost", stem)
    try:
        rabbitmqctl("set_permissions", "-p", stem, user, ".*", ".*", ".*")
        broker = f"amqp://{user}:{password}@{server.hostname}:{server.port or 5672}/{quote(stem, safe='')}"
        with scratch_database(postgres, "assigner_bench") as database_url:
            runtime = Runtime(Settings(database_url=database_url, broker_url=broker))
            try:
                migrate.upgrade(runtime.engine)
                import_units(runtime, units, officers_per_unit)
            finally:
                runtime.engine.dispose()
            yield World(broker, database_url, stem)
    finally:
        try:
            rabbitmqctl("delete_vhost", stem)
        except ChaosFailed:
            pass  # the broker is away: nothing more can be removed
