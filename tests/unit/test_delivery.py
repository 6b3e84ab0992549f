"""A delivered message as the worker reads it, whatever the sender put in it (review of issue 21's change)."""

from __future__ import annotations

import base64
import zlib
from datetime import UTC, datetime
from typing import Any

from kombu import Connection

from assigner.broker import embedded, topology
from assigner.broker.amqp_properties import COMPRESSION
from assigner.broker.publishing import encodable
from workers.delivery import Refused, property_refusal, raw_body

NOW = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)


class Delivered:
    def __init__(self, headers: dict[str, Any], **properties: Any) -> None:
        self.headers = headers
        self.properties = {"application_headers": headers, **properties}
        self.delivery_info = {"redelivered": False}


def refused(headers: dict[str, Any], **properties: Any) -> Refused:
    return Refused.of(Delivered(headers, **properties), b"<xml/>", topology.COMMANDS, "not JSON", False)  # type: ignore[arg-type]


class TestDeadLetterCopy:
    def test_cc_and_bcc_are_not_copied_so_a_sender_cannot_steer_the_dead_letter_into_a_queue(self) -> None:
        letter = refused({"CC": ["assigner.declarations"], "BCC": ["assigner.declarations"], "x-mine": "kept"})
        outgoing = letter.outgoing(NOW)
        assert "CC" not in outgoing.headers and "BCC" not in outgoing.headers
        assert outgoing.headers["x-mine"] == "kept" and outgoing.routing_key == topology.COMMANDS_DLQ

    def test_headers_too_large_to_write_back_in_one_frame_are_cut_to_a_bound(self) -> None:
        headers = {f"x-{index}": "y" * 250 for index in range(200)}  # about 52 KB of headers
        outgoing = refused(headers).outgoing(NOW)
        assert encodable(outgoing.content_type, outgoing.headers, outgoing.properties)
        assert len(outgoing.headers) <= 18


class TestBodies:
    def test_a_body_its_codec_cannot_write_back_is_read_as_utf_8(self) -> None:
        text = "x" * 70  # idna refuses a label of more than 63 characters
        assert raw_body(text, "idna") == text.encode()

    def test_a_compressed_body_on_the_embedded_broker_is_refused_unread_not_unpacked(self, tmp_path: Any) -> None:
        options = embedded.transport_options(tmp_path)
        with Connection(embedded.URL, transport_options=options) as connection:
            channel = connection.default_channel
            payload = {
                "body": "",
                "headers": {"compression": "application/x-gzip"},
                "properties": {"delivery_tag": 1, "body_encoding": "base64", "delivery_info": {}},
                "content-type": "application/json",
                "content-encoding": "binary",
            }
            payload["body"] = base64.b64encode(zlib.compress(b'{"a": 1}')).decode()
            message = channel.message_to_python(payload)
        assert message.properties[COMPRESSION] == "application/x-gzip" and "compression" not in message.headers
        assert message.body == zlib.compress(b'{"a": 1}') and not message.errors
        assert property_refusal(message.properties) is not None
