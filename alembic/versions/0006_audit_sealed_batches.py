"""audit entries in batches, each sealed into the chain at its commit

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 01:30:00

The entries written so far form one chain from GENESIS, numbered 1..n: they become batch 1, and its
seal (seal 1) covers their last hash, so every hash already written stays as it is.
"""

from collections.abc import Sequence

import sqlalchemy as sa

import assigner.storage.types
from alembic import op
from assigner.domain.audit_chain import GENESIS, seal_hash

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_seals",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("batch", sa.BigInteger(), nullable=False),
        sa.Column("entries", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("sealed_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_seals")),
        sa.UniqueConstraint("batch", name=op.f("uq_audit_seals_batch")),
    )
    op.create_index(op.f("ix_audit_seals_hash"), "audit_seals", ["hash"], unique=False)
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("batch", sa.BigInteger(), nullable=True))
    op.execute("UPDATE audit_log SET batch = 1")
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("batch", existing_type=sa.BigInteger(), nullable=False)
        batch.drop_constraint("uq_audit_log_seq", type_="unique")
        batch.create_unique_constraint("uq_audit_log_batch_seq", ["batch", "seq"])
    _seal_existing_entries()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.schema.CreateSequence(sa.Sequence("audit_batches", start=2)))


def _seal_existing_entries() -> None:
    connection = op.get_bind()
    audit = sa.table(
        "audit_log",
        sa.column("seq"),
        sa.column("hash"),
        sa.column("occurred_at", assigner.storage.types.UtcDateTime(timezone=True)),
    )
    last = connection.execute(sa.select(audit.c.seq, audit.c.hash).order_by(audit.c.seq.desc()).limit(1)).first()
    if last is None:
        return
    sealed_at = connection.scalar(sa.select(sa.func.max(audit.c.occurred_at)))
    seal = {
        "seq": 1,
        "batch": 1,
        "entries": last[0],
        "last_hash": last[1],
        "sealed_at": sealed_at,
        "prev_hash": GENESIS,
    }
    seal["hash"] = seal_hash(GENESIS, seal)
    seals = sa.table(
        "audit_seals",
        *(sa.column(name) for name in seal if name != "sealed_at"),
        sa.column("sealed_at", assigner.storage.types.UtcDateTime(timezone=True)),
    )
    connection.execute(seals.insert(), [seal])


def downgrade() -> None:
    # Going back puts the batches in one chain again: only possible while there is one batch.
    connection = op.get_bind()
    if connection.scalar(sa.text("SELECT count(*) FROM audit_seals")) > 1:
        raise RuntimeError("the audit log has batches sealed after 0006: it cannot go back to one chain")
    if connection.dialect.name == "postgresql":
        op.execute(sa.schema.DropSequence(sa.Sequence("audit_batches")))
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_constraint("uq_audit_log_batch_seq", type_="unique")
        batch.create_unique_constraint("uq_audit_log_seq", ["seq"])
        batch.drop_column("batch")
    op.drop_index(op.f("ix_audit_seals_hash"), table_name="audit_seals")
    op.drop_table("audit_seals")
