"""The schema: typed SQLAlchemy models on one DeclarativeBase (Alembic's target)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, MetaData, Sequence, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from assigner.storage.types import Id, Json, UtcDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UnitRow(Base):
    """A unit (office, department) and its settings."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("customs_office", "department"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    customs_office: Mapped[str] = mapped_column(String(4))
    department: Mapped[str] = mapped_column(String(2))
    auto_channels: Mapped[str] = mapped_column(String(32), default="yellow")
    keep_branch_groups: Mapped[bool] = mapped_column(default=True)
    keep_container_groups: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CursorRow(Base):
    """A unit's rotation cursor: the last position served and the turn counter. Locked per batch.

    `roster_version` counts the committed changes of the unit's roster as a batch sees it (memberships and
    positions, absences in the unit): each such write adds 1 in its own transaction (storage/roster_versions.py),
    so a worker may keep the roster it read at a version until the version moves."""

    __tablename__ = "rotation_cursors"
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)
    turn: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    roster_version: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))
    # How its rounds are ordered (domain/draws.ModeState), set by an audited `roster mode`; when drawn, the
    # officers served this round, a JSON list of ids (empty in roster order).
    mode: Mapped[str] = mapped_column(String(24), default="sequential", server_default="sequential")
    served: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")


class OfficerStateRow(Base):
    """One row: the version of what concerns an officer in every unit at once (their `active`, an absence from
    all units), bumped in the transaction of each such change; a kept roster is valid at this version only."""

    __tablename__ = "officer_state"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # always 1
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class OfficerRow(Base):
    """An officer account."""

    __tablename__ = "officers"
    officer_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class MembershipRow(Base):
    """An officer's place on a unit's roster (positions start at 1)."""

    __tablename__ = "roster_memberships"
    __table_args__ = (UniqueConstraint("unit_id", "position"),)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    officer_id: Mapped[str] = mapped_column(ForeignKey("officers.officer_id"), primary_key=True)
    position: Mapped[int]


class SupervisorRow(Base):
    """An account allowed to adjust assignments in a unit."""

    __tablename__ = "supervisors"
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    officer_id: Mapped[str] = mapped_column(ForeignKey("officers.officer_id"), primary_key=True)


class AbsenceRow(Base):
    """A period an officer is out of rotation, in one unit or (unit_id NULL) in all."""

    __tablename__ = "absences"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    officer_id: Mapped[str] = mapped_column(ForeignKey("officers.officer_id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # when entered (later than starts_at: back-dated)
    until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))


UNFLAGGED = text("overdue_at IS NULL AND status IN ('assigned', 'held')")
# Open work, as the console's unit page asks for it (its queries state this condition, word for word, so that
# both databases use the index below).
OPEN_WORK = text("status IN ('assigned', 'held')")


class DeclarationRow(Base):
    """A declaration, every channel; identity = the first 11 digits, latest amendment's fields."""

    __tablename__ = "declarations"
    __table_args__ = (
        Index("ix_declarations_unit_registered", "customs_office", "department", "registered_at"),
        # The clocks still to watch (rule 8), and only those: an index led by status would tempt the planner
        # away from the group lookups' indexes (SQLite scanned every assigned declaration through it).
        Index("ix_declarations_unflagged_due", "due_at", sqlite_where=UNFLAGGED, postgresql_where=UNFLAGGED),
        # A unit's open work in due order, a page at a time (the console's unit page): open declarations only,
        # so it stays as small as the work in hand, whatever the history.
        Index(
            "ix_declarations_unit_open_due",
            "customs_office",
            "department",
            "due_at",
            sqlite_where=OPEN_WORK,
            postgresql_where=OPEN_WORK,
        ),
    )
    declaration_key: Mapped[str] = mapped_column(String(11), primary_key=True)
    declaration_number: Mapped[str] = mapped_column(String(12))
    customs_office: Mapped[str] = mapped_column(String(4))
    department: Mapped[str] = mapped_column(String(2))
    channel: Mapped[str] = mapped_column(String(6))
    status: Mapped[str] = mapped_column(String(10))
    registered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    after_hours: Mapped[bool]
    declaration_type: Mapped[str | None] = mapped_column(String(3))
    enterprise_tax_code: Mapped[str | None] = mapped_column(String(14))
    first_declaration_number: Mapped[str | None] = mapped_column(String(12), index=True)
    branch_lot: Mapped[str | None] = mapped_column(String(11), index=True)  # the lot's first 11 digits
    branch_index: Mapped[int | None]
    branch_count: Mapped[int | None]
    officer_id: Mapped[str | None] = mapped_column(ForeignKey("officers.officer_id"), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The legal clock (rule 8): when the office had the complete dossier (None: registered_at), when the check
    # is due, when it was completed, and when it was flagged overdue (once).
    documents_received_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    overdue_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class VersionRow(Base):
    """Every accepted amendment of a declaration, with the message as received."""

    __tablename__ = "declaration_versions"
    declaration_key: Mapped[str] = mapped_column(ForeignKey("declarations.declaration_key"), primary_key=True)
    amendment: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    declaration_number: Mapped[str] = mapped_column(String(12))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(Json)


class ContainerRow(Base):
    """A container number a declaration names (ISO 6346)."""

    __tablename__ = "declaration_containers"
    declaration_key: Mapped[str] = mapped_column(ForeignKey("declarations.declaration_key"), primary_key=True)
    container_number: Mapped[str] = mapped_column(String(11), primary_key=True, index=True)


class AssignmentRow(Base):
    """One assignment of a declaration to an officer: automatic, group, manual or redistributed."""

    __tablename__ = "assignments"
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    declaration_key: Mapped[str] = mapped_column(ForeignKey("declarations.declaration_key"), index=True)
    officer_id: Mapped[str] = mapped_column(ForeignKey("officers.officer_id"), index=True)
    customs_office: Mapped[str] = mapped_column(String(4))
    department: Mapped[str] = mapped_column(String(2))
    mode: Mapped[str] = mapped_column(String(16))
    turn: Mapped[int | None]
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime)
    assigned_by: Mapped[str] = mapped_column(String(64))
    command_id: Mapped[str | None] = mapped_column(String(64))
    reason_code: Mapped[str | None] = mapped_column(String(32))  # why, when by hand (domain.commands.ReasonCode)


class HoldRow(Base):
    """A held declaration waiting for an eligible officer; id order is arrival order."""

    __tablename__ = "holds"
    __table_args__ = (Index("ix_holds_unit", "customs_office", "department", "id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    declaration_key: Mapped[str] = mapped_column(ForeignKey("declarations.declaration_key"), unique=True)
    customs_office: Mapped[str] = mapped_column(String(4))
    department: Mapped[str] = mapped_column(String(2))
    reason: Mapped[str] = mapped_column(String(32))
    held_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditRow(Base):
    """One entry of the append-only audit log: who, when, why, how (rule 6); hash-chained by `seq` within
    its transaction's batch, the batch sealed into the log's chain (AuditSealRow)."""

    __tablename__ = "audit_log"
    __table_args__ = (UniqueConstraint("batch", "seq", name="uq_audit_log_batch_seq"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    batch: Mapped[int] = mapped_column(BigInteger)
    seq: Mapped[int] = mapped_column(BigInteger)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    mode: Mapped[str | None] = mapped_column(String(16))
    declaration_key: Mapped[str | None] = mapped_column(String(11), index=True)
    declaration_number: Mapped[str | None] = mapped_column(String(12))
    customs_office: Mapped[str | None] = mapped_column(String(4))
    department: Mapped[str | None] = mapped_column(String(2))
    officer_id: Mapped[str | None] = mapped_column(String(64))
    previous_officer_id: Mapped[str | None] = mapped_column(String(64))
    command_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


# The audit batches' numbers (PostgreSQL; SQLite takes the next free one).
AUDIT_BATCHES = Sequence("audit_batches", metadata=Base.metadata)


class AuditSealRow(Base):
    """One transaction's batch of audit entries, sealed into the log's chain: `seq` orders the batches as they
    committed; the hash covers the batch's last entry hash (so all of it) and the seal before."""

    __tablename__ = "audit_seals"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    batch: Mapped[int] = mapped_column(BigInteger, unique=True)
    entries: Mapped[int] = mapped_column(BigInteger)
    last_hash: Mapped[str] = mapped_column(String(64))
    sealed_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), index=True)


class AuditDailyHeadRow(Base):
    """The chain's head at the end of a day (in the deployment's zone), published once as audit.daily_head."""

    __tablename__ = "audit_daily_heads"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    head: Mapped[str] = mapped_column(String(64))
    entries: Mapped[int] = mapped_column(BigInteger)
    published_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DrawKeyRow(Base):
    """A day's key for drawn turns: committed (its hash published) before use, revealed after the day."""

    __tablename__ = "draw_keys"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))  # hex; never shown before revealed_at
    commitment: Mapped[str] = mapped_column(String(64))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    zone: Mapped[str] = mapped_column(String(64))  # whose day: the later keys' days stay in it
    committed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revealed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class OutboxRow(Base):
    """An event written in the transaction of its decision, published after the commit (the outbox)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "published_at", "id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    event: Mapped[str] = mapped_column(String(32))
    routing_key: Mapped[str] = mapped_column(String(64))
    declaration_key: Mapped[str | None] = mapped_column(String(11), index=True)
    command_id: Mapped[str | None] = mapped_column(String(64), index=True)
    body: Mapped[dict[str, Any]] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CommandRow(Base):
    """A supervisor command carried out or refused once authenticated: `command_id` makes it idempotent."""

    __tablename__ = "commands"
    command_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    command: Mapped[str] = mapped_column(String(32))
    issued_by: Mapped[str] = mapped_column(String(64))
    accepted: Mapped[bool]
    reason: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    body: Mapped[dict[str, Any]] = mapped_column(Json)


class WorkerBeatRow(Base):
    """A consumer's sign of life: seen while running, and when it last processed a message (`assigner health`)."""

    __tablename__ = "worker_beats"
    consumer: Mapped[str] = mapped_column(String(200), primary_key=True)  # host:pid:queue
    queue: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_message_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    messages: Mapped[int] = mapped_column(BigInteger, default=0)
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # a clean stop: no longer a live consumer


class DeadLetterRow(Base):
    """A message dead-lettered once: a redelivered or re-sent copy of it is not dead-lettered again."""

    __tablename__ = "dead_letters"
    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of queue and body
    queue: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)  # when a worker last set out to publish it
    times_seen: Mapped[int] = mapped_column(BigInteger, default=1)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
