"""WHERE a column is one of a batch's values: one array parameter on PostgreSQL, an IN elsewhere.

SQLAlchemy renders and binds an IN's values one by one, and psycopg then parses a statement of as many
placeholders: for a batch's 500 keys, milliseconds of Python per statement. `= ANY(array)` is one parameter,
uses the same indexes, and its statement is the same text whatever the batch's size.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session


def one_of(session: Session, column: Any, values: Collection[Any]) -> ColumnElement[bool]:
    """`column` is one of `values` (sorted, so plans and lock orders do not depend on the caller's order)."""
    wanted = sorted(set(values))
    if session.get_bind().dialect.name != "postgresql":
        return column.in_(wanted)  # type: ignore[no-any-return]
    return column == any_(bindparam(None, wanted, type_=ARRAY(column.type)))  # type: ignore[no-any-return]
