"""Use cases: verify the audit trail (its seals and hash chains, and every turn against the rules); one
declaration's history."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from assigner.domain.audit_chain import GENESIS, entry_hash, head_problem, seal_hash
from assigner.domain.audit_replay import RotationReplay
from assigner.domain.audit_seals import SealedBatch, Unsealed, in_seal_order
from assigner.domain.errors import InvalidInput
from assigner.domain.model import declaration_key
from assigner.services.ports import UnitOfWork


@dataclass(frozen=True)
class Verification:
    """What `audit verify` found: how many entries and turns held, the chain's head, or the first entry
    (by its place in the log, from 1, or after the `since` head) that does not; when the `since` head's own
    seal fails (`at_head`), the place in the log of the last entry it seals."""

    entries: int
    turns: int
    head: str
    failed_seq: int | None = None
    problem: str | None = None
    since: str | None = None
    at_head: bool = False

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
    def __init__(self, at: int, problem: str, at_head: bool = False) -> None:
        super().__init__(problem)
        self.at, self.problem, self.at_head = at, problem, at_head


def verify_audit(uow: UnitOfWork, since: str | None = None) -> Verification:
    """Walk the log in chain order: each seal, each hash, each link; and, from the start, each turn re-derived
    from the rotation rules. With `since` (a head printed before), only what was sealed after it, chained to
    it; its turns are re-derived by a full verify. Either way, every entry must be under a seal. All of it
    is read in one snapshot: what commits meanwhile is for the next verify."""
    with uow:
        uow.audit.read_one_snapshot()
        walk = _Walk(RotationReplay()) if since is None else _Walk(None, since)
        try:
            for item in _in_chain_order(uow, walk, since):
                _check(walk, item)
            if since is not None:  # the entries before the head are not read: their batches are asked for
                unsealed = uow.audit.first_unsealed()
                if unsealed is not None:
                    raise _Failed(walk.entries + 1, _under_no_seal(unsealed["batch"], unsealed["seq"]))
        except _Failed as failed:
            return Verification(walk.entries, walk.turns, walk.head, failed.at, failed.problem, since, failed.at_head)
    return Verification(walk.entries, walk.turns, walk.head, since=since)


def declaration_history(uow: UnitOfWork, declaration_number: str) -> list[dict[str, Any]]:
    """Every audit entry about one declaration (any amendment), oldest first."""
    with uow:
        return uow.audit.entries(declaration_key(declaration_number))


def _in_chain_order(uow: UnitOfWork, walk: _Walk, since: str | None) -> Iterator[SealedBatch | Unsealed]:
    if since is None:
        return in_seal_order(uow.audit.seals(), uow.audit.batches())
    walk.seal = _anchor(uow, since)
    first = uow.audit.first_batch_after(walk.seal)
    if first is None:
        return iter(())
    return in_seal_order(uow.audit.seals(walk.seal), uow.audit.batches(first), uow.audit.sealed_up_to(walk.seal, first))


def _anchor(uow: UnitOfWork, head: str) -> int:
    """The number of the seal that `head` names, each seal that stores it re-derived from its content and the
    seal before it: one that does not (an edited seal, or a hash overwritten with the head) fails."""
    claimed = uow.audit.seals_with_hash(head)
    if not claimed:
        raise InvalidInput(f"no seal of this audit log has the head {head}")
    for seal in claimed:
        number = int(seal["seq"])
        before = GENESIS if number == 1 else (uow.audit.seal_at(number - 1) or {}).get("hash")
        problem = head_problem(seal, before, head)
        if problem is not None:
            raise _Failed(uow.audit.entries_up_to(number), problem, at_head=True)
    if len(claimed) > 1:  # each re-derived to the head: only a hash collision could do it
        raise _Failed(uow.audit.entries_up_to(int(claimed[-1]["seq"])), "several seals hash to the head", True)
    return int(claimed[0]["seq"])


def _under_no_seal(batch: int, seq: int | None) -> str:
    if seq is None:
        return f"entries of batch {batch} are under no seal (inserted?)"
    return f"entry {seq} of batch {batch} is under no seal (inserted?)"


def _check(walk: _Walk, item: SealedBatch | Unsealed) -> None:
    if isinstance(item, Unsealed):
        raise _Failed(walk.entries + 1, _under_no_seal(item.batch, item.seq))
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
