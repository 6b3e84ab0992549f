"""Declarations spread over a worker's processes by unit, so that two processes do not take turns at one unit's lock.

Every worker process reads `assigner.declarations` (the contract's way in), admits each message there (the
edge: properties, size, sender, schema; refused ones are dead-lettered at once) and forwards each declaration to
the partition of its unit, in the same batches (one thread, one channel, one ack) as it assigns from its own
partitions: `crc32(office, department) mod declaration_partitions`, the same on every host. Each
partition queue has one active consumer at a time (RabbitMQ's single active consumer): process i of a worker of
N consumes the partitions p with p mod N = i, so a unit's declarations are assigned by one process at a time.
The same process of a worker on another host waits beside it, and takes over when it goes away.

The database's unit locks keep rules 1 and 2 whatever the partitions do (a process restarted, a partition taken
over): the partitions only spare the waiting. A count lowered, or set to 0, leaves messages in partitions
beyond it: every process also reads those, and forwards what they hold (or, with no partitions, assigns it).

A forwarded message is published by the worker's own AMQP user (the user of ASSIGNER_BROKER_URL: the same on
every host), with the original sender's user_id in x-assigner-sender. That header is believed only on a
message delivered from a partition queue and sent by the worker's own user (RabbitMQ checks user_id); a message
anyone else put in a partition is admitted from its own user_id, like any other.
"""

from __future__ import annotations

import os
import zlib
from dataclasses import dataclass

from kombu.connection import Connection
from kombu.message import Message

from assigner.broker import topology
from assigner.broker.connection import broker_nodes, is_embedded
from assigner.settings import Settings

MAX_PARTITIONS = 64  # declaration_partitions' bound: the partition queues that may exist
SLOT_ENV = "ASSIGNER_WORKER_SLOT"  # set by the supervisor in each child's environment: "i/N"
# The mark, in a delivered message's delivery_info (the client's, not the sender's), of one read from
# assigner.declarations to be forwarded; the others of a batch came from the process's partitions.
TO_FORWARD = "assigner_to_forward"


@dataclass(frozen=True)
class Slot:
    """Which process of its worker this one is: `index` of `count`."""

    index: int = 0
    count: int = 1

    @classmethod
    def from_environment(cls) -> Slot:
        """This process's slot: the supervisor's word, else the only process of its worker."""
        index, _, count = os.environ.get(SLOT_ENV, "").partition("/")
        if index.isdigit() and count.isdigit() and int(index) < int(count):
            return cls(int(index), int(count))
        return cls()

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def partitions(self, total: int) -> list[int]:
        """The partitions this process consumes."""
        return [number for number in range(total) if number % self.count == self.index]


def partitioned(settings: Settings) -> bool:
    """Whether declarations go through partitions: on RabbitMQ, with declaration_partitions above 0."""
    return settings.declaration_partitions > 0 and not is_embedded(settings)


def partition_queues(settings: Settings) -> list[str]:
    """The names of the partition queues the settings make (none without partitions)."""
    return (
        [topology.partition_queue(n) for n in range(settings.declaration_partitions)] if partitioned(settings) else []
    )


def existing_partitions(connection: Connection, start: int = 0) -> list[int]:
    """The partitions from `start` on that exist on the connection's broker: workers declare them from 0 up, so
    the first missing one ends the search (one passive declare when there are none)."""
    found = []
    for number in range(start, MAX_PARTITIONS):
        if topology.declared_queue(connection, topology.partition_queue(number)) is None:
            break
        found.append(number)
    return found


def partition_of(customs_office: str, department: str, total: int) -> int:
    """The partition of a unit's declarations (the same in every process, every host, every release)."""
    return zlib.crc32(f"{customs_office}\x1f{department}".encode()) % total


def own_user(settings: Settings) -> str:
    """The AMQP user the worker connects as: the user_id its forwarded messages carry."""
    return str(Connection(broker_nodes(settings)[0]).userid)


def sender_of(message: Message, worker_user: str | None) -> object:
    """Who sent a message to assigner.declarations, as the transport vouches: its user_id, or, on a message
    delivered from a partition that the worker forwarded (sent by `worker_user`, carrying x-assigner-sender), the
    original sender's. `worker_user` None (the embedded broker): no header is believed."""
    user_id = message.properties.get("user_id")
    headers = message.headers or {}
    info = message.delivery_info
    # Through the default exchange, the routing key is the queue's name (the worker binds nothing to a partition).
    from_partition = info.get("exchange") == "" and str(info.get("routing_key") or "").startswith(
        topology.PARTITION_PREFIX
    )
    if from_partition and worker_user is not None and user_id == worker_user and topology.SENDER_HEADER in headers:
        return headers[topology.SENDER_HEADER] or None
    return user_id
