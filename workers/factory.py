"""Builds the Celery app from a runtime: the broker of its settings, the pool, the declaration bootstep."""

from __future__ import annotations

from celery import Celery

from assigner.bootstrap import Runtime
from assigner.broker.connection import broker_url, transport_options
from assigner.settings import Settings
from workers.nodes import NodeNameStep
from workers.step import DeclarationStep

TASK_QUEUE = "assigner.tasks"


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> Celery:
    """The Celery app: one process, the declaration consumer as a worker bootstep, run with `runtime`
    (by default the real parts of `settings`, read from the environment when not given)."""
    runtime = runtime or Runtime(settings or Settings())
    settings = runtime.settings
    app = Celery("assigner")
    options = transport_options(settings)
    if options:
        options["polling_interval"] = 1.0  # Celery's own queue is idle; the consumer polls its own
    app.conf.update(
        broker_url=broker_url(settings),
        broker_transport_options=options,
        broker_connection_retry_on_startup=True,
        # The work runs in the bootstep's thread, not in Celery's pool: one process is enough.
        worker_pool="solo",
        worker_concurrency=1,
        task_default_queue=TASK_QUEUE,
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,  # assigner logs its own structured lines
        accept_content=["json"],
        # No remote control: its pidbox queue would take Celery's commands (shutdown among them) from anyone
        # who may publish to the default exchange. A node's name is held by NodeNameStep's queue instead.
        worker_enable_remote_control=False,
    )
    DeclarationStep.attach(app, runtime)
    app.steps["consumer"].add(NodeNameStep)
    return app
