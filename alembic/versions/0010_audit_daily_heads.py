"""audit daily heads: the chain's head at the end of each day, published once as audit.daily_head; seals found
by their time

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

import assigner.storage.types
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_daily_heads",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("head", sa.String(length=64), nullable=False),
        sa.Column("entries", sa.BigInteger(), nullable=False),
        sa.Column("published_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_audit_daily_heads")),
    )
    op.create_index(op.f("ix_audit_seals_sealed_at"), "audit_seals", ["sealed_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_seals_sealed_at"), table_name="audit_seals")
    op.drop_table("audit_daily_heads")
