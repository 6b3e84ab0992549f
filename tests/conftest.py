"""Shared fixtures: a fresh PostgreSQL database per session, dropped afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest
import structlog
from environment import POSTGRES_ADMIN_URL, service_missing

from assigner.storage import migrate
from assigner.storage.engine import make_engine
from assigner.storage.scratch import scratch_database


@pytest.fixture(autouse=True)
def structlog_as_it_was() -> Iterator[None]:
    """A test that sets up logging (an in-process CLI run does) leaves it set up for itself only."""
    yield
    structlog.reset_defaults()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests that restart RabbitMQ or PostgreSQL run last, so that no other test sees a server go away; the
    end-to-end tests (worker processes, browsers) are `slow`, out of the quick tier."""
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: item.get_closest_marker("restarts_services") is not None)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a PostgreSQL database made for this test session, dropped at its end."""
    with ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_database(POSTGRES_ADMIN_URL, "assigner_test"))
        except Exception as error:  # any failure to reach the server
            service_missing("PostgreSQL", error)
        yield url


@pytest.fixture(scope="session")
def migrated_postgres(postgres_url: str) -> str:
    """The session's PostgreSQL database, migrated to head once."""
    engine = make_engine(postgres_url)
    migrate.upgrade(engine)
    engine.dispose()
    return postgres_url
