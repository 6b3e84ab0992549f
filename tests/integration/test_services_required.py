"""Under CI=true a test that needs PostgreSQL fails, never skips, when the server is missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
ONE_POSTGRES_TEST = (
    "integration/test_migrations.py::TestMigrations::test_upgraded_database_matches_the_models[postgresql]"
)


def run_without_postgres(ci: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CI": ci, "ASSIGNER_TEST_POSTGRES_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", ONE_POSTGRES_TEST],
        cwd=TESTS,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


class TestMissingServices:
    def test_missing_postgresql_fails_in_ci(self) -> None:
        result = run_without_postgres("true")
        assert result.returncode == 1, result.stdout
        assert "PostgreSQL is not reachable" in result.stdout and "CI=true requires it" in result.stdout

    def test_missing_postgresql_skips_with_the_reason_outside_ci(self) -> None:
        result = run_without_postgres("")
        assert result.returncode == 0, result.stdout
        assert "1 skipped" in result.stdout and "PostgreSQL is not reachable" in result.stdout
