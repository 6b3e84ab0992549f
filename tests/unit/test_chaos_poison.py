"""The chaos run's hostile poison is built as issue 21 measured it, can be sent by our AMQP client as it is,
and is expected on the right dead-letter queue, once each."""

from __future__ import annotations

import json
import random
from collections import Counter
from typing import Any

import pytest
from amqp.basic_message import Message as AmqpMessage
from amqp.serialization import decode_properties_basic
from kombu.connection import Connection
from kombu.entity import Queue

from assigner.broker import topology
from assigner.broker.command_keys import SIGNATURE_HEADER
from assigner.devtools.chaos.hostile import (
    COMMAND_KINDS,
    DECLARATION_KINDS,
    DEPTH,
    hostile_poison,
)
from assigner.devtools.chaos.plan import POISON_KINDS, Planned, make_plan, poison_of
from assigner.devtools.chaos.upstream import HostilePublisher, _outgoing

NUL = "\u0000"


def command(kind: str, number: int = 7, repeat: int = 0) -> tuple[Planned, Any]:
    """A hostile poison message as planned, and its body as JSON (its bytes when it is not JSON)."""
    planned = Planned.poison(hostile_poison(kind, number, repeat), f"chaos-poison-{number}")
    try:
        return planned, json.loads(planned.body)
    except (ValueError, RecursionError):  # not JSON, or nested deeper than Python's parser goes
        return planned, planned.body


class TestTheSevenOfTheIssue:
    def test_a_command_id_of_65_characters_from_nobody(self) -> None:
        planned, body = command("a command_id of 65 characters, no user_id")
        assert isinstance(body, dict) and len(body["command_id"]) == 65
        assert planned.queue == topology.COMMANDS
        assert "user_id" not in _outgoing(planned, "guest").properties

    def test_a_nul_in_the_command_id_or_in_issued_by(self) -> None:
        _, by_id = command("a NUL in a command_id")
        planned, by_issuer = command("a NUL in issued_by, with user_id")
        assert isinstance(by_id, dict) and NUL in by_id["command_id"]
        assert isinstance(by_issuer, dict) and NUL in by_issuer["issued_by"]
        assert b"\\u0000" in planned.body, "escaped in the JSON, as a sender's library writes it"
        assert _outgoing(planned, "guest").properties["user_id"] == "guest", "vouched for, but not the issuer"

    def test_a_command_whose_body_is_the_single_byte_0x00(self) -> None:
        planned, body = command("a command body of NUL bytes")
        assert body == b"\x00" and planned.queue == topology.COMMANDS
        assert command("a command body of NUL bytes", repeat=2)[1] == b"\x00\x00\x00", "its repeats differ"

    def test_a_command_of_1e400(self) -> None:
        planned, body = command("a command number of 1e400")
        assert planned.body == b'{"a": 1e400}' and body == {"a": float("inf")}
        again, _ = command("a command number of 1e400", repeat=1)
        assert json.loads(again.body) == body and again.body != planned.body

    @pytest.mark.parametrize(
        ("kind", "content_type", "content_encoding"),
        [
            ("a NUL in content_type", "application/json\x00x", None),
            ("a NUL in the charset parameter", "application/json; charset=utf\x00-8", None),
            ("a NUL in content_encoding", "application/json", "utf-8\x00x"),
        ],
    )
    def test_a_declaration_with_a_nul_in_its_properties(
        self, kind: str, content_type: str, content_encoding: str | None
    ) -> None:
        planned, body = command(kind)
        assert (planned.content_type, planned.content_encoding) == (content_type, content_encoding)
        assert planned.queue == topology.DECLARATIONS and isinstance(body, dict) and body["channel"] == "yellow"


class TestTheSameFamily:
    def test_a_signature_header_not_ascii_and_one_of_bytes(self) -> None:
        text, _ = command("a signature header not ASCII")
        raw, _ = command("a signature header of bytes")
        assert not text.headers[SIGNATURE_HEADER].isascii()
        assert isinstance(raw.headers[SIGNATURE_HEADER], bytes)
        assert text.queue == raw.queue == topology.COMMANDS and not text.as_sender and not raw.as_sender

    def test_numbers_surrogates_duplicates_and_depth_each_break_the_declaration(self) -> None:
        _, huge = command("a number of 1e999999")
        assert isinstance(huge, dict) and huge["branch_index"] == float("inf")
        _, lone = command("a lone surrogate")
        assert isinstance(lone, dict) and lone["declaration_type"] == "A\ud800"
        duplicated, _ = command("duplicate keys")
        assert duplicated.body.count(b'"department"') == 3
        deep, _ = command("nesting 100,000 deep")
        assert b"[" * DEPTH in deep.body
        with pytest.raises(RecursionError):
            json.loads(deep.body)

    def test_declaration_numbers_of_65_characters_and_with_a_nul(self) -> None:
        _, long = command("a declaration number of 65 characters")
        _, nul = command("a NUL in the declaration number")
        assert isinstance(long, dict) and len(long["declaration_number"]) == 65
        assert isinstance(nul, dict) and NUL in nul["declaration_number"]


class TestSending:
    @pytest.mark.parametrize("kind", POISON_KINDS)
    def test_our_amqp_client_serialises_every_kind_as_it_is(self, kind: str) -> None:
        planned = Planned.poison(poison_of(kind, 3, random.Random(1)), "chaos-poison-3")
        outgoing = _outgoing(planned, "guest")
        properties = {
            "content_type": outgoing.content_type,
            "content_encoding": outgoing.properties.get("content_encoding", "utf-8"),
            "application_headers": outgoing.headers,
            **{k: v for k, v in outgoing.properties.items() if k != "content_encoding"},
        }
        frame = AmqpMessage(planned.body, **properties)._serialize_properties()
        decoded, _ = decode_properties_basic(frame, 0)
        assert repr(decoded["content_type"]) == repr(properties["content_type"])
        assert decoded["content_encoding"] == properties["content_encoding"]
        assert repr(decoded.get("application_headers", {})) == repr(outgoing.headers)

    def test_the_hostile_publisher_sends_the_content_encoding_it_is_given(self) -> None:
        planned, _ = command("a NUL in content_encoding")
        with Connection("memory://") as connection:
            Queue(topology.DECLARATIONS, routing_key=topology.DECLARATIONS)(connection.default_channel).declare()
            HostilePublisher(connection).publish([_outgoing(planned, None)])
            received = connection.default_channel.basic_get(topology.DECLARATIONS)
        assert received.content_encoding == "utf-8\x00x"
        assert received.content_type == planned.content_type


class TestInThePlan:
    def test_every_kind_comes_in_5000_declarations_each_to_its_own_dead_letter_queue(self) -> None:
        plan = make_plan(5000, seed=12)
        assert set(plan.poison.values()) == set(POISON_KINDS) and len(POISON_KINDS) == 35
        queues = Counter(plan.dead_letter_queues[m] for m, kind in plan.poison.items() if kind in COMMAND_KINDS)
        assert queues == Counter({topology.COMMANDS_DLQ: sum(k in COMMAND_KINDS for k in plan.poison.values())})
        for message_id, kind in plan.poison.items():
            expected = topology.COMMANDS_DLQ if kind in COMMAND_KINDS else topology.DECLARATIONS_DLQ
            assert plan.dead_letter_queues[message_id] == expected, kind
        assert sum(plan.dead_letters_expected().values()) == len(plan.poison) == 50
        assert set(DECLARATION_KINDS) <= set(plan.poison.values())

    def test_every_poison_body_is_its_own_so_each_has_a_dead_letter_of_its_own(self) -> None:
        # The worker dead-letters copies of one body once: two poison messages alike would share a letter.
        plan = make_plan(40_000, seed=5)
        bodies = Counter((m.queue, m.body) for m in plan.messages if m.kind == "poison")
        assert len(plan.poison) == 400 and max(bodies.values()) == 1

    def test_a_resent_poison_keeps_its_queue_and_properties(self) -> None:
        plan = make_plan(20_000, seed=9)
        originals = {m.message_id: m for m in plan.messages if m.kind == "poison"}
        resent = [m for m in plan.messages if m.kind == "resend" and m.message_id in originals]
        assert resent
        for copy in resent:
            original = originals[copy.message_id]
            assert (copy.body, copy.queue, copy.content_type, copy.content_encoding, copy.headers, copy.as_sender) == (
                original.body,
                original.queue,
                original.content_type,
                original.content_encoding,
                original.headers,
                original.as_sender,
            )
