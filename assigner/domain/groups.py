"""Branch groups and container groups: declarations that go to the officer who has their group."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from assigner.domain.model import Declaration, Unit, declaration_key

FIRST_OF_LOT = "F"


class GroupKind(StrEnum):
    """The two kinds of group a supervisor once kept together by hand."""

    BRANCH = "branch"
    CONTAINER = "container"


@dataclass(frozen=True)
class GroupLink:
    """Why a declaration went to an officer without a turn: the group, and the open declaration it follows."""

    kind: GroupKind
    key: str
    follows: str  # the declaration key of the group's open declaration
    officer_id: str


@dataclass(frozen=True)
class GroupSettings:
    """A unit's per-group switches (both on by default)."""

    branch: bool = True
    container: bool = True

    def keeps(self, kind: GroupKind) -> bool:
        """Whether the unit keeps this kind of group with one officer."""
        return self.branch if kind is GroupKind.BRANCH else self.container


def branch_lot(first_declaration_number: str | None, own_number: str) -> str | None:
    """A branch declaration's lot: the first declaration's first 11 digits ('F' marks the first itself)."""
    if first_declaration_number is None:
        return None
    if first_declaration_number == FIRST_OF_LOT:
        return declaration_key(own_number)
    return declaration_key(first_declaration_number)


def group_keys(declaration: Declaration) -> list[tuple[GroupKind, str]]:
    """The groups a declaration belongs to, the branch lot first."""
    keys: list[tuple[GroupKind, str]] = []
    lot = branch_lot(declaration.first_declaration_number, declaration.declaration_number)
    if lot is not None:
        keys.append((GroupKind.BRANCH, lot))
    for container in sorted(set(declaration.container_numbers)):
        keys.append((GroupKind.CONTAINER, container))
    return keys


@dataclass
class GroupBook:
    """Per unit, who has each group's open declarations: loaded from storage, kept up to date by a batch."""

    owners: dict[tuple[Unit, GroupKind, str], GroupLink] = field(default_factory=dict)

    def link_for(self, declaration: Declaration, settings: GroupSettings) -> GroupLink | None:
        """The group link a declaration follows, if a group it belongs to has an officer in its unit."""
        for kind, key in group_keys(declaration):
            if not settings.keeps(kind):
                continue
            link = self.owners.get((declaration.unit, kind, key))
            if link is not None and link.follows != declaration.key:
                return link
        return None

    def join(self, declaration: Declaration, officer_id: str) -> None:
        """An officer got this declaration: its groups without an owner in its unit now have one."""
        for kind, key in group_keys(declaration):
            self.owners.setdefault((declaration.unit, kind, key), GroupLink(kind, key, declaration.key, officer_id))
