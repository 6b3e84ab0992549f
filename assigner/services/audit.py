"""Use cases: verify the audit trail (its seals and hash chains, and every turn against the rules); one
declaration's history."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from assigner.domain.audit_chain import GENESIS, entry_hash, seal_hash
from assigner.domain.audit_replay import RotationReplay
from assigner.domain.audit_seals import SealedBatch, Unsealed, in_seal_order
from assigner.domain.errors import InvalidInput
from assigner.domain.model import declaration_key
from assigner.services.ports import UnitOfWork


@dataclass(frozen=True)
class Verification:
    """What `audit verify` found: how many entries and turns held, the chain's head, or the first entry
    (by its place in the log, from 1, or after the `since` head) that does not."""

    entries: int
    turns: int
    head: str
    failed_seq: int | None = None
    problem: str | None = None
    since: str | None = None

    @property
    def ok(self) -> bool:
        """Whether every entry holds."""
        return self.problem is None


@dataclass
class _Walk:
    replay: RotationReplay | None
    head: str = GENESIS
    seal: int = 0
    entries: int = 0
    turns: int = 0


class _Failed(Exception):
    def __init__(self, at: int, problem: str) -> None:
        super().__init__(problem)
        self.at, self.problem = at, problem


def verify_audit(uow: UnitOfWork, since: str | None = None) -> Verification:
    """Walk the log in chain order: each seal, each hash, each link; and, from the start, each turn re-derived
    from the rotation rules. With `since` (a head printed before), only what was sealed after it, chained to
    it; its turns are re-derived by a full verify."""
    with uow:
        walk, seals, batches, sealed_before = _start(uow, since)
        try:
            for item in in_seal_order(seals, batches, sealed_before):
                _check(walk, item)
        except _Failed as failed:
            return Verification(walk.entries, walk.turns, walk.head, failed.at, failed.problem, since)
    return Verification(walk.entries, walk.turns, walk.head, since=since)


def declaration_history(uow: UnitOfWork, declaration_number: str) -> list[dict[str, Any]]:
    """Every audit entry about one declaration (any amendment), oldest first."""
    with uow:
        return uow.audit.entries(declaration_key(declaration_number))


def _start(uow: UnitOfWork, since: str | None) -> tuple[_Walk, Iterator[dict[str, Any]],
                                                         Iterator[tuple[int, list[dict[str, Any]]]], frozenset[int]]:
    if since is None:
        return _Walk(RotationReplay()), uow.audit.seals(), uow.audit.batches(), frozenset()
    anchor = uow.audit.seal_with_hash(since)
    if anchor is None:
        raise InvalidInput(f"no seal of this audit log has the head {since}")
    walk = _Walk(None, since, anchor["seq"])
    first = uow.audit.first_batch_after(anchor["seq"])
    if first is None:
        return walk, iter(()), iter(()), frozenset()
    return walk, uow.audit.seals(anchor["seq"]), uow.audit.batches(first), uow.audit.sealed_up_to(anchor["seq"], first)


def _check(walk: _Walk, item: SealedBatch | Unsealed) -> None:
    if isinstance(item, Unsealed):
        raise _Failed(walk.entries + 1, f"entries of batch {item.batch} are under no seal (inserted?)")
    seal, entries = item.seal, item.entries
    _check_seal(walk, seal)
    prev = GENESIS
    for index, entry in enumerate(entries, start=1):
        at = walk.entries + 1
        problem = _entry_problem(entry, index, prev)
        if problem is None and walk.replay is not None:
            rule = walk.replay.apply(entry)
            problem = f"does not follow the rotation rules: {rule}" if rule else None
        if problem is not None:
            raise _Failed(at, problem)
        walk.entries += 1
        walk.turns += "turn" in (entry.get("details") or {})
        prev = entry["hash"]
    if len(entries) != seal["entries"]:
        raise _Failed(walk.entries + 1, f"entry {walk.entries + 1} is missing (deleted?)")
    if prev != seal["last_hash"]:
        raise _Failed(walk.entries, "its batch does not end as its seal says (an entry was rewritten)")
    walk.head, walk.seal = seal["hash"], seal["seq"]


def _check_seal(walk: _Walk, seal: Mapping[str, Any]) -> None:
    at = walk.entries + 1
    if seal["seq"] != walk.seal + 1:
        raise _Failed(at, f"seal {walk.seal + 1} is missing (deleted?)")
    if seal["prev_hash"] != walk.head:
        raise _Failed(at, f"seal {seal['seq']} does not link to the seal before it (a seal was deleted or rewritten)")
    if seal_hash(walk.head, seal) != seal["hash"]:
        raise _Failed(at, f"seal {seal['seq']}'s content does not match its hash (the seal was edited)")


def _entry_problem(entry: Mapping[str, Any], expected_seq: int, prev: str) -> str | None:
    if entry["seq"] != expected_seq:
        return f"entry {expected_seq} of its batch is missing (deleted?)"
    if entry["prev_hash"] != prev:
        return "does not link to the entry before it (an entry was deleted, inserted or rewritten)"
    if entry_hash(prev, entry) != entry["hash"]:
        return "its content does not match its hash (the entry was edited)"
    return None
