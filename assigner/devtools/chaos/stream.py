"""How long the chaos stream lasts: the planned declarations at least, then more of the same, part after
part, until the faults are over and work was seen after the last one; so every fault has work before,
during and after it however long the faults before it took to recover from."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from assigner.devtools.chaos.faults import RESUME_TIMEOUT_SECONDS
from assigner.devtools.chaos.plan import Plan, Planned, make_plan


@dataclass
class Tail:
    """Whether the stream goes on: until the faults are over and a decision was stored after the last one
    (or RESUME_TIMEOUT_SECONDS passed without one: then the run's checks say so)."""

    work_after: Callable[[float], float | None]  # when the first decision after a moment was stored, if one was
    clock: Callable[[], float] = time.time
    patience: float = RESUME_TIMEOUT_SECONDS
    faults_over_at: float | None = None  # time.time()
    resumed_after: float | None = None  # seconds from the end of the faults to the first decision after

    def faults_over(self) -> None:
        """The last fault is over (recovered from, or given up on)."""
        self.faults_over_at = self.clock()

    def goes_on(self) -> bool:
        """Whether to publish another part of the stream."""
        over = self.faults_over_at
        if over is None:
            return True
        try:
            seen = self.work_after(over)
        except Exception:  # the database is still coming back: no work seen yet
            seen = None
        if seen is not None:
            self.resumed_after = max(0.0, seen - over)
            return False
        return self.clock() - over < self.patience


@dataclass
class Stream:
    """The planned stream, then parts of `part` declarations each while `goes_on()`; only the upstream's
    thread calls `more`, and the parts join the plan (`whole`) once it is done."""

    planned: Plan
    seed: int
    part: int
    goes_on: Callable[[], bool]
    added: Plan = field(default_factory=Plan)

    def more(self) -> list[Planned]:
        """The next part's messages; none once the stream may end."""
        if not self.goes_on():
            return []
        # Each declaration has a key of its own (amendments share their original's), each poison a number.
        start = len(self.planned.expected) + len(self.added.expected)
        first_poison = len(self.planned.poison) + len(self.added.poison)
        part = make_plan(self.part, self.seed, start=start, first_poison=first_poison)
        self.added.extend(part)
        return part.messages

    def whole(self) -> Plan:
        """Every message published: the planned stream and the parts added to it."""
        whole = Plan()
        whole.extend(self.planned)
        whole.extend(self.added)
        return whole
