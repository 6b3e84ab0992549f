"""Hostile input through the worker's real handlers and failure policy, on SQLite and on PostgreSQL.

Whatever bytes and AMQP properties arrive, each message ends acknowledged once: with its outcome stored, or
dead-lettered once with a safe reason. The policy never raises (the worker never reconnects), and the valid
messages around a poison one are processed. Hypothesis writes the poison; the seven messages that stopped a
queue before (issue 21) are given as explicit examples.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from amqp.basic_message import Message as AmqpMessage
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from integration.conftest import FrozenClock
from integration.helpers import UNIT, load_roster, message, roster
from sqlalchemy import select

from assigner.bootstrap import Runtime
from assigner.broker import topology
from assigner.broker.amqp_properties import UNDECODABLE
from assigner.broker.partitions import TO_FORWARD, partition_of
from assigner.broker.publishing import CONTENT_TYPE, Outgoing, encodable
from assigner.devtools.samples import container_number, tax_code
from assigner.domain.dead_letters import fingerprint
from assigner.schemas.completion import COMPLETION_TYPE
from assigner.settings import Settings
from assigner.storage.tables import AuditRow, DeclarationRow
from workers.failures import FailurePolicy
from workers.handlers.admission import Admission
from workers.handlers.commands import CommandHandler
from workers.handlers.declarations import BatchHandler

RABBITMQ = "amqp://guest:guest@127.0.0.1:5672/%2F"  # named only: on it, commands are vouched for by user_id
SUPERVISOR = "sup.a"
UPSTREAM = "vnaccs.gateway"  # the one sender of declarations the worker takes (declaration_senders)
MAX_FAILURES = 3
EXAMPLES = int(os.environ.get("ASSIGNER_FUZZ_EXAMPLES", "60"))  # per test and database; more for a long run
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class Delivery:
    """A delivered message as kombu hands it over; what settles it is counted."""

    def __init__(self, tag: int, body: bytes, properties: dict[str, Any], redelivered: bool = False) -> None:
        self.delivery_tag = tag
        self.body = body
        self.properties = properties
        self.headers = properties.get("application_headers") or {}
        self.content_type = properties.get("content_type")
        self.content_encoding = properties.get("content_encoding")
        self.delivery_info: dict[str, Any] = {"redelivered": redelivered}
        self._state = "RECEIVED"
        self.settled: list[str] = []

    @property
    def acknowledged(self) -> bool:
        return self._state != "RECEIVED"

    def ack(self, multiple: bool = False) -> None:
        self._settle("ACK")

    def requeue(self) -> None:
        self._settle("REQUEUED")

    def reject(self, requeue: bool = False) -> None:
        self._settle("REQUEUED" if requeue else "REJECTED")

    def _settle(self, state: str) -> None:
        assert not self.acknowledged, f"message {self.delivery_tag} settled twice"
        self._state = state
        self.settled.append(state)


class Broker:
    """Publishes as py-amqp would (each message's properties must be writable), confirms everything."""

    def __init__(self) -> None:
        self.sent: list[Outgoing] = []

    def publish(self, messages: list[Outgoing]) -> None:
        for outgoing in messages:
            assert encodable(outgoing.content_type, outgoing.headers, outgoing.properties), outgoing
            assert "\x00" not in outgoing.headers.get(topology.ERROR_HEADER, "")
        self.sent.extend(messages)

    def dead_letters(self, queue: str, body: bytes) -> list[Outgoing]:
        return [m for m in self.sent if m.routing_key == topology.dead_letter_queue(queue) and m.body == body]


class Worker:
    """The real handlers of both queues, behind the real failure policy, on the test's database."""

    def __init__(self, database_url: str, tmp_path: Path) -> None:
        settings_ = Settings(
            database_url=database_url,
            home=tmp_path / "home",
            broker_url=RABBITMQ,
            message_max_failures=MAX_FAILURES,
            declaration_senders=[UPSTREAM],
            declaration_partitions=16,  # what it reads from assigner.declarations, it forwards
        )
        self.runtime = Runtime(settings=settings_, clock=FrozenClock(datetime(2025, 6, 2, 2, 0, tzinfo=UTC))).ready()
        load_roster(self.runtime, roster(UNIT, "o1", "o2", "o3", supervisors=(SUPERVISOR,)))
        self.broker = Broker()
        self.tags = 0
        self.numbers = iter(range(1, 10**9))
        self.policies = {
            queue: FailurePolicy(
                queue,
                make(self.runtime, lambda _: None, lambda: False),
                MAX_FAILURES,
                (ConnectionError,),
                False,
                self.runtime.clock,
            )
            for queue, make in ((topology.DECLARATIONS, BatchHandler), (topology.COMMANDS, CommandHandler))
        }

    def deliver(self, queue: str, messages: list[tuple[bytes, dict[str, Any]]]) -> list[Delivery]:
        """Hand the messages over in one batch, and what is put back again, as a broker would; returns them."""
        return self._through(self.policies[queue], [self._delivery(body, properties) for body, properties in messages])

    def deliver_routed(self, messages: list[tuple[bytes, dict[str, Any]]]) -> list[Delivery]:
        """Hand the messages over as read from assigner.declarations to be forwarded, then what was forwarded as
        the partition's consumer gets it; returns the first deliveries."""
        already = len(self.broker.sent)
        deliveries = self._through(self.policies[topology.DECLARATIONS], [self.to_forward(b, p) for b, p in messages])
        forwarded = [m for m in self.broker.sent[already:] if m.routing_key.startswith(topology.PARTITION_PREFIX)]
        self._through(self.policies[topology.DECLARATIONS], [self.forwarded(m) for m in forwarded])
        return deliveries

    def to_forward(self, body: bytes, properties: dict[str, Any]) -> Delivery:
        """A message delivered from assigner.declarations by a consumer that forwards it."""
        delivery = self._delivery(body, properties)
        delivery.delivery_info[TO_FORWARD] = True
        return delivery

    def forwarded(self, outgoing: Outgoing) -> Delivery:
        """A forwarded message as the partition's consumer gets it."""
        wire = AmqpMessage(
            outgoing.body,
            content_type=outgoing.content_type,
            content_encoding="utf-8" if outgoing.content_type == CONTENT_TYPE else "binary",
            application_headers=outgoing.headers,
            **outgoing.properties,
        )
        read = AmqpMessage()
        read._load_properties(AmqpMessage.CLASS_ID, wire._serialize_properties(), 0)
        delivery = self._delivery(outgoing.body, dict(read.properties))
        delivery.delivery_info.update(routing_key=outgoing.routing_key, exchange=outgoing.exchange)
        return delivery

    def _through(self, policy: FailurePolicy, deliveries: list[Delivery]) -> list[Delivery]:
        pending = deliveries
        for _ in range(MAX_FAILURES + 1):
            policy.handle(pending, self.broker)  # type: ignore[arg-type]
            pending = [self._again(d) for d in pending if d.settled == ["REQUEUED"]]
            if not pending:
                return deliveries
        raise AssertionError("a message was put back more often than max_failures allows")

    def valid_declaration(self) -> tuple[bytes, dict[str, Any]]:
        number = f"10{next(self.numbers):09d}0"
        return json.dumps(message(number)).encode(), {"content_type": "application/json", "user_id": UPSTREAM}

    def valid_command(self) -> tuple[bytes, dict[str, Any]]:
        command = {
            "command_id": f"fuzz-{next(self.numbers)}",
            "command": "officer_available",
            "issued_by": SUPERVISOR,
            "officer_id": "o1",
        }
        return json.dumps(command).encode(), {"content_type": "application/json", "user_id": SUPERVISOR}

    def stored(self, body: bytes) -> bool:
        number = json.loads(body)["declaration_number"]
        with self.runtime.engine.connect() as connection:
            found = connection.execute(
                select(DeclarationRow.declaration_number).where(DeclarationRow.declaration_number == number)
            ).first()
        return found is not None

    def status(self, body: bytes) -> str | None:
        number = json.loads(body)["declaration_number"]
        with self.runtime.engine.connect() as connection:
            return connection.scalar(select(DeclarationRow.status).where(DeclarationRow.declaration_number == number))

    def answered(self, body: bytes) -> bool:
        command_id = json.loads(body)["command_id"]
        return any(
            json.loads(m.body).get("command_id") == command_id
            for m in self.broker.sent
            if m.exchange == topology.EVENTS
        )

    def delivery(self, body: bytes, properties: dict[str, Any]) -> Delivery:
        """A message delivered as sent, not handled."""
        return self._delivery(body, properties)

    def _again(self, put_back: Delivery) -> Delivery:
        """A message put back, delivered again from the queue it came from."""
        again = self._delivery(put_back.body, put_back.properties, True)
        again.delivery_info.update({k: v for k, v in put_back.delivery_info.items() if k != "redelivered"})
        return again

    def _delivery(self, body: bytes, properties: dict[str, Any], redelivered: bool = False) -> Delivery:
        self.tags += 1
        return Delivery(self.tags, body, properties, redelivered)


@pytest.fixture
def worker(database_url: str, tmp_path: Path) -> Iterator[Worker]:
    built = Worker(database_url, tmp_path)
    yield built
    built.runtime.engine.dispose()


# What a sender controls: text with NUL, control characters and lone surrogates; numbers of any size.
texts = st.text(st.characters(codec=None, exclude_categories=()), max_size=80) | st.sampled_from(
    ["", "\x00", "a" * 65, "\ud800", "[/]", "=1+1", "application/json\x00x", "utf\x00-8", "gzip"]
)
header_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | texts
    | st.binary(max_size=40)
    | st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30))
    | st.decimals(allow_nan=False, places=3),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)
content_types = (
    st.sampled_from(
        [
            None,
            "application/json",
            "text/plain",
            "application/json; charset=utf-8",
            "application/json; charset=latin-1",
            "application/json; charset=\x00",
            "application/json\x00x",
            "application/xml",
        ]
    )
    | texts
)
properties = st.fixed_dictionaries(
    {},
    optional={
        "content_type": content_types,
        "content_encoding": st.sampled_from(["utf-8", "binary", "gzip", "utf\x00-8", "\ud800"]) | texts,
        "message_id": texts,
        "type": texts,
        "user_id": texts | st.just(SUPERVISOR),
        "correlation_id": texts,
        "app_id": texts,
        "timestamp": st.integers(0, 2**64 - 1),
        "application_headers": st.dictionaries(texts, header_values, max_size=5),
        UNDECODABLE: st.just("UnicodeDecodeError: 'utf-8' codec can't decode byte 0xff"),
    },
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=10,
)


TAX_CODE, CONTAINER = tax_code(random.Random(1)), container_number(random.Random(1))
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def near_codes(code: str) -> st.SearchStrategy[str]:
    """A valid code written otherwise: other digits, case, spaces, separators, marks, or one character changed."""
    return st.sampled_from(
        [
            code.translate(FULL_WIDTH),
            code.translate(ARABIC_INDIC),
            code.lower(),
            f" {code} ",
            f"{code[:3]}-{code[3:]}",
            f"{code[:3]} {code[3:]}",
            code + "\u0301",
            code + "\x00",
            code[:-1],
            code + "0",
            "\ud800" + code,
        ]
    ) | st.builds(lambda at, char: code[:at] + char + code[at + 1 :], st.integers(0, len(code) - 1), texts)


@st.composite
def hostile_json(draw: st.DrawFn, valid: dict[str, Any]) -> bytes:
    """A valid message with a field changed, added or removed, or raw text no parser agrees on."""
    body = dict(valid)
    field = draw(st.sampled_from([*valid, "extra"]))
    choice = draw(st.integers(0, 6))
    if choice == 0:
        body.pop(field, None)
        return json.dumps(body).encode()
    if choice == 1:
        body[field] = draw(json_values)
        return json.dumps(body).encode()
    if choice == 2:  # a literal no JSON parser should take as a number
        literal = draw(st.sampled_from(["1e400", "-1e999999", "NaN", "Infinity", "9" * 5000, "1" * 20]))
        return json.dumps(body).encode()[:-1] + f', "{field}": {literal}}}'.encode()
    if choice == 3:  # a key given twice
        return json.dumps(body).encode()[:-1] + f', "{field}": {json.dumps(draw(json_values))}}}'.encode()
    if choice == 4:  # escapes that decode to what no database stores
        escape = draw(st.sampled_from(["\\u0000", "\\ud800", "\\udfff\\ud800", "\\u001b[31m"]))
        return json.dumps(body).encode()[:-1] + f', "{field}": "x{escape}"}}'.encode()
    if choice == 5 and "enterprise_tax_code" in body:  # codes close to valid, read by the checks' fast path
        body["enterprise_tax_code"] = draw(near_codes(TAX_CODE))
        body["container_numbers"] = [draw(near_codes(CONTAINER))]
        return json.dumps(body, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    depth = draw(st.integers(30, 3000))
    return b'{"declaration_number": ' + b"[" * depth + b"]" * depth + b"}"


def bodies(valid: dict[str, Any]) -> st.SearchStrategy[bytes]:
    """Any bytes, or JSON close to a valid message."""
    return st.binary(max_size=200) | hostile_json(valid) | texts.map(lambda t: t.encode("utf-8", "surrogatepass"))


VALID_DECLARATION = message("105432198760", enterprise_tax_code=TAX_CODE, container_numbers=[CONTAINER])
VALID_COMMAND = {
    "command_id": "c-1",
    "command": "reassign",
    "issued_by": SUPERVISOR,
    "declaration_number": "105432198760",
    "to_officer_id": "o2",
    "reason_code": "workload",  # required since reason codes: the fuzz starts from a command the schema takes
}
ISSUE_21_COMMANDS = [  # (body, properties) of the messages that stopped the commands queue
    (json.dumps({**VALID_COMMAND, "command_id": "c" * 65}).encode(), {"content_type": "application/json"}),
    (json.dumps({**VALID_COMMAND, "command_id": "c-\x00"}).encode(), {"user_id": SUPERVISOR}),
    (json.dumps({**VALID_COMMAND, "issued_by": "sup\x00.a"}).encode(), {"user_id": SUPERVISOR}),
    (b"\x00", {}),
    (b'{"a": 1e400}', {"user_id": SUPERVISOR}),
]
ISSUE_21_DECLARATIONS = [
    (json.dumps(VALID_DECLARATION).encode(), {"content_type": "application/json\x00x", "user_id": UPSTREAM}),
    (
        json.dumps(VALID_DECLARATION).encode(),
        {"content_type": "application/json; charset=utf\x00-8", "user_id": UPSTREAM},
    ),
    (
        json.dumps(VALID_DECLARATION).encode(),
        {"content_type": "application/json", "content_encoding": "utf\x00-8", "user_id": UPSTREAM},
    ),
]


def check_poison(worker: Worker, queue: str, poison: Delivery) -> None:
    """Acknowledged once; dead-lettered at most once, with a safe reason."""
    assert poison._state == "ACK"
    letters = worker.broker.dead_letters(queue, poison.body)
    assert len(letters) <= 1
    for letter in letters:
        reason = letter.headers[topology.ERROR_HEADER]
        assert reason and len(reason) <= 600 and not any(ord(c) < 32 for c in reason)


class TestDeclarationQueue:
    @FUZZ
    @given(body=bodies(VALID_DECLARATION), properties=properties)
    @example(*ISSUE_21_DECLARATIONS[0]).via("issue 21: NUL in content_type")
    @example(*ISSUE_21_DECLARATIONS[1]).via("issue 21: NUL in the charset parameter")
    @example(*ISSUE_21_DECLARATIONS[2]).via("issue 21: NUL in content_encoding")
    def test_no_message_stops_the_queue_and_the_valid_ones_around_it_are_assigned(
        self, worker: Worker, body: bytes, properties: dict[str, Any]
    ) -> None:
        before, after = worker.valid_declaration(), worker.valid_declaration()
        # From the upstream unless the drawn properties say another user_id: the sender check is fuzzed too
        # (its refusal quotes the user_id), and most bodies still reach the parser.
        sent = {"user_id": UPSTREAM, **properties}
        first, poison, last = worker.deliver(topology.DECLARATIONS, [before, (body, sent), after])
        assert first._state == last._state == "ACK"
        assert worker.stored(before[0]) and worker.stored(after[0])
        check_poison(worker, topology.DECLARATIONS, poison)

    @pytest.mark.parametrize("body, properties", ISSUE_21_DECLARATIONS)
    def test_each_message_of_issue_21_is_dead_lettered_once_with_a_safe_reason(
        self, worker: Worker, body: bytes, properties: dict[str, Any]
    ) -> None:
        [poison] = worker.deliver(topology.DECLARATIONS, [(body, properties)])
        [letter] = worker.broker.dead_letters(topology.DECLARATIONS, body)
        assert "\\x00" in letter.headers[topology.ERROR_HEADER]
        assert poison._state == "ACK"
        worker.deliver(topology.DECLARATIONS, [(body, properties)])  # a copy: acknowledged, not dead-lettered again
        assert len(worker.broker.dead_letters(topology.DECLARATIONS, body)) == 1


class TestForwardingToPartitions:
    """What a worker forwards to a partition is read there exactly as the original would have been; what it
    refuses is dead-lettered at once, with the reason the assigning handler would give, and never forwarded."""

    @FUZZ
    @given(body=bodies(VALID_DECLARATION), properties=properties, completion=st.booleans())
    @example(body=ISSUE_21_DECLARATIONS[0][0], properties=ISSUE_21_DECLARATIONS[0][1], completion=False).via(
        "issue 21: NUL in content_type"
    )
    @example(
        body=json.dumps(VALID_DECLARATION).encode("utf-16"), properties={"content_encoding": "utf-16"}, completion=False
    ).via("a charset in content_encoding, kombu's way")
    @example(
        body=json.dumps(VALID_DECLARATION).encode(),
        properties={"content_type": "application/json; charset=utf" + "-" * 230 + "8"},
        completion=False,
    ).via("a charset Python reads as utf-8, too long to write back in a content type")
    def test_a_forward_reads_as_its_original_and_a_refusal_is_the_same(
        self, worker: Worker, body: bytes, properties: dict[str, Any], completion: bool
    ) -> None:
        sent = {"user_id": UPSTREAM, **properties, **({"type": COMPLETION_TYPE} if completion else {})}
        handler = worker.policies[topology.DECLARATIONS].handler
        direct = handler.admission.read([worker.delivery(body, sent)])  # type: ignore[attr-defined]
        already = len(worker.broker.sent)
        [original] = worker._through(worker.policies[topology.DECLARATIONS], [worker.to_forward(body, sent)])
        out = [m for m in worker.broker.sent[already:] if not m.routing_key.startswith("audit.")]  # heads: any time
        assert original._state == "ACK"
        if direct.refused:  # dead-lettered now, or a copy of a body dead-lettered before: never forwarded
            assert len(out) <= 1 and all(letter.routing_key == topology.DECLARATIONS_DLQ for letter in out)
            assert all(letter.headers[topology.ERROR_HEADER] == direct.refused[0].letter.reason for letter in out)
            return
        [forward] = out
        again = handler.admission.read([worker.forwarded(forward)])  # type: ignore[attr-defined]
        assert not again.refused
        assert [d for _, _, d in again.declarations] == [d for _, _, d in direct.declarations]
        assert [c for _, _, c in again.completions] == [c for _, _, c in direct.completions]
        unit = direct.declarations[0][2].unit if direct.declarations else direct.completions[0][2]
        total = worker.runtime.settings.declaration_partitions
        assert forward.routing_key == topology.partition_queue(
            partition_of(unit.customs_office, unit.department, total)
        )

    @FUZZ
    @given(body=bodies(VALID_DECLARATION), properties=properties)
    @example(body=b"\x00", properties={"content_encoding": "UNDEFINED"}).via("a codec that decodes nothing")
    def test_no_message_stops_the_forwarding_and_the_valid_ones_around_it_are_assigned(
        self, worker: Worker, body: bytes, properties: dict[str, Any]
    ) -> None:
        before, after = worker.valid_declaration(), worker.valid_declaration()
        sent = {"user_id": UPSTREAM, **properties}
        first, poison, last = worker.deliver_routed([before, (body, sent), after])
        assert first._state == last._state == "ACK"
        assert worker.stored(before[0]) and worker.stored(after[0])
        check_poison(worker, topology.DECLARATIONS, poison)

    def test_a_sender_written_in_the_header_by_anyone_but_the_worker_is_not_believed(self, worker: Worker) -> None:
        body, _ = worker.valid_declaration()
        forged = {"user_id": "mallory", "application_headers": {topology.SENDER_HEADER: UPSTREAM}}
        [delivery] = worker.deliver(topology.DECLARATIONS, [(body, forged)])
        [letter] = worker.broker.dead_letters(topology.DECLARATIONS, body)
        assert "user_id 'mallory': not among the senders" in letter.headers[topology.ERROR_HEADER]
        assert delivery._state == "ACK" and not worker.stored(body)


VALID_COMPLETION = {
    "declaration_number": "105432198760",
    "customs_office": "01B1",
    "department": "00",
    "completed_at": "2025-06-02T10:30:00+07:00",
}


class TestCompletionMessages:
    @FUZZ
    @given(body=bodies(VALID_COMPLETION), properties=properties)
    def test_no_completion_stops_the_queue_and_the_valid_ones_around_it_are_carried_out(
        self, worker: Worker, body: bytes, properties: dict[str, Any]
    ) -> None:
        before, after = worker.valid_declaration(), worker.valid_declaration()
        worker.deliver(topology.DECLARATIONS, [before, after])
        done = [
            json.dumps({**VALID_COMPLETION, "declaration_number": json.loads(m[0])["declaration_number"]})
            for m in (before, after)
        ]
        typed = {"user_id": UPSTREAM, "content_type": "application/json", "type": COMPLETION_TYPE}
        sent = {**typed, **properties, "type": COMPLETION_TYPE}
        first, poison, last = worker.deliver(
            topology.DECLARATIONS, [(done[0].encode(), typed), (body, sent), (done[1].encode(), typed)]
        )
        assert first._state == last._state == "ACK"
        assert worker.status(before[0]) == worker.status(after[0]) == "completed"
        check_poison(worker, topology.DECLARATIONS, poison)


class TestCommandQueue:
    @FUZZ
    @given(body=bodies(VALID_COMMAND), properties=properties)
    @example(*ISSUE_21_COMMANDS[0]).via("issue 21: a 65-character command_id, no user_id")
    @example(*ISSUE_21_COMMANDS[1]).via("issue 21: NUL in command_id")
    @example(*ISSUE_21_COMMANDS[2]).via("issue 21: NUL in issued_by")
    @example(*ISSUE_21_COMMANDS[3]).via("issue 21: the single byte 0x00")
    @example(*ISSUE_21_COMMANDS[4]).via("issue 21: 1e400")
    def test_no_command_stops_the_queue_and_the_valid_ones_around_it_are_answered(
        self, worker: Worker, body: bytes, properties: dict[str, Any]
    ) -> None:
        before, after = worker.valid_command(), worker.valid_command()
        first, poison, last = worker.deliver(topology.COMMANDS, [before, (body, properties), after])
        assert first._state == last._state == "ACK"
        assert worker.answered(before[0]) and worker.answered(after[0])
        check_poison(worker, topology.COMMANDS, poison)

    @pytest.mark.parametrize("body, properties", ISSUE_21_COMMANDS)
    def test_each_command_of_issue_21_is_refused_dead_lettered_once_and_recorded_once(
        self, worker: Worker, body: bytes, properties: dict[str, Any]
    ) -> None:
        for _ in range(2):  # the second copy is acknowledged without a second record or letter
            [poison] = worker.deliver(topology.COMMANDS, [(body, properties)])
            assert poison._state == "ACK"
        assert len(worker.broker.dead_letters(topology.COMMANDS, body)) == 1
        with worker.runtime.engine.connect() as connection:
            refusals = connection.execute(select(AuditRow.id).where(AuditRow.action == "command_rejected")).all()
        assert len(refusals) == 1


class TestFailurePolicy:
    def test_a_message_failing_on_its_own_is_put_back_then_dead_lettered_after_max_failures(
        self, worker: Worker, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        poison = json.dumps(message("109999999990")).encode()
        original = Admission._admit

        def admit(admission: Admission, delivery: Any, body: bytes, sender: object) -> Any:
            if body == poison:
                raise ZeroDivisionError("a defect nobody foresaw")
            return original(admission, delivery, body, sender)

        monkeypatch.setattr(Admission, "_admit", admit)
        before, after = worker.valid_declaration(), worker.valid_declaration()
        worker.deliver(topology.DECLARATIONS, [before, (poison, {}), after])
        [letter] = worker.broker.dead_letters(topology.DECLARATIONS, poison)
        assert (
            letter.headers[topology.ERROR_HEADER]
            == f"failed {MAX_FAILURES} times: ZeroDivisionError: a defect nobody foresaw"
        )
        assert worker.stored(before[0]) and worker.stored(after[0])
        assert fingerprint(topology.DECLARATIONS, poison) not in worker.policies[topology.DECLARATIONS].failures

    def test_header_values_py_amqp_cannot_write_back_are_made_safe_in_the_dead_letter(self, worker: Worker) -> None:
        headers = {"big": 2**70, "odd": Decimal("1e-300"), "when": datetime(2025, 1, 1)}
        worker.deliver(topology.DECLARATIONS, [(b"<xml/>", {"application_headers": headers})])
        [letter] = worker.broker.dead_letters(topology.DECLARATIONS, b"<xml/>")
        assert letter.headers["big"] == str(2**70)
