"""What tells an operator the pipeline is alive: consumers' beats, and the checks made of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class Beat:
    """A consumer's latest sign of life."""

    consumer: str
    queue: str
    started_at: datetime
    seen_at: datetime
    last_message_at: datetime | None
    messages: int
    stopped_at: datetime | None = None  # it stopped cleanly then: no longer a live consumer


@dataclass(frozen=True)
class Check:
    """One health check's outcome: `ok` False makes the whole check fail; `warning` is said, not failed."""

    name: str
    ok: bool
    detail: str
    value: float | int | None = None
    warning: bool = False

    @property
    def status(self) -> str:
        """ok, warn or fail."""
        if not self.ok:
            return "fail"
        return "warn" if self.warning else "ok"


@dataclass(frozen=True)
class Limits:
    """When a check fails: a consumer silent too long, work waiting too long, too many dead letters."""

    max_silence: float = 10.0  # seconds since a declarations consumer was last seen (it beats every 2 s)
    max_age: float = 300.0  # seconds since the last message processed, while messages wait
    max_dead_letters: int | None = None  # None: dead letters are a warning, never a failure


def dead_letter_check(name: str, count: int, limits: Limits) -> Check:
    """Dead letters waiting are a warning; above `max_dead_letters`, a failure."""
    too_many = limits.max_dead_letters is not None and count > limits.max_dead_letters
    detail = f"{count:,} dead letters" + (" (read their x-assigner-error header)" if count else "")
    return Check(name, not too_many, detail, count, warning=count > 0)


def consumer_checks(consumers: list[Beat], waiting: int | None, now: datetime, limits: Limits) -> list[Check]:
    """The worker check and the last-message check, from the declarations consumers' beats and the messages
    waiting on their queue (None: unknown)."""
    # Live: seen within the limit and not stopped; each process's consumer is one row (host:pid:queue).
    alive = [
        beat
        for beat in consumers
        if beat.stopped_at is None and (now - beat.seen_at).total_seconds() <= limits.max_silence
    ]
    if alive:
        seen = min((now - beat.seen_at).total_seconds() for beat in alive)
        worker = Check(
            "worker", True, f"{len(alive)} declarations consumer(s) alive, last seen {seen:.0f} s ago", len(alive)
        )
    elif any(beat.stopped_at is None for beat in consumers):
        silent = min((now - beat.seen_at).total_seconds() for beat in consumers if beat.stopped_at is None)
        stopped = sum(1 for beat in consumers if beat.stopped_at is not None)
        worker = Check(
            "worker",
            False,
            f"no declarations consumer seen for {silent:.0f} s (limit {limits.max_silence:.0f} s)"
            + (f"; {stopped} stopped cleanly" if stopped else ""),
            0,
        )
    elif consumers:
        latest = max(beat.seen_at for beat in consumers)
        worker = Check(
            "worker",
            False,
            f"every declarations consumer has stopped (the last {(now - latest).total_seconds():.0f} s ago)",
            0,
        )
    else:
        worker = Check("worker", False, "no worker has ever run on this database", 0)
    processed = [beat.last_message_at for beat in consumers if beat.last_message_at is not None]
    queue = "queue depth unknown" if waiting is None else f"{waiting:,} waiting"
    if not processed:
        return [worker, Check("last message", not waiting, f"none processed yet; {queue}")]
    age = (now - max(processed)).total_seconds()
    stalled = bool(waiting) and age > limits.max_age
    detail = f"processed {age:.0f} s ago; {queue}" + (f": stalled (limit {limits.max_age:.0f} s)" if stalled else "")
    return [worker, Check("last message", not stalled, detail, round(age, 1))]


# A day's key not revealed this long after its day ended fails the check (the worker reveals it 5 minutes after).
REVEAL_LATE = timedelta(hours=1)


def draw_key_check(keys: list[dict[str, Any]], now: datetime) -> Check | None:
    """Whether the keys of the units that draw their order are revealed when due (auditors re-derive each day's
    draws with its key). None while no key was ever made (no unit has drawn)."""
    if not keys:
        return None
    late = [k for k in keys if k["key"] is None and datetime.fromisoformat(k["ends_at"]) + REVEAL_LATE <= now]
    if late:
        days = ", ".join(sorted(k["day"] for k in late))
        return Check(
            "draw keys",
            False,
            f"not revealed though their day is over: {days} (no worker running? `assigner audit keys --reveal`)",
            len(late),
        )
    revealed = sum(1 for k in keys if k["key"] is not None)
    return Check(
        "draw keys", True, f"{revealed:,} days revealed, {len(keys) - revealed:,} to reveal after their day", 0
    )
