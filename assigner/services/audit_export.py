"""Use cases: write the audit trail as an export anyone can check (docs/audit-format.md); check one."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from assigner.domain.audit_export import Unreadable, entry_line, header_line, read_header, read_line, seal_line
from assigner.domain.audit_replay import RotationReplay
from assigner.domain.audit_seals import SealedBatch
from assigner.domain.errors import InvalidInput
from assigner.domain.untrusted import safe_text
from assigner.services.audit import anchor, sealed_after
from assigner.services.audit_walk import Failed, Verification, Walk, close_seal, open_seal, take_entry, under_no_seal
from assigner.services.ports import Clock, UnitOfWork

# Characters of a verdict shown (it may quote what a file says: made safe, cut).
SHOWN = 1000


def export_audit(uow: UnitOfWork, clock: Clock, since: str | None = None) -> Iterator[str]:
    """The export's lines, in one snapshot of the log: the header; each seal in chain order (after the seal
    whose hash is `since`, if given), each followed by its batch's entries; then every entry no seal has.
    Nothing is checked here: a log that does not hold is exported as it is, for the verifiers to refuse."""
    with uow:
        uow.audit.read_one_snapshot()
        after = _start(uow, since) if since is not None else 0
        yield header_line(clock(), since, after)
        for item in sealed_after(uow, after):
            if isinstance(item, SealedBatch):  # those under no seal follow, all of them
                yield seal_line(item.seal)
                yield from (entry_line(entry) for entry in item.entries)
        yield from (entry_line(entry) for entry in uow.audit.unsealed())


def verify_export(lines: Iterable[bytes], since: str | None = None) -> Verification:
    """Check an export as `audit verify` checks the log, in the file's order: each seal next in the chain and
    followed by its batch's entries, every hash, every link; from the start, every turn re-derived. With
    `since` (a head kept elsewhere), the export must start after it or pass through it."""
    numbered = enumerate(lines, start=1)
    try:
        header = read_header(1, next(numbered, (1, b""))[1])
    except Unreadable as error:
        raise InvalidInput(safe_text(f"not an audit export: {error}", SHOWN)) from None
    start = header.since or None
    walk = Walk(RotationReplay()) if start is None else Walk(None, start, header.since_seal)
    passed = since is None or since == start
    try:
        for number, raw in numbered:
            passed = _take(walk, number, raw) == since or passed
        passed = _close(walk) == since or passed
        if not passed:
            raise Failed(walk.entries + 1, f"head {since} is not in this export (it starts at {start or 'nothing'})")
    except Failed as failed:
        return walk.verification(start, failed)
    return walk.verification(start)


def _take(walk: Walk, number: int, raw: bytes) -> str | None:
    """Read one line into the walk; the head reached when it closed a seal, else None."""
    try:
        line = read_line(number, raw)
    except Unreadable as error:
        raise Failed(walk.entries + 1, str(error)) from None
    fields = line.fields
    if line.kind == "seal":
        head = _close(walk)
        open_seal(walk, fields)
        return head
    if walk.open is None or fields["batch"] != walk.open["batch"]:
        _close(walk)
        raise Failed(walk.entries + 1, under_no_seal(fields["batch"], fields["seq"]))
    take_entry(walk, fields)
    return None


def _close(walk: Walk) -> str | None:
    if walk.open is None:
        return None
    close_seal(walk)
    return walk.head


def _start(uow: UnitOfWork, head: str) -> int:
    """The number of the seal `head` names, checked as `audit verify --since` checks it: an export never says
    it starts after a head its seal does not hash to."""
    try:
        return anchor(uow, head)
    except Failed as failed:
        raise InvalidInput(f"head {head} cannot start an export: {failed.problem}") from None
