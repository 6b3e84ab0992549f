"""Database outages are waited out, probing often, so that work resumes as soon as the database is back."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError, ProgrammingError

from workers.outages import FIRST_BACKOFF_SECONDS, PROBE_EVERY_SECONDS, DatabaseUnavailable, Outages


def down() -> OperationalError:
    return OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))


class FakeDatabase:
    """Away for `away_for` probes, then answering; the work fails `failures` times with `error`."""

    def __init__(self, failures: int, away_for: int = 0, error: Exception | None = None) -> None:
        self.failures = failures
        self.away_for = away_for
        self.error = error or down()
        self.waits: list[float] = []
        self.calls: list[str] = []
        self.stopping = False

    def probe(self) -> None:
        self.calls.append("probe")
        if self.away_for > 0:
            self.away_for -= 1
            raise down()

    def work(self) -> str:
        self.calls.append("work")
        if self.failures > 0:
            self.failures -= 1
            raise self.error
        return "done"

    def wait(self, seconds: float) -> None:
        self.calls.append("wait")
        self.waits.append(seconds)

    def outages(self) -> Outages:
        return Outages(self.probe, self.wait, lambda: self.stopping)


class TestOutages:
    def test_while_the_database_is_away_it_is_probed_often_and_work_resumes_on_its_return(self) -> None:
        database = FakeDatabase(failures=1, away_for=60)  # 30 s away, at one probe every half second
        assert database.outages().through(database.work) == "done"
        assert set(database.waits) == {PROBE_EVERY_SECONDS}, "a wait longer than a probe interval"
        assert database.calls[-2:] == ["probe", "work"], "the work waited after the database answered"

    def test_a_failure_while_the_database_answers_backs_off_instead_of_spinning(self) -> None:
        database = FakeDatabase(failures=4, error=ProgrammingError("SELECT", {}, missing_table()))
        assert database.outages().through(database.work) == "done"
        assert database.waits == [FIRST_BACKOFF_SECONDS * 2**n for n in range(4)]

    def test_work_that_succeeds_at_once_never_probes_nor_waits(self) -> None:
        database = FakeDatabase(failures=0)
        assert database.outages().through(database.work) == "done"
        assert database.calls == ["work"]

    def test_a_stopping_worker_gives_up_with_database_unavailable(self) -> None:
        database = FakeDatabase(failures=1, away_for=5)
        database.stopping = True
        with pytest.raises(DatabaseUnavailable):
            database.outages().through(database.work)


def missing_table() -> Exception:
    """PostgreSQL's error for a table not migrated yet: SQLSTATE 42P01."""
    error = Exception('relation "declarations" does not exist')
    error.sqlstate = "42P01"  # type: ignore[attr-defined]
    return error
