"""dead letters remembered once; a cleanly stopped consumer's beat says so

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

import assigner.storage.types
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dead_letters",
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("first_seen_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("times_seen", sa.BigInteger(), nullable=False),
        sa.Column("published_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("fingerprint", name=op.f("pk_dead_letters")),
    )
    op.create_index(op.f("ix_dead_letters_last_seen_at"), "dead_letters", ["last_seen_at"], unique=False)
    with op.batch_alter_table("worker_beats") as batch:
        batch.add_column(sa.Column("stopped_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("worker_beats") as batch:
        batch.drop_column("stopped_at")
    op.drop_index(op.f("ix_dead_letters_last_seen_at"), table_name="dead_letters")
    op.drop_table("dead_letters")
