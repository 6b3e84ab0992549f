"""Worker node names: unique per process by default; a name another running worker holds is refused."""

from __future__ import annotations

import os
import socket

from kombu.connection import Connection
from kombu.exceptions import OperationalError

from assigner.broker.connection import BrokerRefused, BrokerUnreachable, connect, is_embedded, reach
from assigner.domain.errors import InvalidInput
from assigner.settings import Settings

PIDBOX_SUFFIX = ".celery.pidbox"  # Celery's remote-control queue, held by the running worker of that name
NOT_FOUND = 404


def default_node_name() -> str:
    """assigner-PID@HOST: several workers on one host never collide."""
    return f"assigner-{os.getpid()}@{socket.gethostname()}"


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
    """Raise InvalidInput if a running worker holds `name` on this broker (Celery would crash on it later)."""
    channel = connection.channel()
    try:
        channel.queue_declare(f"{name}{PIDBOX_SUFFIX}", passive=True)
    except connection.channel_errors as error:
        if getattr(error, "code", None) == NOT_FOUND:
            return  # nobody holds the name
        # RESOURCE_LOCKED (405): the queue is exclusive to another worker's connection
    finally:
        try:
            channel.close()
        except connection.channel_errors + connection.connection_errors:  # closed by the broker already
            pass
    raise InvalidInput(f"a worker named '{name}' is already running on this broker: give each worker its own "
                       "--hostname (-n), or leave it out for assigner-PID@HOST")
