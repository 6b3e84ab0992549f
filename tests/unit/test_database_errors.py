"""What a database error is (storage/errors.py): the worker waits for an outage, retries a conflict, refuses the
message the database refuses, and counts anything else against its message."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlalchemy.exc import DataError, IntegrityError, InternalError, OperationalError, ProgrammingError

from assigner.storage.errors import DatabaseError, classify, refusal_reason
from assigner.storage.migrate import DatabaseNotReady


class DriverError(Exception):
    """A psycopg error as SQLAlchemy wraps it: its SQLSTATE, and the constraint it broke."""

    def __init__(self, text: str, sqlstate: str | None, constraint: str | None = None) -> None:
        super().__init__(text)
        self.sqlstate = sqlstate
        self.diag = type("Diag", (), {"constraint_name": constraint})()


def wrapped(kind: Any, orig: BaseException) -> Any:
    return kind("INSERT ...", {}, orig)


def sqlite_error(sql: str) -> sqlite3.Error:
    try:
        sqlite3.connect(":memory:").execute(sql)
    except sqlite3.Error as error:
        return error
    raise AssertionError("no error")


@pytest.mark.parametrize(
    "error, kind",
    [
        (wrapped(OperationalError, DriverError("connection refused", None)), DatabaseError.OUTAGE),
        (wrapped(OperationalError, DriverError("terminating connection", "57P01")), DatabaseError.OUTAGE),
        (wrapped(OperationalError, DriverError("disk full", "53100")), DatabaseError.OUTAGE),
        (wrapped(InternalError, DriverError("read-only transaction", "25006")), DatabaseError.OUTAGE),
        (wrapped(ProgrammingError, DriverError("relation does not exist", "42P01")), DatabaseError.OUTAGE),
        (DatabaseNotReady("not migrated"), DatabaseError.OUTAGE),
        (wrapped(OperationalError, DriverError("could not serialize", "40001")), DatabaseError.TRANSIENT),
        (wrapped(IntegrityError, DriverError("duplicate key", "23505", "pk_commands")), DatabaseError.TRANSIENT),
        (wrapped(IntegrityError, DriverError("duplicate key", "23505", "uq_other")), DatabaseError.REFUSED),
        (wrapped(DataError, DriverError("value too long", "22001")), DatabaseError.REFUSED),
        (wrapped(ProgrammingError, DriverError("syntax error", "42601")), None),
        (wrapped(InternalError, DriverError("internal", "XX000")), None),
        (wrapped(OperationalError, sqlite_error("SELECT * FROM nowhere")), DatabaseError.OUTAGE),
        (wrapped(OperationalError, sqlite_error("SELECT " + ",".join(["1"] * 40000))), None),
        (ZeroDivisionError("not a database error"), None),
    ],
)
def test_each_error_is_of_the_kind_that_says_what_to_do(error: BaseException, kind: DatabaseError | None) -> None:
    assert classify(error) is kind


def test_a_refusal_is_named_in_one_line() -> None:
    error = wrapped(DataError, DriverError("value too long for type character varying(64)\nDETAIL: x", "22001"))
    assert refusal_reason(error) == "value too long for type character varying(64)"
    assert refusal_reason(wrapped(OperationalError, DriverError("gone", None))) is None
