"""The worker on RabbitMQ, fed as an upstream system feeds it: declarations in, events and dead letters out."""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from e2e.support import (
    DECLARATIONS_DLQ,
    ERROR_HEADER,
    Delivered,
    EventCollector,
    StartWorker,
    Upstream,
    assignments,
    assignments_per_declaration,
    encode,
    events_by_declaration,
    holders,
    import_rosters,
    queue_depth,
    take_messages,
)
from integration.helpers import message, numbers
from pika.adapters.blocking_connection import BlockingChannel
from sqlalchemy import select

from assigner.bootstrap import Runtime
from assigner.devtools.samples import container_number
from assigner.domain.draws import RotationMode
from assigner.domain.model import Unit
from assigner.schemas.event import EVENT
from assigner.services.draw_keys import set_rotation_mode
from assigner.settings import Settings
from assigner.storage.engine import make_engine
from assigner.storage.tables import AuditSealRow

AIRPORT = Unit("01B1", "00")
PORT = Unit("02CI", "01")
UNROSTERED = Unit("01B1", "03")
ROSTERS = {AIRPORT: ["a1", "a2", "a3"], PORT: ["p1", "p2", "p3", "p4"]}


@pytest.fixture
def rostered(database_url: str, home: Path) -> dict[Unit, list[str]]:
    """The two units' rosters, imported."""
    import_rosters(database_url, home, ROSTERS)
    return ROSTERS


def mixed_stream() -> list[dict[str, Any]]:
    """Yellow, green and red declarations over two rostered units (some channels as VNACCS codes), then
    yellow ones for a department nobody is rostered on."""
    stream = []
    for index, number in enumerate(numbers(140)):
        unit = AIRPORT if index % 2 else PORT
        channel = "green" if index % 5 == 0 else "red" if index % 7 == 0 else "yellow"
        if index % 11 == 0:
            channel = {"green": "1", "yellow": "2", "red": "3"}[channel]
        stream.append(message(number, unit, channel))
    stream += [message(number, UNROSTERED) for number in numbers(3, start=900)]
    return stream


@pytest.fixture
def delivered(
    rostered: dict[Unit, list[str]], start_worker: StartWorker, upstream: Upstream, events: EventCollector
) -> tuple[list[dict[str, Any]], list[Delivered]]:
    """The mixed stream sent to a worker, and the events it published for it."""
    worker = start_worker()
    stream = mixed_stream()
    upstream.send_all(stream)
    return stream, events.wait_for_declarations([m["declaration_number"] for m in stream], worker=worker)


def expected_event(declaration: dict[str, Any]) -> str:
    unit = Unit(declaration["customs_office"], declaration["department"])
    if declaration["channel"] not in ("yellow", "2"):
        return "declaration.recorded"
    return "declaration.assigned" if unit in ROSTERS else "declaration.held"


class TestAssignStream:
    def test_each_declaration_gets_the_one_event_its_channel_and_unit_call_for(
        self, delivered: tuple[list[dict[str, Any]], list[Delivered]]
    ) -> None:
        stream, received = delivered
        by_number = events_by_declaration(received)
        assert set(by_number) == {m["declaration_number"] for m in stream}
        for declaration in stream:
            [event] = by_number[declaration["declaration_number"]]
            assert event["event"] == expected_event(declaration), declaration
        held = [
            by_number[m["declaration_number"]][0]
            for m in stream
            if Unit(m["customs_office"], m["department"]) == UNROSTERED
        ]
        assert {event["reason"] for event in held} == {"unknown_department"}

    def test_every_event_is_a_persistent_json_message_of_the_contract(
        self, delivered: tuple[list[dict[str, Any]], list[Delivered]]
    ) -> None:
        _, received = delivered
        for got in received:
            event = EVENT.validate_json(got.body)
            body = got.payload()
            assert got.routing_key == f"{body['event']}.{body['customs_office']}.{body['department']}"
            assert got.properties.delivery_mode == 2
            assert got.properties.content_type == "application/json"
            assert got.properties.message_id == event.event_id
        assert len({got.payload()["event_id"] for got in received}) == len(received)

    def test_the_chains_heads_come_out_one_per_seal_chained_up_to_the_logs_head(
        self, delivered: tuple[list[dict[str, Any]], list[Delivered]], events: EventCollector, database_url: str
    ) -> None:
        engine = make_engine(database_url)
        with engine.connect() as connection:
            seals = {row.seq: row.hash for row in connection.execute(select(AuditSealRow.seq, AuditSealRow.hash))}
        engine.dispose()
        # the batches' heads come with their events; the roster import's (made outside a worker), by the sweep
        events.wait_until(lambda _: {h.payload()["seq"] for h in events.heads} >= set(seals), "a head per seal")
        heads = {h.payload()["seq"]: h.payload() for h in events.heads}
        assert {seq: head["head"] for seq, head in heads.items()} == seals
        assert all(heads[seq]["previous_head"] == heads[seq - 1]["head"] for seq in heads if seq > 1)
        for got in events.heads:
            assert EVENT.validate_json(got.body).event == got.routing_key == "audit.sealed"
            assert got.properties.delivery_mode == 2 and got.properties.message_id == got.payload()["event_id"]

    def test_counts_per_officer_differ_by_at_most_one_and_each_declaration_has_one_assignment(
        self,
        rostered: dict[Unit, list[str]],
        start_worker: StartWorker,
        upstream: Upstream,
        events: EventCollector,
        database_url: str,
    ) -> None:
        worker = start_worker()
        stream = mixed_stream()
        upstream.send_all(stream)
        received = events.wait_for_declarations([m["declaration_number"] for m in stream], worker=worker)

        assigned = [e.payload() for e in received if e.payload()["event"] == "declaration.assigned"]
        assigned = [e for e in assigned if e["mode"] == "auto"]  # rule 2 is about turns; groups use none
        for unit, officers in rostered.items():
            counts = Counter(e["officer_id"] for e in assigned if Unit(e["customs_office"], e["department"]) == unit)
            assert set(counts) == set(officers), f"{unit}: someone was never given a turn"
            assert max(counts.values()) - min(counts.values()) <= 1, f"{unit}: {counts}"
        rows = assignments(database_url)
        per_declaration = assignments_per_declaration(rows)
        assert set(per_declaration.values()) == {1}
        assert set(per_declaration) == {e["declaration_number"][:11] for e in assigned}


class TestDrawnOrder:
    def test_a_drawn_unit_serves_each_round_once_and_its_keys_commitments_come_out_as_events(
        self,
        rostered: dict[Unit, list[str]],
        start_worker: StartWorker,
        upstream: Upstream,
        events: EventCollector,
        database_url: str,
        home: Path,
    ) -> None:
        runtime = Runtime(Settings(database_url=database_url, home=home)).ready()
        try:
            assert set_rotation_mode(runtime.unit_of_work(), PORT, RotationMode.DRAWN, runtime.clock, "t")
        finally:
            runtime.engine.dispose()
        worker = start_worker()
        stream = [message(n, PORT) for n in numbers(40, start=700)]
        upstream.send_all(stream)
        received = events.wait_for_declarations([m["declaration_number"] for m in stream], worker=worker)
        officers = [e.payload()["officer_id"] for e in received if e.payload()["event"] == "declaration.assigned"]
        rounds = [sorted(officers[n : n + 4]) for n in range(0, 40, 4)]
        assert rounds == [sorted(rostered[PORT])] * 10  # events come in turn order: one unit, one worker
        assert any(officers[n : n + 4] != rostered[PORT] for n in range(0, 40, 4))
        # made by the command line's transaction: the worker's sweep publishes them
        events.wait_until(lambda _: len(committed(events)) == 2, "today's and tomorrow's commitments", worker=worker)
        for got in committed(events):
            assert EVENT.validate_json(got.body).routing_key() == "audit.draw_key_committed" == got.routing_key
            assert got.properties.delivery_mode == 2 and set(got.payload()) >= {"day", "commitment", "starts_at"}


def committed(events: EventCollector) -> list[Delivered]:
    return [h for h in events.heads if h.routing_key == "audit.draw_key_committed"]


def spoiled_container() -> str:
    """A container number whose check digit is wrong."""
    number = container_number(random.Random(7))
    return number[:-1] + str((int(number[-1]) + 1) % 10)


def malformed(valid: dict[str, Any]) -> list[tuple[bytes, str | None, str]]:
    """(body, content type, words the reason must contain): each a mistake an upstream could make."""

    def variant(number: str, **changes: Any) -> dict[str, Any]:
        return {**valid, "declaration_number": number, **changes}

    missing = variant("109000000030")
    del missing["customs_office"]
    return [
        (b"<ToKhai><SoToKhai>109000000010</SoToKhai></ToKhai>", "application/json", "not JSON"),
        (encode([variant("109000000020")]), "application/json", "not a JSON object"),
        (encode(missing), "application/json", "customs_office"),
        (encode(variant("109000000040", container_numbers=[spoiled_container()])), "application/json", "container"),
        (encode(variant("109000000050", registered_at="2025-06-02T09:00:00")), "application/json", "registered_at"),
        (encode(variant("109000000060")), "application/xml", "application/xml"),
    ]


class TestDeadLetters:
    def test_malformed_messages_are_dead_lettered_with_their_reason_and_the_worker_goes_on(
        self,
        rostered: dict[Unit, list[str]],
        start_worker: StartWorker,
        upstream: Upstream,
        events: EventCollector,
        broker: BlockingChannel,
    ) -> None:
        worker = start_worker()
        before, after = numbers(2, start=100), numbers(3, start=200)
        bad = malformed(message(before[0], AIRPORT))
        upstream.send_all(message(n, AIRPORT) for n in before)
        for body, content_type, _ in bad:
            upstream.send(body, content_type=content_type)
        upstream.send_all(message(n, AIRPORT) for n in after)

        received = events.wait_for_declarations(before + after, worker=worker)
        letters = take_messages(broker, DECLARATIONS_DLQ, len(bad))

        assert {e.payload()["event"] for e in received} == {"declaration.assigned"}
        by_body = {letter.body: letter for letter in letters}
        assert set(by_body) == {body for body, _, _ in bad}, "a dead letter is not the message as received"
        for body, content_type, words in bad:
            reason = by_body[body].header(ERROR_HEADER)
            assert isinstance(reason, (str, bytes)) and words in (
                reason.decode() if isinstance(reason, bytes) else reason
            ), f"{body[:60]!r}: {reason!r} does not say '{words}'"
            assert by_body[body].properties.content_type == content_type
        assert worker.wait_for_log("declaration.dead_lettered", count=len(bad)), "dead letters are logged"

    def test_a_dead_letter_keeps_the_headers_it_came_with(
        self,
        rostered: dict[Unit, list[str]],
        start_worker: StartWorker,
        upstream: Upstream,
        events: EventCollector,
        broker: BlockingChannel,
    ) -> None:
        start_worker()
        upstream.send(b"not json at all", headers={"x-upstream": "vnaccs-gateway"})
        [letter] = take_messages(broker, DECLARATIONS_DLQ, 1)
        assert letter.header("x-upstream") in ("vnaccs-gateway", b"vnaccs-gateway")
        assert letter.header(ERROR_HEADER)
        assert letter.properties.delivery_mode == 2

    def test_a_poison_message_sent_twice_is_dead_lettered_once(
        self,
        rostered: dict[Unit, list[str]],
        start_worker: StartWorker,
        upstream: Upstream,
        events: EventCollector,
        broker: BlockingChannel,
    ) -> None:
        worker = start_worker()
        poison = encode({**message(numbers(1, start=150)[0], AIRPORT), "registered_at": 1748833200})
        upstream.send(poison)
        [letter] = take_messages(broker, DECLARATIONS_DLQ, 1)
        upstream.send(poison)
        [after] = numbers(1, start=151)
        upstream.send(message(after, AIRPORT))
        events.wait_for_declarations([after], worker=worker)  # the copy came before it, in the same queue
        worker.wait_for_log("declaration.dead_letter_repeated")

        assert letter.body == poison
        assert queue_depth(broker, DECLARATIONS_DLQ) == 0, "the copy was dead-lettered again"


class TestMessageSize:
    @pytest.mark.parametrize("megabytes", [2, 20])
    def test_a_body_over_the_maximum_is_dead_lettered_unread_and_never_stored(
        self,
        megabytes: int,
        rostered: dict[Unit, list[str]],
        start_worker: StartWorker,
        upstream: Upstream,
        events: EventCollector,
        broker: BlockingChannel,
        database_url: str,
    ) -> None:
        worker = start_worker()
        big, small = numbers(2, start=160)
        # A valid declaration but for its size: without the limit it would be assigned and stored whole.
        oversized = encode(message(big, AIRPORT, attachment="x" * (megabytes * 1_048_576)))
        upstream.send(oversized)
        upstream.send(message(small, AIRPORT))
        events.wait_for_declarations([small], worker=worker)
        [letter] = take_messages(broker, DECLARATIONS_DLQ, 1)

        assert len(letter.body) == len(oversized)
        reason = letter.header(ERROR_HEADER)
        assert "larger than the maximum of 1,048,576" in (reason.decode() if isinstance(reason, bytes) else reason)
        assert set(holders(database_url)) == {small}, "the oversized declaration was stored"
        assert not any(e.payload().get("declaration_number") == big for e in events.received)


class TestContentTypes:
    @pytest.mark.parametrize("content_type", [None, "application/json; charset=utf-8", "application/json"])
    def test_json_without_a_content_type_or_with_a_charset_is_accepted(
        self,
        content_type: str | None,
        rostered: dict[Unit, list[str]],
        start_worker: StartWorker,
        upstream: Upstream,
        events: EventCollector,
        broker: BlockingChannel,
    ) -> None:
        worker = start_worker()
        [number] = numbers(1, start=300)
        upstream.send(message(number, AIRPORT), content_type=content_type)
        [event] = events.wait_for_declarations([number], worker=worker)
        assert event.payload()["event"] == "declaration.assigned"
        assert queue_depth(broker, DECLARATIONS_DLQ) == 0


class TestResentAndAmended:
    def test_a_resent_message_publishes_the_same_event_again_and_uses_no_turn(
        self,
        rostered: dict[Unit, list[str]],
        start_worker: StartWorker,
        upstream: Upstream,
        events: EventCollector,
        database_url: str,
    ) -> None:
        worker = start_worker()
        first, following = numbers(2, start=400)
        upstream.send(message(first, AIRPORT))
        [original] = events.wait_for_declarations([first], worker=worker)

        upstream.send(message(first, AIRPORT))
        events.wait_until(lambda got: len(got) == 2, "the re-sent message's event", worker=worker)
        upstream.send(message(following, AIRPORT))
        received = events.wait_for_declarations([following], worker=worker)

        again = received[1]
        assert again.payload() == original.payload(), "not the same event, with the same event_id"
        assert again.properties.message_id == original.properties.message_id
        [after] = events_by_declaration(received)[following]
        assert (original.payload()["officer_id"], original.payload()["turn"]) == ("a1", 1)
        assert (after["officer_id"], after["turn"]) == ("a2", 2), "the re-sent message used a turn"
        assert assignments_per_declaration(assignments(database_url))[first[:11]] == 1

    def test_an_amendment_stays_with_the_officer_and_publishes_declaration_amended(
        self,
        rostered: dict[Unit, list[str]],
        start_worker: StartWorker,
        upstream: Upstream,
        events: EventCollector,
        database_url: str,
    ) -> None:
        worker = start_worker()
        numbers_sent = numbers(3, start=500)
        upstream.send_all(message(number, AIRPORT) for number in numbers_sent)
        received = events.wait_for_declarations(numbers_sent, worker=worker)
        officer = events_by_declaration(received)[numbers_sent[1]][0]["officer_id"]

        amendment = numbers_sent[1][:11] + "1"
        upstream.send(message(amendment, AIRPORT))
        received = events.wait_for_declarations([amendment], worker=worker)

        [amended] = events_by_declaration(received)[amendment]
        assert amended["event"] == "declaration.amended"
        assert amended["officer_id"] == officer
        assert amended["previous_declaration_number"] == numbers_sent[1]
        EVENT.validate_python(amended)
        assert assignments_per_declaration(assignments(database_url))[amendment[:11]] == 1


class TestLowLoad:
    def test_a_single_message_is_assigned_without_waiting_for_a_batch_to_fill(
        self, rostered: dict[Unit, list[str]], start_worker: StartWorker, upstream: Upstream, events: EventCollector
    ) -> None:
        worker = start_worker(batch_size=500)
        [number] = numbers(1, start=600)
        upstream.send(message(number, PORT))
        # Liveness only: the timeout is generous, nothing here measures speed.
        [event] = events.wait_for_declarations([number], timeout=60, worker=worker)
        assert event.payload()["event"] == "declaration.assigned"
        assert json.loads(event.body)["officer_id"] == "p1"

    def test_an_idle_worker_keeps_both_its_connections_alive(
        self, rostered: dict[Unit, list[str]], start_worker: StartWorker, upstream: Upstream, events: EventCollector
    ) -> None:
        worker = start_worker(broker_heartbeat=1)
        time.sleep(6)  # idle three times longer than two heartbeat intervals, after which either side gives up
        [number] = numbers(1, start=700)
        upstream.send(message(number, PORT))
        [event] = events.wait_for_declarations([number], timeout=60, worker=worker)
        assert event.payload()["event"] == "declaration.assigned"
        assert worker.logged("worker.connection_lost") == []
