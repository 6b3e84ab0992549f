"""What tells an operator the pipeline is alive: consumers' beats, and the checks made of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


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
