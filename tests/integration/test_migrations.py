"""The migrations build the models' schema on both databases, and they do not drift."""

from __future__ import annotations

from pathlib import Path

import pytest

from assigner.storage import migrate
from assigner.storage.engine import make_engine


class TestMigrations:
    def test_upgraded_database_matches_the_models(self, database_url: str) -> None:
        engine = make_engine(database_url)
        assert migrate.current(engine) == migrate.head(engine)
        assert migrate.drift(engine) == []
        engine.dispose()

    def test_an_unmigrated_database_is_reported_not_ready(self, tmp_path: Path) -> None:
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        with pytest.raises(migrate.DatabaseNotReady, match="assigner db upgrade"):
            migrate.require_head(engine)
        migrate.upgrade(engine)
        migrate.require_head(engine)
        engine.dispose()

    def test_drift_is_reported_when_the_schema_differs(self, database_url: str) -> None:
        engine = make_engine(database_url)
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP INDEX ix_holds_unit")
        assert any("ix_holds_unit" in str(difference) for difference in migrate.drift(engine))
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE INDEX ix_holds_unit ON holds (customs_office, department, id)")
        engine.dispose()
