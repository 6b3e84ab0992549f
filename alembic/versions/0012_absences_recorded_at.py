"""absences' recorded_at: when an absence was entered, so that one entered after it began (back-dated) shows

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

import assigner.storage.types
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("absences") as batch:
        batch.add_column(sa.Column("recorded_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=True))
    op.execute("UPDATE absences SET recorded_at = starts_at")  # entered when they began, until this release


def downgrade() -> None:
    with op.batch_alter_table("absences") as batch:
        batch.drop_column("recorded_at")
