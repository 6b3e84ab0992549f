"""Messages of assigner.declarations forwarded, each declaration and completion to its unit's partition queue.

They are admitted and read first (workers/handlers/admission.py): what is refused is dead-lettered with its
reason, never forwarded. The assigning handler publishes the forwarded copies with the rest of its batch and
acknowledges the originals only once the broker confirmed them (a copy forwarded twice, after a failure, is
assigned once: the declaration's number is its identity).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kombu.message import Message

from assigner.broker import topology
from assigner.broker.partitions import partition_of, sender_of
from assigner.broker.publishing import CONTENT_TYPE, Outgoing, encodable
from assigner.schemas.completion import COMPLETION_TYPE
from assigner.schemas.raw import text_codec
from workers.delivery import KEPT_PROPERTIES, ROUTING_HEADERS, Refused, json_charset
from workers.handlers.admission import Admission


class Forwarder:
    """Forwards messages of assigner.declarations to the `partitions` partition queues, as `worker_user`."""

    def __init__(self, admission: Admission, partitions: int, worker_user: str) -> None:
        self.admission = admission
        self.partitions = partitions
        self.worker_user = worker_user

    def forward(self, messages: Sequence[Message]) -> tuple[list[Outgoing], list[Refused]]:
        """The copies to publish, one per admitted message, and the refused messages."""
        admitted = self.admission.read(messages)
        copies = [
            self._copy(message, body, declaration.unit.customs_office, declaration.unit.department)
            for message, body, declaration in admitted.declarations
        ]
        copies += [
            self._copy(message, body, completion.customs_office, completion.department)
            for message, body, completion in admitted.completions
        ]
        return copies, admitted.refused

    def _copy(self, message: Message, body: bytes, customs_office: str, department: str) -> Outgoing:
        """The copy of an admitted message for its unit's partition: the same body, its charset named in the
        content type, the properties that say what it is, and who sent it in x-assigner-sender."""
        # The codec's own name (utf-8, utf-16, cp1252): short and plain, whatever the sender wrote for it.
        codec = text_codec(json_charset(message.content_type, message.content_encoding)) or "utf-8"
        content_type = CONTENT_TYPE if codec == "utf-8" else f"{CONTENT_TYPE}; charset={codec}"
        sender = sender_of(message, self.worker_user)
        headers: dict[str, Any] = {k: v for k, v in (message.headers or {}).items() if k not in ROUTING_HEADERS}
        headers[topology.SENDER_HEADER] = sender if isinstance(sender, str) else ""
        properties = {k: message.properties[k] for k in KEPT_PROPERTIES if message.properties.get(k)}
        if not encodable(content_type, headers, properties):  # what py-amqp read, it cannot always write back
            headers = {topology.SENDER_HEADER: headers[topology.SENDER_HEADER]}
            properties = {"type": COMPLETION_TYPE} if properties.get("type") == COMPLETION_TYPE else {}
        properties["user_id"] = self.worker_user
        queue = topology.partition_queue(partition_of(customs_office, department, self.partitions))
        return Outgoing(body, queue, content_type=content_type, headers=headers, properties=properties)
