"""drawn rotation: a unit's mode state and the officers served this round (its cursor row), the daily draw keys

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

import assigner.storage.types
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rotation_cursors") as batch:
        batch.add_column(sa.Column("mode", sa.String(24), nullable=False, server_default="sequential"))
        batch.add_column(sa.Column("served", sa.Text(), nullable=False, server_default="[]"))
    op.create_table(
        "draw_keys",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("commitment", sa.String(64), nullable=False),
        sa.Column("starts_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("committed_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("revealed_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_draw_keys")),
    )


def downgrade() -> None:
    op.drop_table("draw_keys")
    with op.batch_alter_table("rotation_cursors") as batch:
        batch.drop_column("served")
        batch.drop_column("mode")
