"""Supervisor commands through a real worker on RabbitMQ and PostgreSQL, sent as an admin tool sends them.

Each command goes to `assigner.commands` as plain JSON with the AMQP `user_id` property of a RabbitMQ
user made for the session (RabbitMQ itself refuses a user_id other than the connection's user); the
test watches what other systems see (events, dead letters) and what the database holds.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pika
import pytest
from e2e.support import (
    COMMANDS_DLQ,
    ERROR_HEADER,
    BrokerUser,
    CommandSender,
    Delivered,
    EventCollector,
    StartWorker,
    Upstream,
    WorkerProcess,
    answers,
    assignments,
    audit_entries,
    command,
    events_by_declaration,
    events_of_command,
    execute,
    holders,
    import_roster_entries,
    query,
    queue_depth,
    run_assigner,
    take_messages,
    wait_for_answer,
    worker_env,
)
from integration.helpers import message, numbers, roster
from pika.adapters.blocking_connection import BlockingChannel
from stdnum import iso6346

from assigner.domain.model import Unit
from assigner.schemas.event import EVENT

AIRPORT = Unit("01B1", "00")  # a1, a2, a3; supervised by user 'a'
PORT = Unit("02CI", "01")  # p1..p4; supervised by user 'b'
SOLO = Unit("01B1", "02")  # s1 alone; supervised by user 'a'
CHECKERS = {AIRPORT: ("a1", "a2", "a3"), PORT: ("p1", "p2", "p3", "p4"), SOLO: ("s1",)}
SUPERVISED_BY = {AIRPORT: "a", PORT: "b", SOLO: "a"}
# ISO 6346 numbers with their check digit computed, not copied.
CONTAINER = "CSQU305438" + iso6346.calc_check_digit("CSQU305438")
OTHER_CONTAINER = "MSKU000000" + iso6346.calc_check_digit("MSKU000000")


# --- Fixtures -------------------------------------------------------------------------------------


@pytest.fixture
def rostered(database_url: str, home: Path, supervisor_users: dict[str, BrokerUser]) -> dict[Unit, tuple[str, ...]]:
    """The three units' checkers and supervisors (the session's RabbitMQ users), imported."""
    entries = []
    for unit, checkers in CHECKERS.items():
        entries += roster(unit, *checkers, supervisors=(supervisor_users[SUPERVISED_BY[unit]].name,))
    import_roster_entries(database_url, home, entries)
    return CHECKERS


def _sender(vhost: str, user: BrokerUser) -> Iterator[CommandSender]:
    sender = CommandSender(user.url(vhost), user.name)
    yield sender
    sender.close()


@pytest.fixture
def sup_a(
    rabbitmq_vhost: str, supervisor_users: dict[str, BrokerUser], broker: BlockingChannel
) -> Iterator[CommandSender]:
    """Supervisor 'a' (AIRPORT, SOLO) logged in to RabbitMQ as itself."""
    yield from _sender(rabbitmq_vhost, supervisor_users["a"])


@pytest.fixture
def sup_b(
    rabbitmq_vhost: str, supervisor_users: dict[str, BrokerUser], broker: BlockingChannel
) -> Iterator[CommandSender]:
    """Supervisor 'b' (PORT only) logged in to RabbitMQ as itself."""
    yield from _sender(rabbitmq_vhost, supervisor_users["b"])


@pytest.fixture
def worker(rostered: dict[Unit, tuple[str, ...]], start_worker: StartWorker) -> WorkerProcess:
    """A worker consuming declarations and commands, the rosters imported."""
    return start_worker()


# --- Helpers --------------------------------------------------------------------------------------


def assign_all(
    upstream: Upstream, events: EventCollector, worker: WorkerProcess, messages: list[dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Send declarations, wait for their events; the latest event of each, by number."""
    upstream.send_all(messages)
    received = events.wait_for_declarations([m["declaration_number"] for m in messages], worker=worker)
    return {number: got[-1] for number, got in events_by_declaration(received).items()}


def send_and_wait(
    sender: CommandSender, events: EventCollector, worker: WorkerProcess, body: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Send a command and wait for its answer: (answer, the other events carrying its command_id since it was sent)."""
    seen = len(events.received)
    earlier = len(answers(events.received, body["command_id"]))
    sender.send(body)
    received = wait_for_answer(events, body["command_id"], count=earlier + 1, worker=worker)
    answer = answers(received, body["command_id"])[-1]
    published = [e.payload() for e in events_of_command(received[seen:], body["command_id"])]
    return answer, [e for e in published if e["event"] not in ("command.accepted", "command.rejected")]


def error_of(letter: Delivered) -> str:
    """A dead letter's x-assigner-error header, as text."""
    reason = letter.header(ERROR_HEADER)
    assert isinstance(reason, (str, bytes)), f"no {ERROR_HEADER} header: {letter.properties.headers!r}"
    return reason.decode() if isinstance(reason, bytes) else reason


def state(database_url: str) -> dict[str, Any]:
    """What a command can change: holders, assignments, holds, absences, accepted commands."""
    return {
        "holders": holders(database_url),
        "assignments": assignments(database_url),
        "holds": query(database_url, "SELECT declaration_key, reason FROM holds ORDER BY id"),
        "absences": query(database_url, "SELECT officer_id, unit_id, until, ended_at FROM absences ORDER BY id"),
        "accepted": query(database_url, "SELECT command_id FROM commands WHERE accepted ORDER BY command_id"),
    }


def rejections_audited(database_url: str, command_id: str | None = None) -> list[dict[str, Any]]:
    """The audit entries of refused commands (of one, if named), in chain order."""
    rows = audit_entries(database_url, "action = 'command_rejected'")
    return [row for row in rows if command_id is None or row["command_id"] == command_id]


def manual_rows(database_url: str) -> list[Any]:
    """Assignment rows a command wrote (manual or redistributed)."""
    return [row for row in assignments(database_url) if row.mode in ("manual", "redistributed")]


def assert_contract_events(received: list[Delivered]) -> None:
    """Every event validates against the published schema, with the contract's routing key."""
    for got in received:
        event = EVENT.validate_json(got.body)
        body = got.payload()
        expected = (
            body["event"]
            if body["event"].startswith("command.")
            else (f"{body['event']}.{body['customs_office']}.{body['department']}")
        )
        assert got.routing_key == expected == event.routing_key()
        assert got.properties.delivery_mode == 2 and got.properties.content_type == "application/json"


# --- Each command ---------------------------------------------------------------------------------


class TestEachCommand:
    def test_reassign_moves_one_declaration_to_the_officer_named_uses_no_turn_and_says_who_had_it(
        self,
        worker: WorkerProcess,
        upstream: Upstream,
        events: EventCollector,
        sup_a: CommandSender,
        database_url: str,
    ) -> None:
        first, second, third, later = numbers(4, start=1000)
        before = assign_all(upstream, events, worker, [message(n, AIRPORT) for n in (first, second, third)])
        assert [before[n]["officer_id"] for n in (first, second, third)] == ["a1", "a2", "a3"]

        body = command("reassign", sup_a.user_id, declaration_number=first, to_officer_id="a3")
        answer, [moved] = send_and_wait(sup_a, events, worker, body)

        assert answer["event"] == "command.accepted"
        assert moved["event"] == "declaration.reassigned"
        assert (moved["declaration_number"], moved["officer_id"], moved["previous_officer_id"]) == (first, "a3", "a1")
        assert (moved["command_id"], moved["mode"], moved["reason"]) == (body["command_id"], "manual", body["reason"])
        assert holders(database_url)[first] == ("assigned", "a3")
        rows = [row for row in assignments(database_url) if row.declaration_key == first[:11]]
        assert [(row.officer_id, row.mode, row.turn) for row in rows] == [("a1", "auto", 1), ("a3", "manual", None)]
        audited = query(
            database_url,
            "SELECT actor, action, mode, officer_id, previous_officer_id FROM audit_log "
            "WHERE command_id = :id ORDER BY seq",
            id=body["command_id"],
        )
        assert audited == [
            {
                "actor": sup_a.user_id,
                "action": "reassign",
                "mode": None,
                "officer_id": "a3",
                "previous_officer_id": None,
            },
            {
                "actor": sup_a.user_id,
                "action": "reassigned",
                "mode": "manual",
                "officer_id": "a3",
                "previous_officer_id": "a1",
            },
        ]

        after = assign_all(upstream, events, worker, [message(later, AIRPORT)])
        assert (after[later]["officer_id"], after[later]["turn"]) == ("a1", 4), "the manual move used a turn"
        assert_contract_events(events.received)

    @pytest.mark.parametrize("group", ["branch", "container"])
    def test_a_group_is_kept_automatically_and_reassign_group_moves_all_of_it(
        self,
        group: str,
        worker: WorkerProcess,
        upstream: Upstream,
        events: EventCollector,
        sup_a: CommandSender,
        database_url: str,
    ) -> None:
        lead, outsider, member, next_outsider, late = numbers(5, start=2000)
        if group == "branch":
            key = lead
            fields = {
                lead: {"first_declaration_number": "F", "branch_index": 1, "branch_count": 3},
                member: {"first_declaration_number": lead, "branch_index": 2, "branch_count": 3},
                late: {"first_declaration_number": lead, "branch_index": 3, "branch_count": 3},
            }
        else:
            key = CONTAINER
            fields = {
                lead: {"container_numbers": [CONTAINER]},
                member: {"container_numbers": [OTHER_CONTAINER, CONTAINER]},
                late: {"container_numbers": [CONTAINER]},
            }
        stream = [message(n, AIRPORT, **fields.get(n, {})) for n in (lead, outsider, member, next_outsider)]
        got = assign_all(upstream, events, worker, stream)

        picked = {n: (got[n]["officer_id"], got[n]["mode"], got[n]["turn"]) for n in got}
        assert picked[lead] == ("a1", "auto", 1)
        assert picked[outsider] == ("a2", "auto", 2)
        assert picked[member] == ("a1", "group", None), "the group's second declaration left its first's officer"
        assert picked[next_outsider] == ("a3", "auto", 3), "a declaration kept with its group used a turn"

        body = command("reassign_group", sup_a.user_id, group=group, key=key, to_officer_id="a2")
        answer, moved = send_and_wait(sup_a, events, worker, body)

        assert answer["event"] == "command.accepted"
        assert sorted(
            (m["declaration_number"], m["officer_id"], m["previous_officer_id"], m["mode"]) for m in moved
        ) == [(lead, "a2", "a1", "manual"), (member, "a2", "a1", "manual")]
        assert {m["event"] for m in moved} == {"declaration.reassigned"}
        now = holders(database_url)
        assert (now[lead], now[member], now[outsider]) == (("assigned", "a2"),) * 3
        assert now[next_outsider] == ("assigned", "a3")
        assert sorted((row.declaration_key, row.mode) for row in manual_rows(database_url)) == [
            (lead[:11], "manual"),
            (member[:11], "manual"),
        ]

        after = assign_all(upstream, events, worker, [message(late, AIRPORT, **fields[late])])
        assert (after[late]["officer_id"], after[late]["mode"], after[late]["turn"]) == ("a2", "group", None), (
            "a later declaration of the group did not follow the supervisor's decision"
        )
        assert_contract_events(events.received)

    def test_officer_absent_hands_their_open_work_evenly_to_the_others_by_rotation_and_later_turns_skip_them(
        self,
        worker: WorkerProcess,
        upstream: Upstream,
        events: EventCollector,
        sup_b: CommandSender,
        database_url: str,
    ) -> None:
        stream = numbers(36, start=3000)
        got = assign_all(upstream, events, worker, [message(n, PORT) for n in stream])
        assert Counter(e["officer_id"] for e in got.values()) == {"p1": 9, "p2": 9, "p3": 9, "p4": 9}
        held_by_p1 = {n for n, e in got.items() if e["officer_id"] == "p1"}

        body = command("officer_absent", sup_b.user_id, officer_id="p1")
        answer, moved = send_and_wait(sup_b, events, worker, body)

        assert answer["event"] == "command.accepted"
        assert {m["declaration_number"] for m in moved} == held_by_p1
        assert {(m["event"], m["mode"], m["previous_officer_id"]) for m in moved} == {
            ("declaration.reassigned", "redistributed", "p1")
        }
        assert Counter(m["officer_id"] for m in moved) == {"p2": 3, "p3": 3, "p4": 3}, "not even"
        assert [m["officer_id"] for m in moved] == ["p2", "p3", "p4"] * 3, "not by rotation"
        assert [m["turn"] for m in moved] == list(range(37, 46))
        now = holders(database_url)
        assert all(officer != "p1" for _, officer in now.values()), "p1 still holds open work"
        assert len([row for row in manual_rows(database_url) if row.mode == "redistributed"]) == 9
        assert query(database_url, "SELECT officer_id, unit_id, ended_at FROM absences") == [
            {"officer_id": "p1", "unit_id": None, "ended_at": None}
        ]

        later = numbers(4, start=3100)
        after = assign_all(upstream, events, worker, [message(n, PORT) for n in later])
        assert [(after[n]["officer_id"], after[n]["turn"]) for n in later] == [
            ("p2", 46),
            ("p3", 47),
            ("p4", 48),
            ("p2", 49),
        ], "the absent officer was given a turn"
        assert_contract_events(events.received)

    def test_officer_available_puts_them_back_in_rotation_and_assigns_what_was_held_for_want_of_an_officer(
        self,
        worker: WorkerProcess,
        upstream: Upstream,
        events: EventCollector,
        sup_a: CommandSender,
        database_url: str,
    ) -> None:
        absent = command("officer_absent", sup_a.user_id, officer_id="s1")
        answer, moved = send_and_wait(sup_a, events, worker, absent)
        assert (answer["event"], moved) == ("command.accepted", [])

        waiting, after_return = numbers(2, start=4000)
        held = assign_all(upstream, events, worker, [message(waiting, SOLO)])[waiting]
        assert (held["event"], held["reason"]) == ("declaration.held", "no_eligible_officer")
        assert holders(database_url)[waiting] == ("held", None)

        available = command("officer_available", sup_a.user_id, officer_id="s1")
        sup_a.send(available)
        received = wait_for_answer(events, available["command_id"], worker=worker)

        [answer] = answers(received, available["command_id"])
        assert answer["event"] == "command.accepted"
        released = events_by_declaration(received)[waiting][-1]
        assert (released["event"], released["officer_id"]) == ("declaration.assigned", "s1")
        assert holders(database_url)[waiting] == ("assigned", "s1")
        assert query(database_url, "SELECT declaration_key FROM holds") == []
        assert [row["ended_at"] is not None for row in query(database_url, "SELECT ended_at FROM absences")] == [True]

        back = assign_all(upstream, events, worker, [message(after_return, SOLO)])[after_return]
        assert (back["event"], back["officer_id"]) == ("declaration.assigned", "s1")
        assert_contract_events(events.received)

    def test_an_absence_until_a_time_ends_by_itself_and_what_was_held_meanwhile_is_assigned(
        self,
        worker: WorkerProcess,
        upstream: Upstream,
        events: EventCollector,
        sup_a: CommandSender,
        database_url: str,
    ) -> None:
        until = datetime.now(UTC) + timedelta(seconds=8)  # room to see the declaration held first
        answer, _ = send_and_wait(
            sup_a, events, worker, command("officer_absent", sup_a.user_id, officer_id="s1", until=until.isoformat())
        )
        assert answer["event"] == "command.accepted"
        [waiting] = numbers(1, start=4500)
        held = assign_all(upstream, events, worker, [message(waiting, SOLO)])[waiting]
        assert datetime.now(UTC) < until, "too slow to see the declaration held before the absence ends"
        assert (held["event"], held["reason"]) == ("declaration.held", "no_eligible_officer")

        received = events.wait_until(
            lambda got: len(events_by_declaration(got)[waiting]) == 2,
            "the held declaration assigned once the absence ended",
            worker=worker,
        )
        released = events_by_declaration(received)[waiting][-1]
        assert (released["event"], released["officer_id"]) == ("declaration.assigned", "s1")
        assert datetime.fromisoformat(released["occurred_at"]) >= until
        [returned] = query(database_url, "SELECT ended_at FROM absences")
        assert returned["ended_at"] == until, "the absence did not end at its until"
        assert query(database_url, "SELECT actor FROM audit_log WHERE action = 'officer_returned'") == [
            {"actor": "system"}
        ]

    def test_complete_closes_a_declaration_so_a_later_absence_of_its_officer_does_not_redistribute_it(
        self,
        worker: WorkerProcess,
        upstream: Upstream,
        events: EventCollector,
        sup_a: CommandSender,
        database_url: str,
    ) -> None:
        stream = numbers(4, start=5000)  # a1 gets the first and the fourth
        got = assign_all(upstream, events, worker, [message(n, AIRPORT) for n in stream])
        assert [got[n]["officer_id"] for n in stream] == ["a1", "a2", "a3", "a1"]
        done, still_open = stream[0], stream[3]

        answer, moved = send_and_wait(
            sup_a, events, worker, command("complete", sup_a.user_id, declaration_number=done)
        )
        assert answer["event"] == "command.accepted"
        assert [(m["event"], m["declaration_number"], m["completed_by"]) for m in moved] == [
            ("declaration.completed", done, "supervisor")
        ]
        assert holders(database_url)[done] == ("completed", "a1")

        answer, moved = send_and_wait(sup_a, events, worker, command("officer_absent", sup_a.user_id, officer_id="a1"))
        assert answer["event"] == "command.accepted"
        assert [(m["declaration_number"], m["officer_id"]) for m in moved] == [(still_open, "a2")], (
            "only the open declaration is redistributed"
        )
        now = holders(database_url)
        assert (now[done], now[still_open]) == (("completed", "a1"), ("assigned", "a2"))
        assert [row.mode for row in assignments(database_url) if row.declaration_key == done[:11]] == ["auto"]


# --- Who may send a command -------------------------------------------------------------------------


class TestAuthentication:
    def test_a_broker_user_who_does_not_supervise_the_unit_is_rejected_dead_lettered_audited_and_changes_nothing(
        self,
        worker: WorkerProcess,
        upstream: Upstream,
        events: EventCollector,
        sup_b: CommandSender,
        broker: BlockingChannel,
        database_url: str,
    ) -> None:
        [number] = numbers(1, start=6000)
        assign_all(upstream, events, worker, [message(number, AIRPORT)])
        before = state(database_url)

        body = command("reassign", sup_b.user_id, declaration_number=number, to_officer_id="a2")
        sent = sup_b.send(body)
        received = wait_for_answer(events, body["command_id"], worker=worker)

        [answer] = answers(received, body["command_id"])
        assert answer["event"] == "command.rejected"
        assert f"'{sup_b.user_id}' is not a supervisor of unit {AIRPORT}" in answer["reason"]
        assert [e.payload() for e in events_of_command(received, body["command_id"])] == [answer], "it moved something"
        [letter] = take_messages(broker, COMMANDS_DLQ, 1)
        assert letter.body == sent
        assert "not a supervisor" in error_of(letter)
        assert state(database_url) == before
        [audited] = rejections_audited(database_url, body["command_id"])
        assert audited["actor"] == sup_b.user_id
        assert audited["details"]["dead_lettered"] is True

    def test_issued_by_other_than_the_sender_is_rejected_dead_lettered_and_does_not_use_up_the_command_id(
        self,
        worker: WorkerProcess,
        upstream: Upstream,
        events: EventCollector,
        sup_a: CommandSender,
        sup_b: CommandSender,
        broker: BlockingChannel,
        database_url: str,
    ) -> None:
        [number] = numbers(1, start=6100)
        assign_all(upstream, events, worker, [message(number, AIRPORT)])
        before = state(database_url)

        # b signs in as b (RabbitMQ vouches for that) and claims to be a, who does supervise AIRPORT.
        forged = command("reassign", sup_a.user_id, declaration_number=number, to_officer_id="a3")
        sent = sup_b.send(forged)
        received = wait_for_answer(events, forged["command_id"], worker=worker)

        [answer] = answers(received, forged["command_id"])
        assert answer["event"] == "command.rejected"
        assert "is not the authenticated sender" in answer["reason"] and sup_b.user_id in answer["reason"]
        [letter] = take_messages(broker, COMMANDS_DLQ, 1)
        assert letter.body == sent and "authenticated sender" in error_of(letter)
        assert state(database_url) == before
        [audited] = rejections_audited(database_url, forged["command_id"])
        assert audited["actor"] == sup_b.user_id

        # a's own command with that id is still carried out: a forgery must not burn a genuine id.
        answer, moved = send_and_wait(sup_a, events, worker, forged)
        assert answer["event"] == "command.accepted"
        assert [(m["officer_id"], m["previous_officer_id"]) for m in moved] == [("a3", "a1")]

    def test_rabbitmq_refuses_a_user_id_other_than_the_connections_user_so_the_worker_may_trust_it(
        self,
        sup_a: CommandSender,
        sup_b: CommandSender,
    ) -> None:
        with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
            sup_b.send(command("complete", sup_a.user_id, declaration_number=numbers(1)[0]), user_id=sup_a.user_id)
        assert refused.value.reply_code == 406  # PRECONDITION_FAILED: user_id does not match the authenticated user

    def test_the_cli_sends_a_command_as_the_broker_user_it_logs_in_as(
        self,
        worker: WorkerProcess,
        upstream: Upstream,
        events: EventCollector,
        rabbitmq_vhost: str,
        supervisor_users: dict[str, BrokerUser],
        database_url: str,
        home: Path,
    ) -> None:
        [number] = numbers(1, start=6300)
        assign_all(upstream, events, worker, [message(number, AIRPORT)])
        user = supervisor_users["a"]
        env = worker_env(database_url, home, user.url(rabbitmq_vhost))

        sent = run_assigner(
            env, "command", "reassign", number, "--to", "a2", "--reason-code", "workload", "--reason", "by the CLI"
        )
        assert sent.returncode == 0, sent.stderr
        command_id = sent.stdout.split()[1]
        received = wait_for_answer(events, command_id, worker=worker)

        assert [e.payload()["event"] for e in events_of_command(received, command_id)] == [
            "declaration.reassigned",
            "command.accepted",
        ]
        assert holders(database_url)[number] == ("assigned", "a2")
        [row] = query(database_url, "SELECT issued_by, body FROM commands")
        assert row["issued_by"] == user.name, "the CLI's default --by is not the broker user"
        assert row["body"]["reason"] == "by the CLI"

    def test_the_cli_waits_for_the_answer_on_a_queue_of_its_own(
        self,
        worker: WorkerProcess,
        upstream: Upstream,
        events: EventCollector,
        rabbitmq_vhost: str,
        supervisor_users: dict[str, BrokerUser],
        database_url: str,
        home: Path,
    ) -> None:
        [number] = numbers(1, start=6400)
        assign_all(upstream, events, worker, [message(number, AIRPORT)])
        env = worker_env(database_url, home, supervisor_users["a"].url(rabbitmq_vhost))
        done = run_assigner(env, "command", "reassign", number, "--to", "a2", "--reason-code", "workload", "--wait")
        assert (done.returncode, done.stdout.splitlines()[-1:]) == (0, ["accepted"]), done.stderr
        done = run_assigner(env, "command", "reassign", number, "--to", "nobody", "--reason-code", "workload", "--wait")
        assert done.returncode == 3
        assert done.stdout.splitlines()[-1].startswith("rejected: ")
        assert holders(database_url)[number] == ("assigned", "a2")

    def test_a_command_without_a_user_id_property_is_rejected_and_dead_lettered(
        self,
        worker: WorkerProcess,
        upstream: Upstream,
        events: EventCollector,
        sup_a: CommandSender,
        rabbitmq_url: str,
        broker: BlockingChannel,
        database_url: str,
    ) -> None:
        [number] = numbers(1, start=6200)
        assign_all(upstream, events, worker, [message(number, AIRPORT)])
        before = state(database_url)

        anonymous = CommandSender(rabbitmq_url, user_id=None)  # guest, who sets no user_id
        try:
            body = command("reassign", sup_a.user_id, declaration_number=number, to_officer_id="a2")
            sent = anonymous.send(body)
        finally:
            anonymous.close()
        received = wait_for_answer(events, body["command_id"], worker=worker)

        [answer] = answers(received, body["command_id"])
        assert answer["event"] == "command.rejected" and "user_id" in answer["reason"]
        [letter] = take_messages(broker, COMMANDS_DLQ, 1)
        assert letter.body == sent and "user_id" in error_of(letter)
        assert state(database_url) == before
        [audited] = rejections_audited(database_url, body["command_id"])
        assert audited["actor"] == "unauthenticated"


# --- Idempotence, refusals, malformed commands ----------------------------------------------------------


class TestReplayAndRefusals:
    def test_a_replayed_command_id_is_done_once_and_answered_again_with_the_same_events(
        self,
        worker: WorkerProcess,
        upstream: Upstream,
        events: EventCollector,
        sup_a: CommandSender,
        broker: BlockingChannel,
        database_url: str,
    ) -> None:
        first, later = numbers(2, start=7000)
        assign_all(upstream, events, worker, [message(first, AIRPORT)])
        body = command("reassign", sup_a.user_id, declaration_number=first, to_officer_id="a2")

        sup_a.send(body)
        sup_a.send(body)  # the same message again, as a retrying tool would send it
        received = wait_for_answer(events, body["command_id"], count=2, worker=worker)

        published = [(e.payload(), e.properties.message_id) for e in events_of_command(received, body["command_id"])]
        assert len(published) == 4
        assert published[2:] == published[:2], "the replay's events are not the first ones, same ids"
        assert [p["event"] for p, _ in published[:2]] == ["declaration.reassigned", "command.accepted"]
        assert [row.mode for row in manual_rows(database_url)] == ["manual"], "moved twice"
        assert query(database_url, "SELECT count(*) AS n FROM audit_log WHERE action = 'reassigned'") == [{"n": 1}]
        assert query(database_url, "SELECT command_id, accepted FROM commands") == [
            {"command_id": body["command_id"], "accepted": True}
        ]
        assert queue_depth(broker, COMMANDS_DLQ) == 0
        logged = worker.wait_for_log("command.accepted", count=2)  # written just after the answer is published
        assert [line.get("replayed") for line in logged] == [None, True]

        after = assign_all(upstream, events, worker, [message(later, AIRPORT)])[later]
        assert (after["officer_id"], after["turn"]) == ("a2", 2)

    def test_a_business_refusal_is_answered_with_its_reason_audited_and_not_dead_lettered(
        self,
        worker: WorkerProcess,
        upstream: Upstream,
        events: EventCollector,
        sup_a: CommandSender,
        broker: BlockingChannel,
        database_url: str,
    ) -> None:
        stream = numbers(2, start=8000)
        assign_all(upstream, events, worker, [message(n, AIRPORT) for n in stream])
        before = state(database_url)
        refusals = [
            (
                command("reassign", sup_a.user_id, declaration_number=stream[0], to_officer_id="p1"),
                f"officer p1 is not on the roster of unit {AIRPORT}",
            ),
            (
                command("reassign", sup_a.user_id, declaration_number="109999999990", to_officer_id="a2"),
                "declaration 109999999990 is not known",
            ),
            (command("reassign", sup_a.user_id, declaration_number=stream[1], to_officer_id="a2"), "already with a2"),
            (command("officer_available", sup_a.user_id, officer_id="a1"), "officer a1 is not absent"),
        ]
        for body, _ in refusals:
            sup_a.send(body)
        received = events.wait_until(
            lambda got: all(answers(got, b["command_id"]) for b, _ in refusals),
            "an answer to each refused command",
            worker=worker,
        )

        for body, words in refusals:
            [answer] = answers(received, body["command_id"])
            assert answer["event"] == "command.rejected" and words in answer["reason"], answer
            [audited] = rejections_audited(database_url, body["command_id"])
            assert audited["actor"] == sup_a.user_id and audited["details"]["dead_lettered"] is False
            assert words in audited["reason"]
        assert queue_depth(broker, COMMANDS_DLQ) == 0, "a business refusal was dead-lettered"
        assert state(database_url) == before
        recorded = query(database_url, "SELECT command_id, accepted, reason FROM commands")
        assert {(r["command_id"], r["accepted"]) for r in recorded} == {(b["command_id"], False) for b, _ in refusals}

        # The same refused command again: the same answer, same event_id, nothing more audited.
        first = refusals[0][0]
        sup_a.send(first)
        again = wait_for_answer(events, first["command_id"], count=2, worker=worker)
        original, repeated = answers(again, first["command_id"])
        assert repeated == original
        assert len(rejections_audited(database_url, first["command_id"])) == 1

    def test_officer_absent_naming_a_unit_that_does_not_exist_is_refused_and_the_worker_goes_on(
        self,
        worker: WorkerProcess,
        upstream: Upstream,
        events: EventCollector,
        sup_a: CommandSender,
        broker: BlockingChannel,
        database_url: str,
    ) -> None:
        [number] = numbers(1, start=8500)
        assign_all(upstream, events, worker, [message(number, AIRPORT)])
        before = state(database_url)
        nowhere = command(
            "officer_absent", sup_a.user_id, officer_id="a1", units=[{"customs_office": "99ZZ", "department": "00"}]
        )
        following = command("reassign", sup_a.user_id, declaration_number=number, to_officer_id="a2")
        sup_a.send(nowhere)
        sup_a.send(following)
        received = events.wait_until(
            lambda got: bool(answers(got, following["command_id"]) or worker.logged("worker.connection_lost")),
            "an answer to the command after it (or a failure in the worker)",
            worker=worker,
        )
        failures = [line["error"] for line in worker.logged("worker.connection_lost")]
        assert not failures, f"the command failed in the worker, which takes it again and again: {failures}"

        [answer] = answers(received, nowhere["command_id"])
        assert answer["event"] == "command.rejected" and "99ZZ/00" in answer["reason"]
        assert answers(received, following["command_id"])[0]["event"] == "command.accepted"
        assert state(database_url)["absences"] == before["absences"] == []

    def test_malformed_commands_are_dead_lettered_with_their_reason_and_the_worker_goes_on(
        self,
        worker: WorkerProcess,
        upstream: Upstream,
        events: EventCollector,
        sup_a: CommandSender,
        broker: BlockingChannel,
        database_url: str,
    ) -> None:
        [number] = numbers(1, start=9000)
        assign_all(upstream, events, worker, [message(number, AIRPORT)])
        before = state(database_url)
        missing = command("reassign", sup_a.user_id, declaration_number=number)  # no to_officer_id
        unknown = command("promote", sup_a.user_id, officer_id="a1")
        bad_number = command("reassign", sup_a.user_id, declaration_number="12345", to_officer_id="a2")
        malformed: list[tuple[bytes, str]] = [
            (b'{"command": "reassign", ', "not JSON"),
            (json.dumps([missing]).encode(), ""),
            (json.dumps(missing).encode(), "to_officer_id"),
            (json.dumps(unknown).encode(), "command"),
            (json.dumps(bad_number).encode(), "declaration_number"),
        ]
        for body, _ in malformed:
            sup_a.send(body)
        valid = command("reassign", sup_a.user_id, declaration_number=number, to_officer_id="a3")
        answer, moved = send_and_wait(sup_a, events, worker, valid)

        assert answer["event"] == "command.accepted" and [m["officer_id"] for m in moved] == ["a3"]
        worker.assert_running()
        letters = {letter.body: letter for letter in take_messages(broker, COMMANDS_DLQ, len(malformed))}
        assert set(letters) == {body for body, _ in malformed}, "a dead letter is not the message as received"
        for body, words in malformed:
            assert words in error_of(letters[body]), (body, error_of(letters[body]))
        for refused in (missing, unknown, bad_number):
            [rejected] = answers(events.received, refused["command_id"])
            assert rejected["event"] == "command.rejected"
        assert len(rejections_audited(database_url)) == len(malformed)
        after = state(database_url)
        assert after["assignments"][:-1] == before["assignments"], "only the valid command changed something"


# --- The audit trail -----------------------------------------------------------------------------------


def commands_run(upstream: Upstream, events: EventCollector, worker: WorkerProcess, sup_a: CommandSender) -> None:
    """Declarations, then one of each command (and a refused one), then more declarations."""
    stream = numbers(6, start=9500)
    assign_all(upstream, events, worker, [message(n, AIRPORT) for n in stream])
    for body in (
        command("reassign", sup_a.user_id, declaration_number=stream[0], to_officer_id="a3"),
        command("complete", sup_a.user_id, declaration_number=stream[1]),
        command("officer_absent", sup_a.user_id, officer_id="a2"),
        command("officer_available", sup_a.user_id, officer_id="a2"),
        command("reassign", sup_a.user_id, declaration_number=stream[2], to_officer_id="p1"),  # refused
    ):
        send_and_wait(sup_a, events, worker, body)
    assign_all(upstream, events, worker, [message(n, AIRPORT) for n in numbers(3, start=9600)])


def entry_of(database_url: str, where: str) -> tuple[int, int]:
    """The id and the place in chain order of the one audit entry matching a condition."""
    [row] = audit_entries(database_url, where)
    return int(row["id"]), int(row["place"])


class TestAuditTrail:
    def test_audit_verify_says_ok_after_commands_and_names_an_edited_then_a_deleted_entry(
        self,
        worker: WorkerProcess,
        upstream: Upstream,
        events: EventCollector,
        sup_a: CommandSender,
        database_url: str,
        home: Path,
    ) -> None:
        commands_run(upstream, events, worker, sup_a)
        env = worker_env(database_url, home)

        verified = run_assigner(env, "audit", "verify")
        assert verified.returncode == 0, verified.stderr
        assert verified.stdout.startswith("OK"), verified.stdout

        entry, edited = entry_of(database_url, "action = 'reassigned' AND mode = 'manual'")
        execute(database_url, "UPDATE audit_log SET officer_id = 'a1' WHERE id = :id", id=entry)
        tampered = run_assigner(env, "audit", "verify")
        assert tampered.returncode != 0 and tampered.stdout == ""
        assert tampered.stderr.startswith(f"FAILED at entry {edited}:"), tampered.stderr

        execute(database_url, "UPDATE audit_log SET officer_id = 'a3' WHERE id = :id", id=entry)
        restored = run_assigner(env, "audit", "verify")
        assert restored.returncode == 0 and restored.stdout.startswith("OK"), (
            "restoring the entry did not restore the chain"
        )

        entry, deleted = entry_of(database_url, "action = 'officer_absent'")
        execute(database_url, "DELETE FROM audit_log WHERE id = :id", id=entry)
        truncated = run_assigner(env, "audit", "verify")
        assert truncated.returncode != 0 and truncated.stdout == ""
        assert truncated.stderr.startswith(f"FAILED at entry {deleted}:"), truncated.stderr
        assert "is missing" in truncated.stderr, truncated.stderr
