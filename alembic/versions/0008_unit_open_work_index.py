"""a unit's open work in due order: the console's unit page reads a page of it at a time

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 19:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_declarations_unit_status_due",
        "declarations",
        ["customs_office", "department", "status", "due_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_declarations_unit_status_due", table_name="declarations")
