"""Inserting a batch's rows: COPY on PostgreSQL, an executemany elsewhere."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import JSON, Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator, TypeEngine

from assigner.storage.tables import Base


def insert_rows(session: Session, model: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows of the model's table that all name the same columns (the first row's), in the session's
    transaction.

    On PostgreSQL one COPY: a batch writes thousands of rows, and COPY costs the server a fraction of as
    many INSERTs. Its errors are raised as SQLAlchemy's (IntegrityError, ...), as an INSERT's would be.
    """
    if not rows:
        return
    table = cast(Table, model.__table__)
    dialect = session.get_bind().dialect
    if dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    names = list(rows[0])
    converters = [_converter(table.c[name].type, dialect) for name in names]
    statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(
                    [
                        value if convert is None else convert(value)
                        for convert, value in zip(converters, (row[name] for name in names))
                    ]
                )
    except psycopg.Error as error:
        raise DBAPIError.instance(statement, None, error, psycopg.Error) from error
    finally:
        cursor.close()


def _converter(kind: TypeEngine[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    """What an INSERT would do to a value before the driver has it, for COPY to do the same: a TypeDecorator's
    own processing (UtcDateTime: aware, in UTC), JSON made psycopg's Jsonb; None when the value goes as it is."""
    if isinstance(kind, TypeDecorator):
        decorator = kind
        return lambda value: decorator.process_bind_param(value, dialect)
    if isinstance(kind, JSON):
        return Jsonb  # None too, as JSON null: what an INSERT stores for None (SQLAlchemy's none_as_null=False)
    return None
