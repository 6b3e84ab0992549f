"""What every delivered batch and message goes through: its log context, and the batch's timer.

While a batch is handled, every log line carries its queue and size; while one message is on its own (a
command, a dead letter), its delivery tag and what it is (declaration number and unit, or command id) as
well, whoever logs. A batch's decision lines name their delivery tag as a field instead: a context per line
cost 2 % of a batch. The context is cleared after, whatever happened, so nothing leaks into the next.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from kombu.message import Message
from structlog.contextvars import bind_contextvars, bound_contextvars, clear_contextvars

from workers import metrics


@contextmanager
def batch_envelope(queue: str, batch: Sequence[Message]) -> Iterator[None]:
    """Handle a batch inside this: its log context, and, once it was handled, its size and time observed."""
    clear_contextvars()
    bind_contextvars(queue=queue, batch_size=len(batch))
    started = time.perf_counter()
    try:
        yield
        metrics.observe_batch(queue, len(batch), time.perf_counter() - started, time.time())
    finally:
        clear_contextvars()


@contextmanager
def message_envelope(message: Message, **identity: str | None) -> Iterator[None]:
    """Log inside this what concerns one message: its delivery tag and identity join every line."""
    with bound_contextvars(delivery_tag=message.delivery_tag, **{k: v for k, v in identity.items() if v}):
        yield
