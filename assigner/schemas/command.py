"""Supervisor commands (queue assigner.commands) as pydantic models, one per command."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from assigner import codes
from assigner.schemas.declaration import DeclarationNumber

OfficerId = Annotated[str, AfterValidator(codes.check_officer_id)]


class CommandBase(BaseModel):
    """What every command carries: its idempotency key, who issued it and why."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    command_id: Annotated[str, Field(min_length=1, max_length=64, description="unique; makes the command idempotent")]
    issued_by: OfficerId = Field(description="the supervisor; must be the authenticated sender")
    reason: Annotated[str, Field(max_length=500)] | None = None


class Reassign(CommandBase):
    """Move one declaration to another officer."""

    command: Literal["reassign"]
    declaration_number: DeclarationNumber
    to_officer_id: OfficerId


class ReassignGroup(CommandBase):
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


class OfficerAbsent(CommandBase):
    """Take an officer out of rotation, optionally until a time; hand their open work to others."""

    command: Literal["officer_absent"]
    officer_id: OfficerId
    until: AwareDatetime | None = None
    redistribute: bool = True


class OfficerAvailable(CommandBase):
    """Bring an officer back into rotation; held declarations are assigned."""

    command: Literal["officer_available"]
    officer_id: OfficerId


class Complete(CommandBase):
    """The check is finished: the declaration is no longer open."""

    command: Literal["complete"]
    declaration_number: DeclarationNumber


Command = Annotated[
    Reassign | ReassignGroup | OfficerAbsent | OfficerAvailable | Complete, Field(discriminator="command")
]
COMMAND = TypeAdapter(Command)
