"""Scratch PostgreSQL databases, made for one run and dropped afterwards (bench, tests)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool


@contextmanager
def scratch_database(server_url: str, prefix: str = "assigner_scratch", drop: bool = True) -> Iterator[str]:
    """Create an empty database on the server of `server_url`; yields its URL; drops it on exit if `drop` (not
    when the server itself is about to go: a server left waiting for its standby would never answer)."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    # No pool: the drop connects afresh, so a server restarted in between (a chaos run) does not fail it.
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            if drop:
                with admin.connect() as connection:
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
