"""Builds the Celery app from a runtime: the broker of its settings, the pool, the declaration bootstep."""

from __future__ import annotations

import uuid

from celery import Celery
from kombu.entity import Queue

from assigner.bootstrap import Runtime
from assigner.broker.connection import broker_url, is_embedded, transport_options
from assigner.broker.topology import private_queue
from assigner.settings import Settings
from workers.nodes import NodeNameStep
from workers.step import DeclarationStep

TASK_QUEUE = "assigner.tasks"


def task_queue(settings: Settings) -> Queue:
    """Celery's own queue, which the work never uses but Celery consumes. On RabbitMQ it is exclusive to the
    worker's connection and named for the process: it lives on whichever node the worker is connected to, so
    no node of a cluster is its home (a durable classic queue whose home node died cannot be declared again,
    and a worker that cannot declare it stops)."""
    if is_embedded(settings):
        return Queue(TASK_QUEUE)
    return private_queue(f"{TASK_QUEUE}.{uuid.uuid4().hex}")


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
        task_queues=[tasks := task_queue(settings)],
        task_default_queue=tasks.name,
        task_default_exchange=TASK_QUEUE,  # one for every process, as before (not one per queue name)
        # A channel error while the consumer starts (a queue redeclared on a node that has not yet dropped the
        # old connection's) is retried like a lost connection, not fatal.
        broker_channel_error_retry=True,
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
