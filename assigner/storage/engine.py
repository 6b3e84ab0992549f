"""Engines for PostgreSQL and SQLite, set up for concurrent writers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.orm import Session, sessionmaker

CONNECT_TIMEOUT_SECONDS = 5


def make_engine(url: str) -> Engine:
    """An engine; SQLite gets WAL, a busy timeout and write-locking transactions."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        _make_sqlite_transactions_lock(engine)
        return engine
    # A bounded connect (unless the URL sets its own): an unreachable server is an outage noticed in seconds.
    bounded = {} if "connect_timeout" in make_url(url).query else {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    return create_engine(url, pool_pre_ping=True, connect_args=bounded)


def ping(engine: Engine) -> None:
    """One cheap round trip; raises the driver's error (an OperationalError) unless the database answers."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _make_sqlite_transactions_lock(engine: Engine) -> None:
    # pysqlite's own BEGIN is deferred, so two writers could both read a cursor and
    # then fail to upgrade their lock; BEGIN IMMEDIATE takes the write lock first.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (results outlive the transaction)."""
    return sessionmaker(engine, expire_on_commit=False)
