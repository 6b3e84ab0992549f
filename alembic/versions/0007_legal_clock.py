"""the legal clock: when the dossier was complete, when the check is due, completed, flagged overdue

Declarations stored before this revision keep no due time (their clock cannot be told after the fact).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

import assigner.storage.types
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("documents_received_at", "due_at", "completed_at", "overdue_at")


def upgrade() -> None:
    with op.batch_alter_table("declarations") as batch:
        for name in COLUMNS:
            batch.add_column(sa.Column(name, assigner.storage.types.UtcDateTime(timezone=True), nullable=True))
    unflagged = sa.text("overdue_at IS NULL AND status IN ('assigned', 'held')")
    op.create_index(
        "ix_declarations_unflagged_due",
        "declarations",
        ["due_at"],
        unique=False,
        sqlite_where=unflagged,
        postgresql_where=unflagged,
    )


def downgrade() -> None:
    op.drop_index("ix_declarations_unflagged_due", table_name="declarations")
    with op.batch_alter_table("declarations") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
