"""How many messages each queue holds: ready, and delivered but not yet acknowledged, and its consumers.

A passive queue.declare (plain AMQP) tells only the ready messages, so a stalled worker holding a
prefetch's worth of messages would look like an empty queue. RabbitMQ's management API tells the
unacknowledged ones too: it is asked when it answers (ASSIGNER_BROKER_MANAGEMENT_URL, or port
15672 of each broker node's host in turn with the broker's credentials); otherwise the unacknowledged count is reported
as unknown. On the
embedded broker, the unacknowledged messages are the files in the workers' in-flight folders.
"""

from __future__ import annotations

import base64
import json
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from kombu.connection import Connection

from assigner.broker import embedded, topology
from assigner.broker.connection import broker_nodes, is_embedded
from assigner.settings import Settings

MANAGEMENT_PORT = 15672
MANAGEMENT_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True)
class QueueStats:
    """One queue's messages: ready to deliver, delivered and unacknowledged (None: unknown), and consumers."""

    ready: int
    unacknowledged: int | None = None
    consumers: int | None = None

    @property
    def waiting(self) -> int:
        """Messages not yet processed: ready and, where known, unacknowledged."""
        return self.ready + (self.unacknowledged or 0)


def read_queue_stats(settings: Settings, connection: Connection, names: Sequence[str]) -> dict[str, QueueStats]:
    """Each declared queue's stats (a queue nobody declared is left out); `connection` is open on the broker."""
    if is_embedded(settings):
        return _embedded_stats(settings.home, connection, names)
    # Ready and consumers from AMQP, as of now; unacknowledged from the management API, whose figures
    # are refreshed every few seconds (RabbitMQ's collect_statistics_interval, 5 s by default).
    from_api = management_stats(settings, names) or {}
    stats = {}
    for name in names:
        declared = topology.declared_queue(connection, name)
        if declared is not None:
            unacknowledged = from_api[name].unacknowledged if name in from_api else None
            stats[name] = QueueStats(int(declared.message_count), unacknowledged, int(declared.consumer_count))
    return stats


@dataclass(frozen=True)
class ManagementApi:
    """Where RabbitMQ's management API answers, and as whom."""

    base: str  # scheme://host:port, no credentials
    user: str
    password: str

    def queues_url(self, vhost: str) -> str:
        """The listing of a vhost's queues, with only the columns read."""
        return (
            f"{self.base}/api/queues/{quote(vhost, safe='')}"
            "?columns=name,messages_ready,messages_unacknowledged,consumers"
        )


def management_targets(settings: Settings) -> list[tuple[ManagementApi, str]]:
    """Where to ask for the queues, in order, and the vhost: the setting's API, or else port 15672 of each broker
    node's host (a cluster's nodes: the first that answers) with that node's credentials; none without RabbitMQ."""
    nodes = broker_nodes(settings) if settings.broker_url else []
    if nodes and settings.broker_management_url:
        given = urlsplit(settings.broker_management_url)
        base = f"{given.scheme}://{given.hostname}:{given.port or MANAGEMENT_PORT}{given.path.rstrip('/')}"
        return [(_api(base, given.username, given.password), _vhost(nodes[0]))]
    targets = []
    for node in nodes:
        broker = urlsplit(node)
        base = f"{'https' if broker.scheme == 'amqps' else 'http'}://{broker.hostname or 'localhost'}:{MANAGEMENT_PORT}"
        targets.append((_api(base, broker.username, broker.password), _vhost(node)))
    return targets


def management_stats(settings: Settings, names: Sequence[str]) -> dict[str, QueueStats] | None:
    """The queues' stats from RabbitMQ's management API; None when it does not answer."""
    for api, vhost in management_targets(settings):
        listing = _queue_listing(api, vhost)
        if listing is None:
            continue
        wanted = set(names)
        return {
            row["name"]: QueueStats(
                int(row.get("messages_ready") or 0),
                int(row.get("messages_unacknowledged") or 0),
                int(row.get("consumers") or 0),
            )
            for row in listing
            if isinstance(row, dict) and row.get("name") in wanted
        }
    return None


def _queue_listing(api: ManagementApi, vhost: str) -> Any:
    request = urllib.request.Request(api.queues_url(vhost))
    token = base64.b64encode(f"{api.user}:{api.password}".encode()).decode()
    request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=MANAGEMENT_TIMEOUT_SECONDS) as response:
            return json.load(response)
    except (OSError, ValueError):  # not enabled, not reachable, refused, or not the management API
        return None


def _api(base: str, user: str | None, password: str | None) -> ManagementApi:
    return ManagementApi(base, unquote(user or "guest"), unquote(password or "guest"))


def _vhost(node: str) -> str:
    return unquote(urlsplit(node).path[1:]) or "/"


def _embedded_stats(home: Path, connection: Connection, names: Sequence[str]) -> dict[str, QueueStats]:
    """Ready messages from the transport; unacknowledged ones are the files in the in-flight folders."""
    stats = {}
    for name in names:
        declared = topology.declared_queue(connection, name)
        if declared is not None:
            in_flight = sum(1 for _ in embedded.folders(home)["inflight"].glob(f"*/*.{name}.msg"))
            stats[name] = QueueStats(int(declared.message_count), in_flight)
    return stats
