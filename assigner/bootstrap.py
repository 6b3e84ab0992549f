"""Where the real parts are wired: settings, database, clock, policy, and the broker's publisher.

Every part can be handed in instead (cosmicpython's `bootstrap`): the tests of the worker's handlers give
an in-memory unit of work, a probe and a publisher of their own; by default the parts are the real ones.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from kombu.connection import Connection
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from assigner.broker.publishing import Publisher
from assigner.domain.events import Event
from assigner.services.ports import Clock, Policy, system_clock
from assigner.settings import Settings
from assigner.storage.engine import make_engine, make_session_factory, ping
from assigner.storage.migrate import DatabaseNotReady, require_head
from assigner.storage.roster_cache import RosterCache, forget_rosters_on_connect
from assigner.storage.uow import SqlUnitOfWork

# audit.sealed events kept for a worker to publish at once; beyond, the oldest are left to the outbox's sweep.
SEALED_KEPT = 10_000
# A new transaction over the repositories: SqlUnitOfWork, or anything with its repositories.
UnitOfWorkFactory = Callable[[], SqlUnitOfWork]
PublisherFactory = Callable[[Connection], Publisher]


@dataclass
class Runtime:
    """The parts a command or a worker runs with.

    `uow_factory` and `probe` default to the SQL unit of work and a ping of the settings' database;
    `publisher` makes the confirmed publisher of a broker connection. `rosters` keeps the units' rosters between
    this process's transactions (storage/roster_cache.py), forgotten whenever a new database connection is made.
    """

    settings: Settings = field(default_factory=Settings)
    clock: Clock = system_clock
    uow_factory: UnitOfWorkFactory | None = None
    probe: Callable[[], None] | None = None
    publisher: PublisherFactory = Publisher
    rosters: RosterCache = field(default_factory=RosterCache)
    # audit.sealed events of this process's commits, for a worker to publish with what it publishes next (those
    # no one takes, e.g. of a command line, are in the outbox: a worker's sweep publishes them).
    sealed: deque[Event] = field(default_factory=lambda: deque(maxlen=SEALED_KEPT))

    @cached_property
    def engine(self) -> Engine:
        """The database engine of the settings."""
        engine = make_engine(self.settings.resolved_database_url())
        forget_rosters_on_connect(engine, self.rosters)
        return engine

    @cached_property
    def policy(self) -> Policy:
        """The rotation policy of the settings."""
        settings = self.settings
        return Policy(settings.default_channels(), settings.hours_book(), settings.by_hand_baseline)

    def unit_of_work(self) -> SqlUnitOfWork:
        """A new unit of work (on the migrated database, unless another was handed in)."""
        if self.uow_factory is not None:
            return self.uow_factory()
        return SqlUnitOfWork(self._session_factory, self.rosters, self.sealed.append, self.policy.hours.default.zone)

    def take_sealed(self) -> list[Event]:
        """The audit.sealed events of the commits made since the last call (any thread's), oldest first."""
        taken = []
        while self.sealed:
            try:
                taken.append(self.sealed.popleft())
            except IndexError:  # another thread took the last one
                break
        return taken

    def ping(self) -> None:
        """Raise the driver's error unless the database answers (a cheap probe during an outage)."""
        if self.probe is not None:
            self.probe()
        else:
            ping(self.engine)

    def ready(self) -> Runtime:
        """Check that the database is reachable and migrated (when it is the settings' own); returns self.

        A home without a database is refused as it is: no folder or empty database is made for a mistyped
        ASSIGNER_HOME."""
        if self.uow_factory is None:
            self.require_database()
            require_head(self.engine)
        return self

    def require_database(self) -> None:
        """Raise DatabaseNotReady if the settings' database is a file of the home that does not exist."""
        missing = self.settings.missing_database()
        if missing is not None:
            raise DatabaseNotReady(
                f"no database at {missing}: run `assigner db upgrade` first, or check "
                "ASSIGNER_HOME (or set ASSIGNER_DATABASE_URL)"
            )

    @cached_property
    def _session_factory(self) -> sessionmaker[Session]:
        return make_session_factory(self.engine)
