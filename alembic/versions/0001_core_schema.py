"""core schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 10:41:36.481249
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

import assigner.storage.types
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("occurred_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=True),
        sa.Column("declaration_key", sa.String(length=11), nullable=True),
        sa.Column("declaration_number", sa.String(length=12), nullable=True),
        sa.Column("customs_office", sa.String(length=4), nullable=True),
        sa.Column("department", sa.String(length=2), nullable=True),
        sa.Column("officer_id", sa.String(length=64), nullable=True),
        sa.Column("previous_officer_id", sa.String(length=64), nullable=True),
        sa.Column("command_id", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column(
            "details", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_declaration_key"), ["declaration_key"], unique=False)

    op.create_table(
        "officers",
        sa.Column("officer_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("officer_id", name=op.f("pk_officers")),
    )
    op.create_table(
        "units",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("customs_office", sa.String(length=4), nullable=False),
        sa.Column("department", sa.String(length=2), nullable=False),
        sa.Column("auto_channels", sa.String(length=32), nullable=False),
        sa.Column("keep_branch_groups", sa.Boolean(), nullable=False),
        sa.Column("keep_container_groups", sa.Boolean(), nullable=False),
        sa.Column("created_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_units")),
        sa.UniqueConstraint("customs_office", "department", name=op.f("uq_units_customs_office")),
    )
    op.create_table(
        "absences",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("officer_id", sa.String(length=64), nullable=False),
        sa.Column("unit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("starts_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("until", assigner.storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["officer_id"], ["officers.officer_id"], name=op.f("fk_absences_officer_id_officers")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_absences_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absences")),
    )
    with op.batch_alter_table("absences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_absences_officer_id"), ["officer_id"], unique=False)

    op.create_table(
        "declarations",
        sa.Column("declaration_key", sa.String(length=11), nullable=False),
        sa.Column("declaration_number", sa.String(length=12), nullable=False),
        sa.Column("customs_office", sa.String(length=4), nullable=False),
        sa.Column("department", sa.String(length=2), nullable=False),
        sa.Column("channel", sa.String(length=6), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("registered_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("received_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("after_hours", sa.Boolean(), nullable=False),
        sa.Column("declaration_type", sa.String(length=3), nullable=True),
        sa.Column("enterprise_tax_code", sa.String(length=14), nullable=True),
        sa.Column("first_declaration_number", sa.String(length=12), nullable=True),
        sa.Column("branch_index", sa.Integer(), nullable=True),
        sa.Column("branch_count", sa.Integer(), nullable=True),
        sa.Column("officer_id", sa.String(length=64), nullable=True),
        sa.Column("assigned_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.officer_id"], name=op.f("fk_declarations_officer_id_officers")
        ),
        sa.PrimaryKeyConstraint("declaration_key", name=op.f("pk_declarations")),
    )
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_declarations_first_declaration_number"), ["first_declaration_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_declarations_officer_id"), ["officer_id"], unique=False)
        batch_op.create_index(
            "ix_declarations_unit_registered", ["customs_office", "department", "registered_at"], unique=False
        )

    op.create_table(
        "roster_memberships",
        sa.Column("unit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("officer_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.officer_id"], name=op.f("fk_roster_memberships_officer_id_officers")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_roster_memberships_unit_id_units")),
        sa.PrimaryKeyConstraint("unit_id", "officer_id", name=op.f("pk_roster_memberships")),
        sa.UniqueConstraint("unit_id", "position", name=op.f("uq_roster_memberships_unit_id")),
    )
    op.create_table(
        "rotation_cursors",
        sa.Column("unit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=False),
        sa.Column("updated_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_rotation_cursors_unit_id_units")),
        sa.PrimaryKeyConstraint("unit_id", name=op.f("pk_rotation_cursors")),
    )
    op.create_table(
        "supervisors",
        sa.Column("unit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("officer_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.officer_id"], name=op.f("fk_supervisors_officer_id_officers")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_supervisors_unit_id_units")),
        sa.PrimaryKeyConstraint("unit_id", "officer_id", name=op.f("pk_supervisors")),
    )
    op.create_table(
        "assignments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("declaration_key", sa.String(length=11), nullable=False),
        sa.Column("officer_id", sa.String(length=64), nullable=False),
        sa.Column("customs_office", sa.String(length=4), nullable=False),
        sa.Column("department", sa.String(length=2), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("turn", sa.Integer(), nullable=True),
        sa.Column("assigned_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("assigned_by", sa.String(length=64), nullable=False),
        sa.Column("command_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["declaration_key"],
            ["declarations.declaration_key"],
            name=op.f("fk_assignments_declaration_key_declarations"),
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"], ["officers.officer_id"], name=op.f("fk_assignments_officer_id_officers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
    )
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignments_declaration_key"), ["declaration_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_assignments_officer_id"), ["officer_id"], unique=False)

    op.create_table(
        "declaration_containers",
        sa.Column("declaration_key", sa.String(length=11), nullable=False),
        sa.Column("container_number", sa.String(length=11), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_key"],
            ["declarations.declaration_key"],
            name=op.f("fk_declaration_containers_declaration_key_declarations"),
        ),
        sa.PrimaryKeyConstraint("declaration_key", "container_number", name=op.f("pk_declaration_containers")),
    )
    with op.batch_alter_table("declaration_containers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_declaration_containers_container_number"), ["container_number"], unique=False
        )

    op.create_table(
        "declaration_versions",
        sa.Column("declaration_key", sa.String(length=11), nullable=False),
        sa.Column("amendment", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("declaration_number", sa.String(length=12), nullable=False),
        sa.Column("received_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column(
            "payload", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["declaration_key"],
            ["declarations.declaration_key"],
            name=op.f("fk_declaration_versions_declaration_key_declarations"),
        ),
        sa.PrimaryKeyConstraint("declaration_key", "amendment", name=op.f("pk_declaration_versions")),
    )
    op.create_table(
        "holds",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("declaration_key", sa.String(length=11), nullable=False),
        sa.Column("customs_office", sa.String(length=4), nullable=False),
        sa.Column("department", sa.String(length=2), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("held_at", assigner.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["declaration_key"], ["declarations.declaration_key"], name=op.f("fk_holds_declaration_key_declarations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holds")),
        sa.UniqueConstraint("declaration_key", name=op.f("uq_holds_declaration_key")),
    )
    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.create_index("ix_holds_unit", ["customs_office", "department", "id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.drop_index("ix_holds_unit")

    op.drop_table("holds")
    op.drop_table("declaration_versions")
    with op.batch_alter_table("declaration_containers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_declaration_containers_container_number"))

    op.drop_table("declaration_containers")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignments_officer_id"))
        batch_op.drop_index(batch_op.f("ix_assignments_declaration_key"))

    op.drop_table("assignments")
    op.drop_table("supervisors")
    op.drop_table("rotation_cursors")
    op.drop_table("roster_memberships")
    with op.batch_alter_table("declarations", schema=None) as batch_op:
        batch_op.drop_index("ix_declarations_unit_registered")
        batch_op.drop_index(batch_op.f("ix_declarations_officer_id"))
        batch_op.drop_index(batch_op.f("ix_declarations_first_declaration_number"))

    op.drop_table("declarations")
    with op.batch_alter_table("absences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_absences_officer_id"))

    op.drop_table("absences")
    op.drop_table("units")
    op.drop_table("officers")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_declaration_key"))

    op.drop_table("audit_log")
