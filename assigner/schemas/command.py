"""Supervisor commands (queue assigner.commands) as pydantic models, one per command."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from assigner.domain import commands as domain
from assigner.domain.groups import GroupKind
from assigner.domain.model import Unit
from assigner.schemas import codes
from assigner.schemas.declaration import DeclarationNumber, InvalidMessage
from assigner.schemas.times import IsoDateTime
from assigner.schemas.validation_errors import describe_error

OfficerId = Annotated[str, AfterValidator(codes.check_officer_id)]


class CommandBase(BaseModel):
    """What every command carries: its idempotency key, who issued it and why."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    command_id: Annotated[str, Field(min_length=1, max_length=64, description="unique; makes the command idempotent")]
    issued_by: OfficerId = Field(description="the supervisor; must be the authenticated sender")
    reason: Annotated[str, Field(max_length=500)] | None = None
    issued_at: IsoDateTime | None = Field(
        None, description="when it was issued; required when signed; refused once older than the settings allow"
    )

    def to_domain(self) -> domain.Command:
        """The plain value the services take."""
        name = getattr(self, "command")  # noqa: B009 (each subclass declares its literal)
        code = getattr(self, "reason_code", None)
        header = domain.CommandHeader(self.command_id, name, self.issued_by, self.reason, self.issued_at, code)
        return domain.Command(header, self.action())

    def action(self) -> domain.Action:
        """What the command asks for."""
        raise NotImplementedError


class ByHand(CommandBase):
    """A reassignment by hand: it says why with a code from a fixed list (an addition to the contract)."""

    reason_code: domain.ReasonCode = Field(
        description="why, from the special cases of Official Letter 9689: branch_declaration, shared_container, "
        "officer_absent, workload, conflict_of_interest, or other (then `reason` says it)"
    )

    @model_validator(mode="after")
    def _other_says_why(self) -> ByHand:
        if self.reason_code is domain.ReasonCode.OTHER and not self.reason:
            raise ValueError("reason_code other needs a reason, in free text")
        return self


class Reassign(ByHand):
    """Move one declaration to another officer."""

    command: Literal["reassign"]
    declaration_number: DeclarationNumber
    to_officer_id: OfficerId

    def action(self) -> domain.Action:
        """What the command asks for."""
        return domain.Reassign(self.declaration_number, self.to_officer_id)


class ReassignGroup(ByHand):
    """Move every declaration of a branch group or a container group."""

    command: Literal["reassign_group"]
    group: Literal["branch", "container"]
    key: str = Field(description="the first declaration number (branch) or the container number (container)")
    to_officer_id: OfficerId

    @model_validator(mode="after")
    def _key_fits_the_group(self) -> ReassignGroup:
        if self.group == "branch":
            codes.check_declaration_number(self.key)
        else:
            self.key = codes.check_container(self.key)
        return self

    def action(self) -> domain.Action:
        """What the command asks for."""
        return domain.ReassignGroup(GroupKind(self.group), self.key, self.to_officer_id)


class UnitRef(BaseModel):
    """A unit named in a command."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    customs_office: Annotated[str, AfterValidator(codes.check_office)]
    department: Annotated[str, AfterValidator(codes.check_department)]


class OfficerAbsent(CommandBase):
    """Take an officer out of rotation, optionally until a time; hand their open work to others."""

    command: Literal["officer_absent"]
    officer_id: OfficerId
    until: IsoDateTime | None = None
    redistribute: bool = True
    units: list[UnitRef] | None = Field(
        None, min_length=1, description="only these units (an addition to the contract); all of the officer's if absent"
    )
    since: IsoDateTime | None = Field(
        None,
        description="an addition: when the absence began, if before now (entered late); the rotation changes from "
        "now, and the reports list the absence as back-dated",
    )

    def action(self) -> domain.Action:
        """What the command asks for."""
        units = tuple(Unit(u.customs_office, u.department) for u in self.units or [])
        return domain.OfficerAbsent(self.officer_id, self.until, self.redistribute, units, self.since)


class OfficerAvailable(CommandBase):
    """Bring an officer back into rotation; held declarations are assigned."""

    command: Literal["officer_available"]
    officer_id: OfficerId

    def action(self) -> domain.Action:
        """What the command asks for."""
        return domain.OfficerAvailable(self.officer_id)


class Complete(CommandBase):
    """The check is finished: the declaration is no longer open."""

    command: Literal["complete"]
    declaration_number: DeclarationNumber

    def action(self) -> domain.Action:
        """What the command asks for."""
        return domain.Complete(self.declaration_number)


Command = Annotated[
    Reassign | ReassignGroup | OfficerAbsent | OfficerAvailable | Complete, Field(discriminator="command")
]
COMMAND = TypeAdapter(Command)


def parse_command(payload: object) -> domain.Command:
    """A command from a decoded JSON value; InvalidMessage says why it is not one, in one line."""
    try:
        return COMMAND.validate_python(payload).to_domain()
    except ValidationError as error:
        raise InvalidMessage(describe_error(error)) from error
