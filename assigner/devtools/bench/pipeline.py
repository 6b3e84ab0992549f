"""`assigner bench pipeline`: a worker process, declarations published while it consumes, every event back."""

from __future__ import annotations

import time

from kombu.entity import Queue

from assigner.broker.connection import connect
from assigner.broker.declaration_sender import publish_declarations
from assigner.devtools.demo.session import start_worker, stop_worker, wait_until_consuming, watch_events
from assigner.settings import Settings

START_SECONDS = 60
DRAIN_SECONDS = 600


def run(settings: Settings, bodies: list[bytes]) -> tuple[float, float]:
    """Start a worker, publish the bodies, wait for every event; (seconds publishing, seconds to the last event)."""
    with (settings.home / "worker.log").open("ab") as log:
        worker = start_worker(settings, log)
        try:
            wait_until_consuming(settings, worker, START_SECONDS)
            started = time.perf_counter()
            publish_declarations(settings, bodies)
            published = time.perf_counter() - started
            watch, _ = watch_events(settings, len(bodies), 0, worker, DRAIN_SECONDS, lambda seen: None)
            return published, watch.last_at - started
        finally:
            stop_worker(worker)
            _delete_events_queue(settings)


def _delete_events_queue(settings: Settings) -> None:
    with connect(settings) as connection:
        Queue(settings.events_queue, routing_key="#")(connection.default_channel).delete()
