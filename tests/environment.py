"""Where the test services are, what to do when one is missing, and emptying the test database."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

from assigner.storage.tables import Base

IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_ADMIN_URL = os.environ.get("ASSIGNER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def service_missing(what: str, error: Exception) -> None:
    """A missing service fails the test in CI and skips it elsewhere, saying why."""
    message = f"{what} is not reachable ({error.__class__.__name__}: {error})"
    if IN_CI:
        pytest.fail(f"{message}; CI=true requires it", pytrace=False)
    pytest.skip(message)


def empty_database(database_url: str) -> None:
    """Remove every row of every table (the schema stays)."""
    engine = create_engine(database_url)
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()


def tool_missing(what: str) -> None:
    """A missing tool fails the test in CI and skips it elsewhere, saying why (and how to install it)."""
    if IN_CI:
        pytest.fail(f"{what}; CI=true requires it", pytrace=False)
    pytest.skip(what)
