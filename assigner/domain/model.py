"""Values of the domain: units, declarations and what is known of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

SYSTEM = "system"  # the actor of what assigner does by itself


class Channel(StrEnum):
    """The flow VNACCS routes a declaration to (codes 1, 2, 3)."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


class Status(StrEnum):
    """Where a stored declaration stands."""

    RECORDED = "recorded"
    HELD = "held"
    ASSIGNED = "assigned"
    COMPLETED = "completed"


@dataclass(frozen=True, order=True)
class Unit:
    """The scope of one rotation: a customs office and a processing department."""

    customs_office: str
    department: str

    def __str__(self) -> str:
        return f"{self.customs_office}/{self.department}"


def declaration_key(declaration_number: str) -> str:
    """The first 11 digits, which identify a declaration across its amendments."""
    return declaration_number[:11]


def amendment_of(declaration_number: str) -> int:
    """The 12th digit, which counts a declaration's amendments."""
    return int(declaration_number[11])


@dataclass(frozen=True)
class Declaration:
    """One declaration as an upstream system sent it."""

    declaration_number: str
    unit: Unit
    channel: Channel
    registered_at: datetime
    declaration_type: str | None = None
    enterprise_tax_code: str | None = None
    first_declaration_number: str | None = None
    branch_index: int | None = None
    branch_count: int | None = None
    container_numbers: tuple[str, ...] = ()
    documents_received_at: datetime | None = None
    payload: Mapping[str, object] = field(default_factory=dict, compare=False)

    @property
    def dossier_complete_at(self) -> datetime:
        """When the customs office had the complete dossier: the legal clock counts from it (rule 8)."""
        return self.documents_received_at or self.registered_at

    @property
    def key(self) -> str:
        """The identity shared by all amendments of this declaration."""
        return declaration_key(self.declaration_number)

    @property
    def amendment(self) -> int:
        """How many times the declaration was amended."""
        return amendment_of(self.declaration_number)


@dataclass(frozen=True)
class KnownDeclaration:
    """What storage already holds for a declaration's identity."""

    key: str
    declaration_number: str
    unit: Unit
    status: Status
    officer_id: str | None = None
    due_at: datetime | None = None  # its legal clock, once assigned or held

    @property
    def amendment(self) -> int:
        """The amendment count of the stored version."""
        return amendment_of(self.declaration_number)


@dataclass(frozen=True)
class Absence:
    """An absence in force (or due to end): its officer, its unit (None: every unit), its end."""

    id: int
    officer_id: str
    unit: Unit | None
    until: datetime | None
