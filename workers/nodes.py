"""Worker node names: unique per process by default; a name another running worker holds is refused.

A worker holds its name on RabbitMQ as a queue, `assigner.node.<name>`, exclusive to Celery's connection: the
broker drops it when that connection closes (the worker stopped or died), and refuses it to any other
connection meanwhile. Celery's own remote-control queue (`<name>.celery.pidbox`) once served the same end;
remote control is off (workers/factory.py), so that queue no longer exists.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from typing import Any

from celery import bootsteps
from kombu.connection import Connection
from kombu.entity import Queue
from kombu.exceptions import OperationalError

from assigner.broker.connection import BrokerRefused, BrokerUnreachable, connect, is_embedded, reach
from assigner.broker.topology import private_queue
from assigner.domain.errors import InvalidInput
from assigner.settings import Settings

NODE_QUEUE_PREFIX = "assigner.node."
NOT_FOUND = 404
RESOURCE_LOCKED = 405  # the queue is exclusive to another connection
HOLD_AGAIN_SECONDS = 60.0  # far longer than a cluster takes to drop a lost connection's exclusive queues
HOLD_AGAIN_POLL_SECONDS = 0.5


def default_node_name() -> str:
    """assigner-PID@HOST: several workers on one host never collide."""
    return f"assigner-{os.getpid()}@{socket.gethostname()}"


def node_queue(name: str) -> Queue:
    """The queue a running worker named `name` holds: exclusive, dropped with its connection, never holding a
    message."""
    return private_queue(f"{NODE_QUEUE_PREFIX}{name}")


def check_node_name(settings: Settings, name: str) -> None:
    """Refuse a name a running worker holds on RabbitMQ, and a broker refusing the login or the vhost (waiting
    would not mend them); an unreachable broker is left to the worker's retries."""
    if is_embedded(settings):
        return  # the embedded broker has no exclusive queues: names never collide there
    try:
        with connect(settings) as connection:
            reach(connection, settings)
            refuse_taken_name(connection, name)
    except BrokerRefused:
        raise
    except (BrokerUnreachable, OperationalError, OSError):
        return


def refuse_taken_name(connection: Connection, name: str) -> None:
    """Raise InvalidInput if a running worker holds `name` on this broker."""
    channel = connection.channel()
    try:
        node_queue(name)(channel).queue_declare(passive=True)
    except connection.channel_errors as error:
        if getattr(error, "code", None) == NOT_FOUND:
            return  # nobody holds the name
        # RESOURCE_LOCKED: the queue is exclusive to another worker's connection
    finally:
        _close(connection, channel)
    raise _taken(name)


def hold_node_name(connection: Connection, name: str) -> None:
    """Declare the node's queue on `connection`, held until it closes; InvalidInput if another worker holds it
    (two workers started at once with one name, both past check_node_name)."""
    channel = connection.channel()
    try:
        node_queue(name)(channel).declare()
    except connection.channel_errors as error:
        if getattr(error, "code", None) == RESOURCE_LOCKED:
            raise _taken(name) from error
        raise
    finally:
        _close(connection, channel)


def hold_node_name_again(
    connection: Connection,
    name: str,
    patience: float = HOLD_AGAIN_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """After a reconnect: hold the name again, waiting while the broker still gives it to the lost connection.
    A connection to a RabbitMQ node that died (or was cut off) holds its exclusive queue until the cluster has
    noticed; the worker's new connection, on another node, is refused it meanwhile. Only a name still taken
    after `patience` seconds is another worker's."""
    deadline = time.monotonic() + patience
    while True:
        try:
            hold_node_name(connection, name)
            return
        except InvalidInput:
            if time.monotonic() >= deadline:
                raise
        sleep(HOLD_AGAIN_POLL_SECONDS)


class NodeNameStep(bootsteps.StartStopStep):  # type: ignore[misc]
    """A step of Celery's consumer: holds the node's queue on Celery's connection, again after each reconnect
    (the same step starts again on each)."""

    requires = ("celery.worker.consumer.connection:Connection",)

    def __init__(self, parent: Any, **kwargs: Any) -> None:
        super().__init__(parent, **kwargs)
        self.held = False

    def start(self, parent: Any) -> None:
        if parent.connection.transport.driver_type != "amqp":  # the embedded broker has no exclusive queues
            return
        if self.held:
            hold_node_name_again(parent.connection, parent.hostname)
        else:
            hold_node_name(parent.connection, parent.hostname)
            self.held = True


def _taken(name: str) -> InvalidInput:
    return InvalidInput(
        f"a worker named '{name}' is already running on this broker: give each worker its own "
        "--hostname (-n), or leave it out for assigner-PID@HOST"
    )


def _close(connection: Connection, channel: Any) -> None:
    try:
        channel.close()
    except connection.channel_errors + connection.connection_errors:  # closed by the broker already
        pass
