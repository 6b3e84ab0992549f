"""A bare Celery app for `assigner bench compare`: one task that does nothing, acknowledged late.

`celery -A assigner.devtools.bench.baselines.noop_app worker` with NOOP_BROKER_URL set; no result backend. Each pool
process appends the time it finished a task (8 bytes) to NOOP_STAMPS_FILE, which is how `celery_noop.py` knows
the last one without asking the broker.
"""

from __future__ import annotations

import os
import struct
import time
from typing import Any

from celery import Celery
from celery.signals import task_postrun

BROKER_ENV = "NOOP_BROKER_URL"
STAMPS_ENV = "NOOP_STAMPS_FILE"
STAMP = struct.Struct("d")  # time.time() of one finished task

app = Celery("bench-noop", broker=os.environ.get(BROKER_ENV), set_as_current=False)
app.conf.task_acks_late = True


@app.task(name="bench.noop", shared=False)  # type: ignore[untyped-decorator]
def noop(body: str) -> None:
    """Do nothing: what is timed is Celery's own work around the call."""


_stamps: list[int] = []  # this pool process's file descriptor, opened after the fork


def _stamp(**_: Any) -> None:
    if not _stamps:
        _stamps.append(os.open(os.environ[STAMPS_ENV], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600))
    # One O_APPEND write of 8 bytes is atomic: the pool processes never interleave within a stamp.
    os.write(_stamps[0], STAMP.pack(time.time()))


if STAMPS_ENV in os.environ:  # only the worker a baseline starts; the process publishing the tasks stamps nothing
    task_postrun.connect(_stamp, sender=noop)
