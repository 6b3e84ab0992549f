"""The audit log in chain order: seals in their order, each with its batch of entries.

Entries are read in batch-number order and seals in seal order; the two differ only where transactions
overlapped (a batch numbered earlier may commit later), so the batches waiting for their seal are few.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Entry = Mapping[str, Any]


@dataclass(frozen=True)
class SealedBatch:
    """A seal and the entries stored under its batch number (none if they were all deleted)."""

    seal: Entry
    entries: Sequence[Entry]


@dataclass(frozen=True)
class Unsealed:
    """Entries no seal covers (inserted afterwards): the first such batch number, and its first entry's number
    in it (None if unknown)."""

    batch: int
    seq: int | None = None


def in_seal_order(
    seals: Iterable[Entry], batches: Iterable[tuple[int, Sequence[Entry]]], sealed_before: frozenset[int] = frozenset()
) -> Iterator[SealedBatch | Unsealed]:
    """Each seal with its batch, in seal order; then an Unsealed for entries no seal took, if any.

    `batches` come in ascending batch number; those in `sealed_before` belong to seals not read (the part
    of the log before a `--since` head) and are passed over.
    """
    waiting: dict[int, Sequence[Entry]] = {}
    source = iter(batches)
    read_up_to = -1
    for seal in seals:
        number = int(seal["batch"])
        while read_up_to < number:
            found = next(source, None)
            if found is None:
                read_up_to = number
                break
            read_up_to = found[0]
            if found[0] not in sealed_before:
                waiting[found[0]] = found[1]
        yield SealedBatch(seal, waiting.pop(number, []))
    for number, entries in source:
        if number not in sealed_before:
            waiting.setdefault(number, entries)
    if waiting:
        first = min(waiting)
        entries = waiting[first]
        yield Unsealed(first, int(entries[0]["seq"]) if entries else None)
