"""Integration fixtures: the same tests on SQLite and on PostgreSQL, each test on an empty database."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from environment import empty_database
from integration.helpers import Cli, in_process_cli

from assigner.bootstrap import Runtime
from assigner.settings import Settings
from assigner.storage import migrate
from assigner.storage.engine import make_engine


class FrozenClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file migrated to head once; each test copies it."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def sqlite_database(sqlite_template: Path, tmp_path: Path) -> str:
    """An empty, migrated SQLite database: a copy of the template."""
    path = tmp_path / "assigner.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def postgres_database(migrated_postgres: str) -> Iterator[str]:
    """The session's PostgreSQL database, emptied after the test."""
    yield migrated_postgres
    empty_database(migrated_postgres)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request: pytest.FixtureRequest) -> str:
    """An empty, migrated database: each test that asks for it runs on SQLite and on PostgreSQL."""
    return str(request.getfixturevalue(f"{'postgres' if request.param == 'postgresql' else 'sqlite'}_database"))


@pytest.fixture
def clock() -> FrozenClock:
    """A Monday morning in Hanoi, in UTC."""
    return FrozenClock(datetime(2025, 6, 2, 2, 0, tzinfo=UTC))


@pytest.fixture
def runtime(database_url: str, tmp_path: Path, clock: FrozenClock) -> Iterator[Runtime]:
    """The real parts on the test database, with the test's clock."""
    settings = Settings(database_url=database_url, home=tmp_path / "home")
    runtime = Runtime(settings=settings, clock=clock).ready()
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run `assigner ARGS...` in-process against the test database, in the runtime's home; returns (exit code,
    stdout, stderr)."""
    monkeypatch.setenv("ASSIGNER_DATABASE_URL", database_url)
    monkeypatch.setenv("ASSIGNER_HOME", str(tmp_path / "home"))
    return in_process_cli(capsys)
