"""Migrations: upgrade to head, and check that the models and migrations agree."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from alembic import command
from assigner.domain.errors import AssignerError
from assigner.resources import shipped
from assigner.storage.tables import Base


class DatabaseNotReady(AssignerError):
    """The database is unreachable or not migrated to the code's schema."""


def alembic_config(engine: Engine) -> Config:
    """An Alembic config for this engine, with the shipped scripts."""
    config = Config()
    config.set_main_option("script_location", str(shipped("alembic")))
    # ConfigParser reads '%' as interpolation: a percent-encoded URL (a password, several hosts) is escaped.
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> str:
    """Migrate the database to head; returns the head revision."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return head(engine)


def head(engine: Engine) -> str:
    """The newest revision the code knows."""
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head() or ""


def current(engine: Engine) -> str | None:
    """The revision the database is at (None if never migrated)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def require_head(engine: Engine) -> None:
    """Raise DatabaseNotReady unless the database is migrated to head."""
    try:
        at = current(engine)
    except Exception as error:
        raise DatabaseNotReady(f"database unreachable ({engine.url.render_as_string()}): {error}") from error
    if at != head(engine):
        raise DatabaseNotReady(f"database is at revision {at or 'none'}, not {head(engine)}: run `assigner db upgrade`")


def drift(engine: Engine) -> list[Any]:
    """Differences between the models and the migrated database (empty when they agree)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))
