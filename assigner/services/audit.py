"""Use cases: verify the audit trail (its seals and hash chains, and every turn against the rules); one
declaration's history."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from assigner.domain.audit_chain import GENESIS, head_problem
from assigner.domain.audit_replay import RotationReplay
from assigner.domain.audit_seals import SealedBatch, Unsealed, in_seal_order
from assigner.domain.errors import InvalidInput
from assigner.domain.model import declaration_key
from assigner.services.audit_walk import Failed, Verification, Walk, close_seal, open_seal, take_entry, under_no_seal
from assigner.services.ports import UnitOfWork


def verify_audit(uow: UnitOfWork, since: str | None = None) -> Verification:
    """Walk the log in chain order: each seal, each hash, each link; and, from the start, each turn re-derived
    from the rotation rules. With `since` (a head printed before), only what was sealed after it, chained to
    it; its turns are re-derived by a full verify. Either way, every entry must be under a seal. All of it
    is read in one snapshot: what commits meanwhile is for the next verify."""
    with uow:
        uow.audit.read_one_snapshot()
        walk = Walk(RotationReplay()) if since is None else Walk(None, since)
        try:
            for item in _in_chain_order(uow, walk, since):
                _check(walk, item)
            if since is not None:  # the entries before the head are not read: their batches are asked for
                unsealed = uow.audit.first_unsealed()
                if unsealed is not None:
                    raise Failed(walk.entries + 1, under_no_seal(unsealed["batch"], unsealed["seq"]))
        except Failed as failed:
            return walk.verification(since, failed)
    return walk.verification(since)


def declaration_history(uow: UnitOfWork, declaration_number: str) -> list[dict[str, Any]]:
    """Every audit entry about one declaration (any amendment), oldest first."""
    with uow:
        return uow.audit.entries(declaration_key(declaration_number))


def _in_chain_order(uow: UnitOfWork, walk: Walk, since: str | None) -> Iterator[SealedBatch | Unsealed]:
    if since is None:
        return in_seal_order(uow.audit.seals(), uow.audit.batches())
    walk.seal = anchor(uow, since)
    return sealed_after(uow, walk.seal)


def sealed_after(uow: UnitOfWork, seal: int) -> Iterator[SealedBatch | Unsealed]:
    """Each seal numbered after `seal` with its batch, in seal order; then an Unsealed for the first entries of
    the batches read (from the first of those seals' batches on) that no seal took."""
    first = uow.audit.first_batch_after(seal)
    if first is None:
        return iter(())
    return in_seal_order(uow.audit.seals(seal), uow.audit.batches(first), uow.audit.sealed_up_to(seal, first))


def anchor(uow: UnitOfWork, head: str) -> int:
    """The number of the seal that `head` names, each seal that stores it re-derived from its content and the
    seal before it: one that does not (an edited seal, or a hash overwritten with the head) fails (Failed,
    at_head); InvalidInput when no seal has it."""
    claimed = uow.audit.seals_with_hash(head)
    if not claimed:
        raise InvalidInput(f"no seal of this audit log has the head {head}")
    for seal in claimed:
        number = int(seal["seq"])
        before = GENESIS if number == 1 else (uow.audit.seal_at(number - 1) or {}).get("hash")
        problem = head_problem(seal, before, head)
        if problem is not None:
            raise Failed(uow.audit.entries_up_to(number), problem, at_head=True)
    if len(claimed) > 1:  # each re-derived to the head: only a hash collision could do it
        raise Failed(uow.audit.entries_up_to(int(claimed[-1]["seq"])), "several seals hash to the head", True)
    return int(claimed[0]["seq"])


def _check(walk: Walk, item: SealedBatch | Unsealed) -> None:
    if isinstance(item, Unsealed):
        raise Failed(walk.entries + 1, under_no_seal(item.batch, item.seq))
    open_seal(walk, item.seal)
    for entry in item.entries:
        take_entry(walk, entry)
    close_seal(walk)
