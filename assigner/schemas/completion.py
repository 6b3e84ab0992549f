"""The check-completed message (queue assigner.declarations, AMQP `type` check.completed): at the edge only.

An addition to the contract: the clearance system, which knows when an officer entered a check's result, ends
the declaration's legal clock (rule 8) with it.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from assigner.domain.completions import Completion
from assigner.schemas import codes
from assigner.schemas.declaration import InvalidMessage, plausible_time
from assigner.schemas.raw import decode_json
from assigner.schemas.times import IsoDateTime
from assigner.schemas.validation_errors import describe_error

# The AMQP `type` property that marks a message on assigner.declarations as a completion, not a declaration.
COMPLETION_TYPE = "check.completed"


class CheckCompletedMessage(BaseModel):
    """A declaration's check is finished (AMQP `type` check.completed, queue `assigner.declarations`)."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    declaration_number: Annotated[str, AfterValidator(codes.check_declaration_number)] = Field(
        description="the declaration (any amendment of it: the first 11 digits identify it)"
    )
    customs_office: Annotated[str, AfterValidator(codes.check_office)]
    department: Annotated[str, AfterValidator(codes.check_department)]
    completed_at: Annotated[IsoDateTime, AfterValidator(plausible_time)] | None = Field(
        None, description="when the check's result was entered (ISO 8601 with offset); default: when it arrives"
    )


def parse_completion(raw: bytes, charset: str, sender: str | None) -> Completion:
    """A completion from a message body; InvalidMessage says why it is none."""
    payload: Any = decode_json(raw, charset)
    if not isinstance(payload, dict):
        raise InvalidMessage("not a JSON object")
    try:
        message = CheckCompletedMessage.model_validate(payload)
    except ValidationError as error:
        raise InvalidMessage(describe_error(error)) from error
    return Completion(
        message.declaration_number, message.customs_office, message.department, sender, message.completed_at
    )
