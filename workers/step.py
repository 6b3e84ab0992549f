"""The worker bootstep that runs the declaration consumer beside Celery's own consumer."""

from __future__ import annotations

import threading
from typing import Any

from celery import bootsteps
from celery.signals import worker_shutting_down

from assigner import logging as assigner_logging
from assigner.bootstrap import Runtime
from workers.consumer import DeclarationConsumer

STOP_TIMEOUT_SECONDS = 120


class DeclarationStep(bootsteps.StartStopStep):  # type: ignore[misc]
    """Starts the consumer thread with the worker; on shutdown, lets it finish its batch, then joins it."""

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self, parent: Any) -> None:
        runtime = Runtime().ready()
        assigner_logging.configure(runtime.settings.log_format)
        consumer = DeclarationConsumer(runtime, self.stopping)
        worker_shutting_down.connect(self._shutting_down, weak=False)
        self.thread = threading.Thread(target=consumer.run, name="assigner-declarations", daemon=True)
        self.thread.start()

    def _shutting_down(self, **_: Any) -> None:
        # Sent from the SIGTERM/SIGINT handler: Celery's event loop may notice the request only up to
        # 10 s later (its poll timeout), and the consumer would take new batches until then.
        self.stopping.set()

    def stop(self, parent: Any) -> None:
        worker_shutting_down.disconnect(self._shutting_down)
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(STOP_TIMEOUT_SECONDS)

    def shutdown(self, parent: Any) -> None:
        self.stop(parent)
