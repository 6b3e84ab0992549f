"""Who an officer is to the console: the units whose roster lists them (their own work) and the units they
supervise. Someone with neither has nothing to see."""

from __future__ import annotations

from dataclasses import dataclass

from assigner.domain.model import Unit
from assigner.services.ports import UnitOfWork


@dataclass(frozen=True)
class Roles:
    """An officer's places in the rosters, read in one transaction."""

    rostered: list[Unit]  # units whose roster lists them: their own declarations come from these
    supervised: list[Unit]  # units they may adjust

    @property
    def none(self) -> bool:
        """On no roster and supervising nothing."""
        return not self.rostered and not self.supervised


def roles_of(uow: UnitOfWork, officer_id: str) -> Roles:
    """The units `officer_id` is on the roster of, and those they supervise, each in unit order."""
    with uow:
        return Roles(uow.roster.units_of(officer_id), uow.roster.supervised_by(officer_id))
