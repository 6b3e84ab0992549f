"""The declaration message (queue assigner.declarations) as a pydantic model: used at the edge only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from assigner.domain.errors import InvalidInput
from assigner.domain.model import Channel, Declaration, Unit
from assigner.schemas import codes
from assigner.schemas.times import IsoDateTime
from assigner.schemas.validation_errors import describe_error

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)


class InvalidMessage(InvalidInput):
    """A declaration message that breaks the contract; the text says what, in one line."""


_VNACCS_CHANNELS = {"1": Channel.GREEN, "2": Channel.YELLOW, "3": Channel.RED}


def _channel(value: Any) -> Any:
    """Accept the names and the VNACCS codes 1, 2, 3 (as numbers or strings)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and value in _VNACCS_CHANNELS:
        return _VNACCS_CHANNELS[value]
    return value


def _first_number(value: str) -> str:
    if value == "F":
        return value
    return codes.check_declaration_number(value)


def plausible_time(value: datetime) -> datetime:
    """A time between 2000 and 2100 (anything else is a sender's mistake, and some databases cannot store it)."""
    if not EARLIEST <= value < LATEST:
        raise ValueError(f"{value.isoformat()} is not between 2000 and 2100")
    return value


DeclarationNumber = Annotated[str, AfterValidator(codes.check_declaration_number)]
Office = Annotated[str, AfterValidator(codes.check_office)]
Department = Annotated[str, AfterValidator(codes.check_department)]
TaxCode = Annotated[str, AfterValidator(codes.check_tax_code)]
ContainerNumber = Annotated[str, AfterValidator(codes.check_container)]


class DeclarationMessage(BaseModel):
    """A declaration message on queue `assigner.declarations` (docs/contract.md)."""

    model_config = ConfigDict(extra="allow", strict=False, str_strip_whitespace=True)

    declaration_number: DeclarationNumber = Field(description="12 digits; the 12th counts amendments")
    customs_office: Office = Field(description="4-character customs office code, e.g. 01B1")
    department: Department = Field(description="2-digit processing department code, e.g. 00")
    channel: Annotated[
        Channel, BeforeValidator(_channel, json_schema_input_type=Channel | Literal[1, 2, 3, "1", "2", "3"])
    ] = Field(description="green|yellow|red or the VNACCS codes 1|2|3")
    registered_at: Annotated[IsoDateTime, AfterValidator(plausible_time)] = Field(
        description="ISO 8601 with offset: date, T, time and offset"
    )
    declaration_type: Annotated[str, Field(pattern=r"^[A-Z0-9]{3}$")] | None = None
    enterprise_tax_code: TaxCode | None = None
    first_declaration_number: Annotated[str, AfterValidator(_first_number)] | None = None
    branch_index: Annotated[int, Field(ge=1, le=9999)] | None = None
    branch_count: Annotated[int, Field(ge=1, le=9999)] | None = None
    container_numbers: list[ContainerNumber] = Field(default_factory=list)
    documents_received_at: Annotated[IsoDateTime, AfterValidator(plausible_time)] | None = Field(
        None,
        description="when the customs office had the complete dossier (ISO 8601 with offset); the legal clock "
        "counts from it (default: registered_at)",
    )

    @model_validator(mode="after")
    def _branch_index_within_count(self) -> DeclarationMessage:
        if self.branch_index and self.branch_count and self.branch_index > self.branch_count:
            raise ValueError(f"branch_index {self.branch_index} is greater than branch_count {self.branch_count}")
        return self

    def to_domain(self, payload: dict[str, Any]) -> Declaration:
        """The domain value, keeping the message as received (extra fields included)."""
        return Declaration(
            declaration_number=self.declaration_number,
            unit=Unit(self.customs_office, self.department),
            channel=self.channel,
            registered_at=self.registered_at,
            declaration_type=self.declaration_type,
            enterprise_tax_code=self.enterprise_tax_code,
            first_declaration_number=self.first_declaration_number,
            branch_index=self.branch_index,
            branch_count=self.branch_count,
            container_numbers=tuple(self.container_numbers),
            documents_received_at=self.documents_received_at,
            payload=payload,
        )


def parse_declaration(payload: Any) -> Declaration:
    """Validate a decoded JSON message; raises InvalidMessage saying why, in one line."""
    if not isinstance(payload, dict):
        raise InvalidMessage("not a JSON object")
    try:
        return DeclarationMessage.model_validate(payload).to_domain(payload)
    except ValidationError as error:
        raise InvalidMessage(describe_error(error)) from error
