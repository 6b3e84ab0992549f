"""Where the real parts are wired: settings, database, clock, policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from assigner.services.ports import Clock, Policy, system_clock
from assigner.settings import Settings
from assigner.storage.engine import make_engine, make_session_factory, ping
from assigner.storage.migrate import require_head
from assigner.storage.uow import SqlUnitOfWork


@dataclass
class Runtime:
    """The parts a command or a worker runs with."""

    settings: Settings = field(default_factory=Settings)
    clock: Clock = system_clock

    @cached_property
    def engine(self) -> Engine:
        """The database engine of the settings."""
        return make_engine(self.settings.resolved_database_url())

    @cached_property
    def policy(self) -> Policy:
        """The rotation policy of the settings."""
        return Policy(self.settings.default_channels(), self.settings.hours_book())

    def unit_of_work(self) -> SqlUnitOfWork:
        """A new unit of work on the migrated database."""
        return SqlUnitOfWork(self._session_factory)

    def ping(self) -> None:
        """Raise the driver's error unless the database answers (a cheap probe during an outage)."""
        ping(self.engine)

    def ready(self) -> Runtime:
        """Check that the database is reachable and migrated; returns self."""
        require_head(self.engine)
        return self

    @cached_property
    def _session_factory(self) -> sessionmaker[Session]:
        return make_session_factory(self.engine)
