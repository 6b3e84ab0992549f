"""Events (exchange assigner.events) as pydantic models, one per event name."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from assigner.domain.commands import ReasonCode
from assigner.domain.model import Channel


class EventBase(BaseModel):
    """What every event carries."""

    model_config = ConfigDict(extra="forbid")

    event_id: str = Field(description="unique; the same when a redelivered message publishes it again")
    occurred_at: datetime


class DeclarationEvent(EventBase):
    """An event about one declaration."""

    declaration_number: str
    customs_office: str
    department: str

    def routing_key(self) -> str:
        """The event name, then office, then department, e.g. declaration.assigned.01B1.00."""
        return f"{getattr(self, 'event')}.{self.customs_office}.{self.department}"  # noqa: B009 (set by each subclass)


class DeclarationAssigned(DeclarationEvent):
    """An officer got the declaration."""

    event: Literal["declaration.assigned"]
    officer_id: str
    mode: Literal["auto", "group", "manual", "redistributed"]
    after_hours: bool
    turn: int | None = Field(description="the unit's turn counter (automatic assignments)")
    due_at: datetime | None = Field(
        None,
        description="an addition: when the check is due, in the office's zone: the office's check deadline (2 "
        "working hours by default, Law on Customs 2014, Article 23(2)(a)) counted from documents_received_at",
    )
    reason_code: ReasonCode | None = Field(
        None, description="an addition: why a supervisor gave a held declaration by hand (mode manual)"
    )


class DeclarationHeld(DeclarationEvent):
    """Valid, but not assignable now; it will be assigned as soon as it can be."""

    event: Literal["declaration.held"]
    reason: Literal["no_eligible_officer", "unknown_department"]


class DeclarationRecorded(DeclarationEvent):
    """Not an automatically assigned channel: recorded for the reports."""

    event: Literal["declaration.recorded"]
    channel: Channel


class DeclarationAmended(DeclarationEvent):
    """An amendment (same first 11 digits, higher 12th) arrived: it stays with its officer (rule 1).

    An addition to docs/contract.md's events: every outcome publishes one event.
    """

    event: Literal["declaration.amended"]
    officer_id: str | None = Field(description="who has the declaration (none while it is held or recorded)")
    status: Literal["recorded", "held", "assigned", "completed"]
    previous_declaration_number: str | None = Field(description="the version it amends")


class DeclarationReassigned(DeclarationEvent):
    """A supervisor moved the declaration."""

    event: Literal["declaration.reassigned"]
    officer_id: str
    previous_officer_id: str | None
    command_id: str
    reason: str | None
    mode: Literal["manual", "redistributed"] = Field(
        description="an addition to the contract: moved by hand, or redistributed by rotation (an absence)"
    )
    turn: int | None = Field(None, description="an addition: the unit's turn counter when redistributed by rotation")
    due_at: datetime | None = Field(
        None,
        description="an addition: when the check is due, in the office's zone (a move does not restart the clock): "
        "the office's check deadline (2 working hours by default, Law on Customs 2014, Article 23(2)(a)) counted "
        "from documents_received_at",
    )
    reason_code: ReasonCode | None = Field(
        None, description="an addition: why a supervisor moved it by hand (the code the command carried)"
    )


class DeclarationCompleted(DeclarationEvent):
    """An addition: the check is finished, and its legal clock stops."""

    event: Literal["declaration.completed"]
    officer_id: str | None = Field(description="who had the declaration")
    completed_at: datetime
    completed_by: Literal["officer", "supervisor", "upstream"] = Field(
        description="the officer who had it, a supervisor of its unit (command `complete`), or the clearance system"
    )
    due_at: datetime | None = Field(description="its due time, in the office's zone")
    in_time: bool | None = Field(description="completed by its due time (none when it had no due time)")
    command_id: str | None = Field(description="the command that completed it, if any")


class DeclarationOverdue(DeclarationEvent):
    """An addition: an open declaration passed its due time; published once (rule 8)."""

    event: Literal["declaration.overdue"]
    officer_id: str | None = Field(description="who has it (none while it is held)")
    status: Literal["held", "assigned"]
    due_at: datetime = Field(description="its due time, in the office's zone")


class CommandAccepted(EventBase):
    """A command was carried out."""

    event: Literal["command.accepted"]
    command_id: str

    def routing_key(self) -> str:
        """The event name."""
        return self.event


class CommandRejected(EventBase):
    """A command was refused, and why."""

    event: Literal["command.rejected"]
    command_id: str
    reason: str

    def routing_key(self) -> str:
        """The event name."""
        return self.event


class AuditSealed(EventBase):
    """A transaction's audit entries were sealed into the chain (an addition to the contract): keep `head` where
    the unit cannot rewrite it; `assigner audit verify --since HEAD` (or the verifier of an export) checks what
    was sealed after it, chained to it."""

    event: Literal["audit.sealed"]
    seq: int = Field(description="the seal's number: 1, 2, 3, ... in commit order, with no gap")
    head: str = Field(description="the chain's head after this seal: the seal's hash (64 hex digits)")
    previous_head: str = Field(description="the head before it: seal seq - 1's hash (64 zeros for seal 1)")
    entries: int = Field(description="how many audit entries this seal took")

    def routing_key(self) -> str:
        """The event name."""
        return self.event


class AuditDailyHead(EventBase):
    """Once a day, the chain's head at the end of the day before (an addition to the contract)."""

    event: Literal["audit.daily_head"]
    day: date = Field(description="the day that ended, in `zone`")
    zone: str = Field(description="the IANA time zone whose midnight ended the day")
    seq: int = Field(description="the number of the last seal made before that midnight")
    head: str = Field(description="that seal's hash: the chain's head at the end of the day")
    entries: int = Field(description="how many audit entries the chain had then")

    def routing_key(self) -> str:
        """The event name."""
        return self.event


class DrawKey(EventBase):
    """A day's key for the units that draw their turns (an addition to the contract, docs/rules.md rule 2)."""

    day: date = Field(description="the day the key serves, in the deployment's default zone")
    starts_at: datetime = Field(description="the day's first moment (UTC)")
    ends_at: datetime = Field(description="the first moment after it (UTC)")
    commitment: str = Field(description="the key's SHA-256, 64 hex digits")


class AuditDrawKeyCommitted(DrawKey):
    """A day's key is made: its commitment, published before any draw uses it (the day before, in operation).
    Keep it: once the key is revealed, its SHA-256 must be this."""

    event: Literal["audit.draw_key_committed"]

    def routing_key(self) -> str:
        """The event name."""
        return self.event


class AuditDrawKeyRevealed(DrawKey):
    """A day is over (and 5 minutes after it): its key, with which anyone re-derives the day's draws from an
    audit export (tools/verify_audit.py, docs/audit-format.md)."""

    event: Literal["audit.draw_key_revealed"]
    key: str = Field(description="the key, 64 hex digits (32 bytes)")

    def routing_key(self) -> str:
        """The event name."""
        return self.event


Event = Annotated[
    DeclarationAssigned
    | DeclarationHeld
    | DeclarationRecorded
    | DeclarationAmended
    | DeclarationReassigned
    | DeclarationCompleted
    | DeclarationOverdue
    | CommandAccepted
    | CommandRejected
    | AuditSealed
    | AuditDailyHead
    | AuditDrawKeyCommitted
    | AuditDrawKeyRevealed,
    Field(discriminator="event"),
]
EVENT = TypeAdapter(Event)
