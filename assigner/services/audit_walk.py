"""Walking the audit log in chain order, seal by seal, entry by entry: the one check that both the database's
log and an exported file go through (`audit verify`, `audit verify --file`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from assigner.domain.audit_chain import GENESIS, entry_hash, seal_hash
from assigner.domain.audit_replay import RotationReplay


@dataclass(frozen=True)
class Verification:
    """What a verify found: how many entries and turns held, the chain's head, or the first entry (by its
    place in the log, from 1, or after the `since` head) that does not; when the `since` head's own seal
    fails (`at_head`), the place in the log of the last entry it seals."""

    entries: int
    turns: int
    head: str
    failed_seq: int | None = None
    problem: str | None = None
    since: str | None = None
    at_head: bool = False
    awaiting: dict[str, int] | None = None  # drawn turns whose day's key is not revealed yet, by day

    @property
    def ok(self) -> bool:
        """Whether every entry holds."""
        return self.problem is None


@dataclass
class Walk:
    """Where a walk is: the head and seal number reached, what held so far, the seal whose entries are read."""

    replay: RotationReplay | None
    head: str = GENESIS
    seal: int = 0
    entries: int = 0
    turns: int = 0
    open: Mapping[str, Any] | None = None  # the seal whose batch is being read
    read: int = 0  # its entries read so far
    prev: str = GENESIS  # the last of them's hash

    def verification(self, since: str | None, failed: Failed | None = None) -> Verification:
        """What the walk found: all held, or where it failed."""
        if failed is None:
            awaiting = self.replay.awaiting() if self.replay is not None else None
            return Verification(self.entries, self.turns, self.head, since=since, awaiting=awaiting)
        return Verification(self.entries, self.turns, self.head, failed.at, failed.problem, since, failed.at_head)


class Failed(Exception):
    """The first thing that does not hold: the entry's place in the log, and why."""

    def __init__(self, at: int, problem: str, at_head: bool = False) -> None:
        super().__init__(problem)
        self.at, self.problem, self.at_head = at, problem, at_head


def open_seal(walk: Walk, seal: Mapping[str, Any]) -> None:
    """A seal, next in the chain: its number, its link to the seal before it and its hash hold; its batch's
    entries come next."""
    at = walk.entries + 1
    if seal["seq"] != walk.seal + 1:
        raise Failed(at, f"seal {walk.seal + 1} is missing (deleted?)")
    if seal["prev_hash"] != walk.head:
        raise Failed(at, f"seal {seal['seq']} does not link to the seal before it (a seal was deleted or rewritten)")
    if seal_hash(walk.head, seal) != seal["hash"]:
        raise Failed(at, f"seal {seal['seq']}'s content does not match its hash (the seal was edited)")
    walk.open, walk.read, walk.prev = seal, 0, GENESIS
    if walk.replay is not None:
        walk.replay.seal(seal["seq"], seal["hash"])


def take_entry(walk: Walk, entry: Mapping[str, Any]) -> None:
    """The open seal's next entry: its place, its link and its hash hold; from the start, its turn is the one
    the rotation rules give."""
    at, walk.read = walk.entries + 1, walk.read + 1
    problem = _entry_problem(entry, walk.read, walk.prev)
    if problem is None and walk.replay is not None:
        rule = walk.replay.check(entry)
        problem = f"does not follow the rotation rules: {rule}" if rule else None
    if problem is not None:
        raise Failed(at, problem)
    walk.entries += 1
    walk.turns += "turn" in (entry.get("details") or {})
    walk.prev = entry["hash"]


def close_seal(walk: Walk) -> None:
    """The open seal's batch is read: as many entries as it says, ending with the hash it says."""
    seal = walk.open
    if seal is None:
        return
    if walk.read != seal["entries"]:
        raise Failed(walk.entries + 1, f"entry {walk.entries + 1} is missing (deleted?)")
    if walk.prev != seal["last_hash"]:
        raise Failed(walk.entries, "its batch does not end as its seal says (an entry was rewritten)")
    walk.head, walk.seal, walk.open = seal["hash"], seal["seq"], None


def under_no_seal(batch: int, seq: int | None) -> str:
    """Why entries no seal has fail."""
    if seq is None:
        return f"entries of batch {batch} are under no seal (inserted?)"
    return f"entry {seq} of batch {batch} is under no seal (inserted?)"


def _entry_problem(entry: Mapping[str, Any], expected_seq: int, prev: str) -> str | None:
    if entry["seq"] != expected_seq:
        return f"entry {expected_seq} of its batch is missing (deleted?)"
    if entry["prev_hash"] != prev:
        return "does not link to the entry before it (an entry was deleted, inserted or rewritten)"
    if entry_hash(prev, entry) != entry["hash"]:
        return "its content does not match its hash (the entry was edited)"
    return None
