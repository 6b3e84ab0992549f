"""The worker's handlers on an in-memory unit of work, fake deliveries and a fake publisher.

What they must keep (the ack policy): a message is acknowledged only after its transaction committed and
the broker confirmed its events and dead letters; a message that can never be processed is dead-lettered
with its reason; a database outage is waited out with the messages kept in hand; one declaration the
database refuses is dead-lettered alone; a command is carried out only for the sender the transport or a
signature vouches for.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import structlog
from fakes import FakeHoldings, FakeUnitOfWork, Store
from integration.helpers import message, numbers
from prometheus_client import REGISTRY
from sqlalchemy.exc import OperationalError
from structlog.contextvars import get_contextvars

from assigner import logs
from assigner.bootstrap import Runtime
from assigner.broker import topology
from assigner.broker.command_keys import SIGNATURE_HEADER
from assigner.broker.publishing import NotConfirmed, Outgoing
from assigner.domain.authentication import sign
from assigner.domain.model import Unit, declaration_key
from assigner.domain.roster import Officer, Role, RosterEntry
from assigner.services.ports import Policy
from assigner.services.roster import import_roster
from assigner.settings import Settings
from workers import metrics
from workers.envelope import batch_envelope
from workers.handlers.commands import CommandHandler
from workers.handlers.declarations import BatchHandler

NOW = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)
UNIT = Unit("01B1", "00")
SUPERVISOR = "sup.a"
KEY = "k" * 64
RABBITMQ = "amqp://guest:guest@127.0.0.1:5672/%2F"


def clock() -> datetime:
    return NOW


class Delivery:
    """A delivered message as kombu hands it over; its acks are written to the journal."""

    def __init__(
        self,
        journal: list[str],
        tag: int,
        body: bytes,
        headers: dict[str, Any] | None = None,
        user_id: str | None = None,
        content_type: str = "application/json",
    ) -> None:
        self.journal = journal
        self.delivery_tag = tag
        self.body = body
        self.headers = headers or {}
        self.content_type = content_type
        self.content_encoding = "utf-8"
        self.properties: dict[str, Any] = {"content_type": content_type, **({"user_id": user_id} if user_id else {})}
        self.delivery_info = {"redelivered": False}

    def ack(self, multiple: bool = False) -> None:
        self.journal.append(f"ack {self.delivery_tag}{' and before' if multiple else ''}")


class FakePublisher:
    """Records what it is asked to publish; 'confirmed' goes to the journal once the broker would have confirmed."""

    def __init__(self, journal: list[str], refuse: int = 0) -> None:
        self.journal = journal
        self.refuse = refuse  # how many publishes the broker does not confirm
        self.sent: list[Outgoing] = []

    def publish(self, messages: list[Outgoing]) -> None:
        if self.refuse:
            self.refuse -= 1
            self.journal.append("not confirmed")
            raise NotConfirmed("the broker did not confirm 1 message in time", [0])
        self.sent.extend(messages)
        self.journal.append(f"confirmed {len(messages)}")

    def to(self, queue: str) -> list[Outgoing]:
        return [m for m in self.sent if m.routing_key == queue]

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(m.body) for m in self.sent if m.exchange == topology.EVENTS]


class World:
    """A runtime whose unit of work is the in-memory one, a database that may be away, and the journal."""

    def __init__(
        self,
        tmp_path: Path,
        broker_url: str | None = None,
        officers: tuple[str, ...] = ("o1", "o2", "o3"),
        **settings: Any,
    ) -> None:
        self.store = Store()
        self.journal: list[str] = []
        self.waits: list[float] = []
        self.outage_left = 0  # how many more units of work (or probes) find the database away
        import_roster(
            FakeUnitOfWork(self.store),
            [RosterEntry(Officer(o, o), UNIT, Role.CHECKER) for o in officers]
            + [RosterEntry(Officer(SUPERVISOR, "Supervisor"), UNIT, Role.SUPERVISOR)],
            clock,
            Policy(),
            "test",
        )
        self.settings = Settings(home=tmp_path, database_url="sqlite://", broker_url=broker_url, **settings)
        self.runtime = Runtime(self.settings, clock, uow_factory=self._unit_of_work, probe=self._probe)  # type: ignore[arg-type]
        self.tags = 0

    def _unit_of_work(self) -> FakeUnitOfWork:
        if self.outage_left:
            self.outage_left -= 1
            return AwayUnitOfWork(self.store, self.journal)
        return FakeUnitOfWork(self.store, self.journal)

    def _probe(self) -> None:
        if self.outage_left:
            self.outage_left -= 1
            raise outage()

    def wait(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.journal.append("waited")

    def declarations(self) -> BatchHandler:
        return BatchHandler(self.runtime, self.wait, lambda: False)

    def commands(self) -> CommandHandler:
        return CommandHandler(self.runtime, self.wait, lambda: False)

    def delivery(self, body: bytes | dict[str, Any], **options: Any) -> Delivery:
        self.tags += 1
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return Delivery(self.journal, self.tags, raw, **options)

    def assigned(self) -> dict[str, str | None]:
        return {known.declaration_number: known.officer_id for known in self.store.declarations.values()}


def phase_count(queue: str, phase: str) -> float:
    """How many batches of `queue` observed `phase` in this process's metrics."""
    found = REGISTRY.get_sample_value("assigner_batch_phase_seconds_count", {"queue": queue, "phase": phase})
    return found or 0.0


def outage() -> OperationalError:
    return OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))


class AwayUnitOfWork(FakeUnitOfWork):
    """The database is away: the transaction cannot even begin."""

    def __enter__(self) -> FakeUnitOfWork:
        raise outage()


def signed(world: World, command: dict[str, Any], key: str = KEY, **options: Any) -> Delivery:
    body = json.dumps(command).encode()
    return world.delivery(body, headers={SIGNATURE_HEADER: sign(body, key)}, **options)


def reassign(number: str, to: str = "o2", issued_by: str = SUPERVISOR, **extra: Any) -> dict[str, Any]:
    return {
        "command_id": f"c-{number}-{to}",
        "command": "reassign",
        "issued_by": issued_by,
        "issued_at": NOW.isoformat(),
        "declaration_number": number,
        "to_officer_id": to,
        "reason_code": "workload",
        **extra,
    }


class TestDeclarationBatches:
    def test_the_batch_is_acknowledged_after_the_commit_and_the_confirms_never_before(self, tmp_path: Path) -> None:
        world = World(tmp_path, broker_url=RABBITMQ)
        batch = [world.delivery(message(n)) for n in numbers(3)]
        publisher = FakePublisher(world.journal)
        world.declarations().handle(batch, publisher)  # type: ignore[arg-type]
        assert world.journal[-1] == "ack 3 and before"  # one multiple ack of the last delivery, on RabbitMQ
        assert world.journal.index("confirmed 3") < world.journal.index("ack 3 and before")
        assert world.journal[: world.journal.index("confirmed 3")].count("commit") == 1  # assigned, committed
        assert [e["officer_id"] for e in publisher.events()] == ["o1", "o2", "o3"]
        assert world.assigned() == dict(zip(numbers(3), ["o1", "o2", "o3"]))

    def test_a_failing_look_for_overdue_work_is_logged_and_never_laid_on_the_batch(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        world = World(tmp_path, broker_url=RABBITMQ, overdue_check_seconds=0.1)

        def defect(self: object, now: datetime, limit: int) -> list[object]:
            raise ZeroDivisionError("a defect in the watch")

        monkeypatch.setattr(FakeHoldings, "flag_overdue", defect)
        handler = world.declarations()
        handler._last_watched = -1.0  # due now
        before = metrics.WATCH_FAILURES._value.get()
        batch = [world.delivery(message(n)) for n in numbers(2)]
        handler.handle(batch, FakePublisher(world.journal))  # type: ignore[arg-type]
        assert world.journal[-1] == "ack 2 and before" and world.assigned() == dict(zip(numbers(2), ["o1", "o2"]))
        assert metrics.WATCH_FAILURES._value.get() == before + 1

    def test_a_batch_observes_once_each_of_its_phases_decide_publish_and_ack(self, tmp_path: Path) -> None:
        world = World(tmp_path, broker_url=RABBITMQ)

        def counts() -> list[float]:
            return [phase_count(topology.DECLARATIONS, phase) for phase in ("decide", "publish", "ack")]

        before = counts()
        world.declarations().handle([world.delivery(message(n)) for n in numbers(3)], FakePublisher(world.journal))  # type: ignore[misc]
        assert counts() == [count + 1 for count in before]

    def test_on_the_embedded_broker_each_message_is_acknowledged_itself(self, tmp_path: Path) -> None:
        world = World(tmp_path)
        world.declarations().handle([world.delivery(message(n)) for n in numbers(2)], FakePublisher(world.journal))  # type: ignore[list-item]
        assert world.journal[-2:] == ["ack 1", "ack 2"]

    def test_events_the_broker_does_not_confirm_leave_the_batch_unacknowledged(self, tmp_path: Path) -> None:
        world = World(tmp_path, broker_url=RABBITMQ)
        batch = [world.delivery(message(n)) for n in numbers(2)]
        with pytest.raises(NotConfirmed):
            world.declarations().handle(batch, FakePublisher(world.journal, refuse=1))  # type: ignore[arg-type]
        assert not [line for line in world.journal if line.startswith("ack")]
        assert world.assigned() == dict(zip(numbers(2), ["o1", "o2"]))  # stored: a redelivery finds them

    def test_a_redelivered_batch_after_a_lost_confirm_assigns_nothing_twice(self, tmp_path: Path) -> None:
        world = World(tmp_path, broker_url=RABBITMQ)
        bodies = [message(n) for n in numbers(2)]
        with pytest.raises(NotConfirmed):
            world.declarations().handle([world.delivery(b) for b in bodies], FakePublisher(world.journal, refuse=1))  # type: ignore[misc]
        publisher = FakePublisher(world.journal)
        world.declarations().handle([world.delivery(b) for b in bodies], publisher)  # type: ignore[misc]
        assert world.journal[-1] == "ack 4 and before"
        assert [e["officer_id"] for e in publisher.events()] == ["o1", "o2"]  # the same events again
        assert len(world.store.assignments) == 2

    def test_a_malformed_message_is_dead_lettered_with_its_reason_and_the_others_assigned(self, tmp_path: Path) -> None:
        world = World(tmp_path, broker_url=RABBITMQ)
        batch = [
            world.delivery(message(numbers(1)[0])),
            world.delivery(b"<xml/>"),
            world.delivery({"declaration_number": "1"}),
        ]
        publisher = FakePublisher(world.journal)
        world.declarations().handle(batch, publisher)  # type: ignore[arg-type]
        letters = publisher.to(topology.DECLARATIONS_DLQ)
        assert [m.body for m in letters] == [b"<xml/>", b'{"declaration_number": "1"}']
        assert all(m.headers[topology.ERROR_HEADER] for m in letters)
        assert "JSON" in letters[0].headers[topology.ERROR_HEADER]
        assert world.journal.index("confirmed 3") < world.journal.index("ack 3 and before")
        assert world.assigned() == {numbers(1)[0]: "o1"}

    def test_a_dead_letter_already_published_is_not_published_again_for_a_copy(self, tmp_path: Path) -> None:
        world = World(tmp_path, broker_url=RABBITMQ)
        handler, publisher = world.declarations(), FakePublisher(world.journal)
        handler.handle([world.delivery(b"<xml/>")], publisher)  # type: ignore[list-item]
        handler.handle([world.delivery(b"<xml/>")], publisher)  # type: ignore[list-item]
        assert len(publisher.to(topology.DECLARATIONS_DLQ)) == 1
        assert world.journal[-1] == "ack 2 and before"
        assert list(world.store.dead_letter_repeats.values()) == [1]  # the copy is counted

    def test_a_database_outage_is_waited_out_with_the_messages_in_hand(self, tmp_path: Path) -> None:
        world = World(tmp_path, broker_url=RABBITMQ)
        world.outage_left = 3
        batch = [world.delivery(message(n)) for n in numbers(2)]
        world.declarations().handle(batch, FakePublisher(world.journal))  # type: ignore[arg-type]
        assert world.waits  # it waited, and did not give up on the batch
        assert "ack" not in " ".join(world.journal[: world.journal.index("commit")])
        assert world.journal[-1] == "ack 2 and before"
        assert world.assigned() == dict(zip(numbers(2), ["o1", "o2"]))

    def test_one_declaration_the_database_refuses_is_dead_lettered_alone(self, tmp_path: Path) -> None:
        world = World(tmp_path, broker_url=RABBITMQ)
        refused = numbers(3)[1]
        world.store.refused_keys.add(declaration_key(refused))
        publisher = FakePublisher(world.journal)
        world.declarations().handle([world.delivery(message(n)) for n in numbers(3)], publisher)  # type: ignore[misc]
        [letter] = publisher.to(topology.DECLARATIONS_DLQ)
        assert json.loads(letter.body)["declaration_number"] == refused
        assert letter.headers[topology.ERROR_HEADER].startswith("refused by the database: value too long")
        assert world.assigned() == {numbers(3)[0]: "o1", numbers(3)[2]: "o2"}
        assert world.journal[-1] == "ack 3 and before"


class TestConfirmMarks:
    """The broker's confirms of a batch's events are marked published in the next batch's transaction (one
    transaction saved per batch), else when the worker goes idle or stops; a mark lost is no event lost."""

    def unmarked(self, world: World) -> list[str]:
        return [event.event_id for event, _, published in world.store.outbox if published is None]

    def test_a_batchs_events_are_marked_in_the_next_batchs_transaction(self, tmp_path: Path) -> None:
        world = World(tmp_path, broker_url=RABBITMQ)
        handler, publisher = world.declarations(), FakePublisher(world.journal)
        handler.handle([world.delivery(message(n)) for n in numbers(2)], publisher)  # type: ignore[misc]
        first = self.unmarked(world)
        assert len(first) == 2 and world.journal.count("commit") == 1  # no transaction of its own for the marks
        handler.handle([world.delivery(message(n)) for n in numbers(4)[2:]], publisher)  # type: ignore[misc]
        assert world.journal.count("commit") == 2  # batch N+1's transaction, and no other
        assert not set(first) & set(self.unmarked(world))  # batch N's events are marked by the end of N+1
        assert len(self.unmarked(world)) == 2

    def test_idle_marks_what_the_last_batch_left(self, tmp_path: Path) -> None:
        world = World(tmp_path, broker_url=RABBITMQ)
        handler, publisher = world.declarations(), FakePublisher(world.journal)
        handler.handle([world.delivery(message(n)) for n in numbers(2)], publisher)  # type: ignore[misc]
        handler.idle(publisher)  # type: ignore[arg-type]
        assert self.unmarked(world) == []
        assert len(publisher.events()) == 2  # marked, not published again

    def test_a_stopping_worker_marks_at_the_end_of_its_batch(self, tmp_path: Path) -> None:
        world = World(tmp_path, broker_url=RABBITMQ)
        handler = BatchHandler(world.runtime, world.wait, lambda: True)
        handler.handle([world.delivery(message(n)) for n in numbers(2)], FakePublisher(world.journal))  # type: ignore[misc]
        assert self.unmarked(world) == []
        assert world.journal.index("ack 2 and before") < len(world.journal) - 1  # acked first, then marked

    def test_a_batch_without_declarations_marks_the_earlier_ones_itself(self, tmp_path: Path) -> None:
        world = World(tmp_path, broker_url=RABBITMQ)
        handler, publisher = world.declarations(), FakePublisher(world.journal)
        handler.handle([world.delivery(message(n)) for n in numbers(2)], publisher)  # type: ignore[misc]
        handler.handle([world.delivery(b"<xml/>")], publisher)  # type: ignore[list-item]
        assert self.unmarked(world) == []

    def test_marks_lost_with_the_worker_are_published_again_by_the_sweep_with_the_same_event_ids(
        self, tmp_path: Path
    ) -> None:
        world = World(tmp_path, broker_url=RABBITMQ)
        publisher = FakePublisher(world.journal)
        world.declarations().handle([world.delivery(message(n)) for n in numbers(2)], publisher)  # type: ignore[misc]
        sent = [m.properties["message_id"] for m in publisher.sent]  # the worker is killed: its marks are lost
        later = Runtime(world.settings, lambda: NOW + timedelta(seconds=11), uow_factory=world._unit_of_work)  # type: ignore[arg-type]
        again = FakePublisher(world.journal)
        BatchHandler(later, world.wait, lambda: False).idle(again)  # type: ignore[arg-type]
        assert [m.properties["message_id"] for m in again.sent] == sent
        assert self.unmarked(world) == []


class TestCommands:
    def test_a_signed_command_for_an_unknown_declaration_is_answered_once_and_acknowledged(
        self, tmp_path: Path
    ) -> None:
        world = World(tmp_path, command_keys={SUPERVISOR: KEY})
        publisher = FakePublisher(world.journal)
        world.commands().handle([signed(world, reassign(numbers(1)[0]))], publisher)  # type: ignore[list-item]
        [answer] = publisher.events()
        assert answer["event"] == "command.rejected" and "is not known" in answer["reason"]
        assert not publisher.to(topology.COMMANDS_DLQ)  # an authenticated sender: answered, not dead-lettered
        assert world.journal.index("confirmed 1") < world.journal.index("ack 1")
        [(command_id, done)] = world.store.commands.items()
        assert (command_id, done.accepted, done.reason) == (f"c-{numbers(1)[0]}-o2", False, answer["reason"])

    def test_a_command_id_used_again_for_another_command_is_refused_and_the_same_command_replayed(
        self,
        tmp_path: Path,
    ) -> None:
        world = World(tmp_path, command_keys={SUPERVISOR: KEY})
        number = numbers(1)[0]
        first = reassign(number)
        publisher = FakePublisher(world.journal)
        world.commands().handle([signed(world, first)], publisher)  # type: ignore[list-item]
        other = {**reassign(number, to="o3"), "command_id": first["command_id"]}
        again = {**first, "issued_at": (NOW - timedelta(minutes=1)).isoformat()}
        world.commands().handle([signed(world, other), signed(world, again)], publisher)  # type: ignore[list-item]
        [letter] = publisher.to(topology.COMMANDS_DLQ)
        assert json.loads(letter.body)["to_officer_id"] == "o3"
        assert letter.headers[topology.ERROR_HEADER] == (
            f"command_id {first['command_id']} was used before for another command (reassign): "
            "give each command its own command_id"
        )
        answers = [e for e in publisher.events() if e["command_id"] == first["command_id"]]
        assert [a["reason"].split(":")[0] for a in answers] == [
            f"declaration {number} is not known",
            f"command_id {first['command_id']} was used before for another command (reassign)",
            f"declaration {number} is not known",
        ]  # the same command again: the first answer, replayed
        assert answers[0]["event_id"] == answers[2]["event_id"]
        assert world.store.commands[first["command_id"]].body["to_officer_id"] == "o2"  # the first one's record stays

    @pytest.mark.parametrize(
        ("tamper", "reason"),
        [
            (lambda world, cmd: world.delivery(cmd), "not signed"),
            (lambda world, cmd: signed(world, cmd, key="x" * 64), "bad signature: not made with the key of 'sup.a'"),
            (lambda world, cmd: signed(world, {**cmd, "issued_by": "sup.z"}), "no command key for issued_by 'sup.z'"),
            (
                lambda world, cmd: signed(world, {k: v for k, v in cmd.items() if k != "issued_at"}),
                "a signed command must carry issued_at",
            ),
        ],
        ids=["unsigned", "forged", "unknown-key", "no-issued_at"],
    )
    def test_on_the_embedded_broker_an_unvouched_command_is_dead_lettered_and_changes_nothing(
        self,
        tmp_path: Path,
        tamper: Callable[[World, dict[str, Any]], Delivery],
        reason: str,
    ) -> None:
        world = World(tmp_path, command_keys={SUPERVISOR: KEY})
        publisher = FakePublisher(world.journal)
        world.commands().handle([tamper(world, reassign(numbers(1)[0]))], publisher)  # type: ignore[list-item]
        [letter] = publisher.to(topology.COMMANDS_DLQ)
        assert letter.headers[topology.ERROR_HEADER].startswith(reason)
        assert publisher.events()[0]["event"] == "command.rejected"
        assert world.store.commands == {}  # a forged message does not use up the command's id
        assert (
            world.store.audit[-1]["action"] == "command_rejected"
            and world.store.audit[-1]["actor"] == "unauthenticated"
        )
        assert world.journal.index("confirmed 2") < world.journal.index("ack 1")

    def test_on_rabbitmq_a_command_without_user_id_is_refused(self, tmp_path: Path) -> None:
        world = World(tmp_path, broker_url=RABBITMQ)
        publisher = FakePublisher(world.journal)
        world.commands().handle([world.delivery(reassign(numbers(1)[0]))], publisher)  # type: ignore[list-item]
        [letter] = publisher.to(topology.COMMANDS_DLQ)
        assert letter.headers[topology.ERROR_HEADER].startswith("no user_id property")

    def test_on_rabbitmq_the_user_id_must_be_the_issuer(self, tmp_path: Path) -> None:
        world = World(tmp_path, broker_url=RABBITMQ)
        publisher = FakePublisher(world.journal)
        world.commands().handle([world.delivery(reassign(numbers(1)[0]), user_id="sup.b")], publisher)  # type: ignore[list-item]
        [letter] = publisher.to(topology.COMMANDS_DLQ)
        assert letter.headers[topology.ERROR_HEADER] == "issued_by 'sup.a' is not the authenticated sender 'sup.b'"

    def test_a_command_issued_too_long_ago_is_refused_as_a_possible_replay(self, tmp_path: Path) -> None:
        world = World(tmp_path, command_keys={SUPERVISOR: KEY})
        old = reassign(numbers(1)[0], issued_at=(NOW - timedelta(days=2)).isoformat())
        publisher = FakePublisher(world.journal)
        world.commands().handle([signed(world, old)], publisher)  # type: ignore[list-item]
        [letter] = publisher.to(topology.COMMANDS_DLQ)
        assert "outside the accepted window" in letter.headers[topology.ERROR_HEADER]

    def test_a_body_that_is_no_json_is_dead_lettered_with_its_reason(self, tmp_path: Path) -> None:
        world = World(tmp_path, command_keys={SUPERVISOR: KEY})
        publisher = FakePublisher(world.journal)
        world.commands().handle([world.delivery(b"\xff\xfe not json")], publisher)  # type: ignore[list-item]
        [letter] = publisher.to(topology.COMMANDS_DLQ)
        assert letter.body == b"\xff\xfe not json" and letter.headers[topology.ERROR_HEADER]
        assert publisher.events() == []  # no command_id: nobody to answer
        assert world.journal[-1] == "ack 1"

    def test_a_command_whose_answer_is_not_confirmed_stays_unacknowledged(self, tmp_path: Path) -> None:
        world = World(tmp_path, command_keys={SUPERVISOR: KEY})
        with pytest.raises(NotConfirmed):
            world.commands().handle([signed(world, reassign(numbers(1)[0]))], FakePublisher(world.journal, refuse=1))  # type: ignore[list-item]
        assert not [line for line in world.journal if line.startswith("ack")]

    def test_a_database_outage_during_a_command_is_waited_out(self, tmp_path: Path) -> None:
        world = World(tmp_path, command_keys={SUPERVISOR: KEY})
        world.outage_left = 2
        publisher = FakePublisher(world.journal)
        world.commands().handle([signed(world, reassign(numbers(1)[0]))], publisher)  # type: ignore[list-item]
        assert world.waits and world.journal[-1] == "ack 1"
        assert publisher.events()[0]["event"] == "command.rejected"


class TestLogContext:
    def lines(self, stream: io.StringIO) -> list[dict[str, Any]]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    def test_each_outcome_line_carries_its_delivery_and_the_batch_and_nothing_leaks_after(self, tmp_path: Path) -> None:
        world = World(tmp_path, broker_url=RABBITMQ)
        stream = io.StringIO()
        logs.configure("json", stream=stream)
        try:
            batch = [world.delivery(message(numbers(1)[0])), world.delivery(b"<xml/>")]
            with batch_envelope(topology.DECLARATIONS, batch):  # type: ignore[arg-type]
                world.declarations().handle(batch, FakePublisher(world.journal))  # type: ignore[arg-type]
            assert get_contextvars() == {}
            structlog.get_logger("test").info("after")
        finally:
            structlog.reset_defaults()
        assigned, dead, after = self.lines(stream)
        assert assigned["event"] == "declaration.assigned" and assigned["delivery_tag"] == 1
        assert assigned["declaration_number"] == numbers(1)[0] and assigned["unit"] == "01B1/00"
        assert dead["event"] == "declaration.dead_lettered" and dead["delivery_tag"] == 2
        assert assigned["queue"] == dead["queue"] == topology.DECLARATIONS and dead["batch_size"] == 2
        assert "delivery_tag" not in after and "queue" not in after

    def test_a_failed_batch_clears_its_context_too(self) -> None:
        with pytest.raises(RuntimeError), batch_envelope(topology.COMMANDS, []):
            raise RuntimeError("the batch failed")
        assert get_contextvars() == {}

    def test_a_command_line_carries_its_command_id(self, tmp_path: Path) -> None:
        world = World(tmp_path, command_keys={SUPERVISOR: KEY})
        stream = io.StringIO()
        logs.configure("json", stream=stream)
        try:
            world.commands().handle([signed(world, reassign(numbers(1)[0]))], FakePublisher(world.journal))  # type: ignore[list-item]
        finally:
            structlog.reset_defaults()
        [rejected] = [line for line in self.lines(stream) if line["event"] == "command.rejected"]
        assert rejected["command_id"] == f"c-{numbers(1)[0]}-o2" and rejected["delivery_tag"] == 1
