"""roster versions: a unit's on its cursor, and one for what concerns officers in every unit

A worker keeps the rosters it read between batches and reads them again only when one of these moved: every
write that changes a roster as a batch sees it bumps one in its own transaction.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rotation_cursors") as batch:
        batch.add_column(sa.Column("roster_version", sa.BigInteger(), server_default=sa.text("0"), nullable=False))
    op.create_table(
        "officer_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officer_state")),
    )


def downgrade() -> None:
    op.drop_table("officer_state")
    with op.batch_alter_table("rotation_cursors") as batch:
        batch.drop_column("roster_version")
