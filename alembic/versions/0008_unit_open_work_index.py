"""a unit's open work in due order: the console's unit page reads a page of it at a time

Partial: open declarations only (the page's queries state the same condition), so the index stays as small as
the work in hand and does not tempt the planner away from the other lookups.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    open_work = sa.text("status IN ('assigned', 'held')")
    op.create_index(
        "ix_declarations_unit_open_due",
        "declarations",
        ["customs_office", "department", "due_at"],
        unique=False,
        sqlite_where=open_work,
        postgresql_where=open_work,
    )


def downgrade() -> None:
    op.drop_index("ix_declarations_unit_open_due", table_name="declarations")
