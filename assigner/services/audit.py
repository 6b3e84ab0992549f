"""Use cases: verify the audit trail (its hash chain, and every turn against the rules); one declaration's history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from assigner.domain.audit_chain import GENESIS, entry_hash
from assigner.domain.audit_replay import RotationReplay
from assigner.domain.model import declaration_key
from assigner.services.ports import UnitOfWork


@dataclass(frozen=True)
class Verification:
    """What `audit verify` found: how many entries and turns held, the chain's head, or the first that does not."""

    entries: int
    turns: int
    head: str
    failed_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """Whether every entry holds."""
        return self.problem is None


def verify_audit(uow: UnitOfWork) -> Verification:
    """Walk the chain from its start: each hash, each link, and each turn re-derived from the rotation rules."""
    replay = RotationReplay()
    prev, count, turns = GENESIS, 0, 0
    with uow:
        for entry in uow.audit.entries():
            count += 1
            problem = _chain_problem(entry, count, prev)
            if problem is None:
                problem = replay.apply(entry)
                if problem is not None:
                    problem = f"does not follow the rotation rules: {problem}"
            if problem is not None:
                return Verification(count - 1, turns, prev, entry["seq"], problem)
            turns += "turn" in (entry.get("details") or {})
            prev = entry["hash"]
    return Verification(count, turns, prev)


def declaration_history(uow: UnitOfWork, declaration_number: str) -> list[dict[str, Any]]:
    """Every audit entry about one declaration (any amendment), oldest first."""
    with uow:
        return list(uow.audit.entries(declaration_key(declaration_number)))


def _chain_problem(entry: dict[str, Any], expected_seq: int, prev: str) -> str | None:
    if entry["seq"] != expected_seq:
        return f"entry {expected_seq} is missing (deleted?)"
    if entry["prev_hash"] != prev:
        return "does not link to the entry before it (an entry was deleted, inserted or rewritten)"
    if entry_hash(prev, entry) != entry["hash"]:
        return "its content does not match its hash (the entry was edited)"
    return None
