"""commands, audit hash chain, branch lots

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import assigner.storage.types
from alembic import op
from assigner.domain.audit_chain import GENESIS, entry_hash

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "commands",
        sa.Column("command_id", sa.String(length=64), nullable=False),
        sa.Column("command", sa.String(length=32), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("received_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("body", _JSON, nullable=False),
        sa.PrimaryKeyConstraint("command_id", name=op.f("pk_commands")),
    )
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("branch_lot", sa.String(length=11), nullable=True))
        batch_op.create_index(batch_op.f("ix_declarations_branch_lot"), ["branch_lot"], unique=False)
    op.execute("UPDATE declarations SET branch_lot = declaration_key WHERE first_declaration_number = 'F'")
    op.execute(
        "UPDATE declarations SET branch_lot = substr(first_declaration_number, 1, 11) "
        "WHERE first_declaration_number IS NOT NULL AND first_declaration_number <> 'F'"
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("command_id", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_command_id"), ["command_id"], unique=False)
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    _chain_existing_entries()
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_log_seq"), ["seq"])


def _chain_existing_entries() -> None:
    """Entries written before the chain existed are chained in id order."""
    audit = sa.table(
        "audit_log",
        sa.column("id"),
        sa.column("seq"),
        sa.column("prev_hash"),
        sa.column("hash"),
        sa.column("occurred_at", assigner.storage.types.UtcDateTime(timezone=True)),
        sa.column("actor"),
        sa.column("action"),
        sa.column("mode"),
        sa.column("declaration_key"),
        sa.column("declaration_number"),
        sa.column("customs_office"),
        sa.column("department"),
        sa.column("officer_id"),
        sa.column("previous_officer_id"),
        sa.column("command_id"),
        sa.column("reason"),
        sa.column("details", _JSON),
    )
    connection = op.get_bind()
    prev_hash = GENESIS
    rows = connection.execute(sa.select(audit).order_by(audit.c.id)).mappings().all()
    for seq, row in enumerate(rows, start=1):
        entry = {**row, "seq": seq}
        digest = entry_hash(prev_hash, entry)
        connection.execute(
            audit.update().where(audit.c.id == row["id"]).values(seq=seq, prev_hash=prev_hash, hash=digest)
        )
        prev_hash = digest


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_log_seq"), type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_command_id"))
        batch_op.drop_column("command_id")
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declarations_branch_lot"))
        batch_op.drop_column("branch_lot")
    op.drop_table("commands")
