"""Completions: a check is finished, which stops its legal clock (rule 8)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class CompletedBy(StrEnum):
    """Who ended a check's clock."""

    OFFICER = "officer"  # the officer who has it, from their page or with the `complete` command
    SUPERVISOR = "supervisor"  # a supervisor of its unit, with the `complete` command
    UPSTREAM = "upstream"  # the clearance system, which knows when the check's result was entered


@dataclass(frozen=True)
class Completion:
    """An upstream system's word that a declaration's check is finished."""

    declaration_number: str
    customs_office: str
    department: str
    sender: str | None = None  # the AMQP user that sent it, when the broker vouches for one
    completed_at: datetime | None = None  # when the result was entered, as the message says

    @property
    def key(self) -> str:
        """The declaration's identity (first 11 digits)."""
        return self.declaration_number[:11]

    def moment(self, now: datetime) -> datetime:
        """When the check ended: the time the message names, never later than now (a sender's clock may run
        ahead)."""
        return min(self.completed_at, now) if self.completed_at is not None else now
