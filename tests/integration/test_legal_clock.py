"""The legal clock through the services, on SQLite and PostgreSQL: due times stored and published, completions
from the officer, a supervisor and upstream, and overdue declarations flagged once (docs/rules.md rule 8)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from integration.conftest import FrozenClock
from integration.helpers import (
    HANOI,
    SUPERVISOR,
    UNIT,
    assign,
    command_body,
    declaration,
    load_roster,
    numbers,
    roster,
    send_command,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from assigner.bootstrap import Runtime
from assigner.domain.completions import Completion
from assigner.domain.model import Unit
from assigner.services.completion import CompletionOutcome, complete_checks
from assigner.services.overdue import flag_overdue
from assigner.storage.tables import AuditRow, DeclarationRow, OutboxRow
from workers.handlers.declarations import BatchHandler

OTHER_UNIT = Unit("01B1", "01")


def team(*officer_ids: str) -> Any:
    return roster(UNIT, *officer_ids, supervisors=(SUPERVISOR,))


def row(runtime: Runtime, number: str) -> DeclarationRow:
    with Session(runtime.engine) as session:
        return session.scalars(select(DeclarationRow).where(DeclarationRow.declaration_key == number[:11])).one()


def hanoi(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 6, day, hour, minute, tzinfo=HANOI)


def complete(number: str, by: str) -> dict[str, Any]:
    return command_body("complete", declaration_number=number, issued_by=by)


def upstream(runtime: Runtime, *completions: Completion) -> list[Any]:
    return complete_checks(runtime.unit_of_work(), list(completions), runtime.clock, runtime.policy)


class TestDueTime:
    def test_an_assignment_is_due_two_working_hours_after_registration(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a"))
        number = numbers(1)[0]  # registered Monday 2 June 2025 at 09:00 in Hanoi
        result = assign(runtime, [declaration(number)])
        assert result.events[0].body["due_at"] == "2025-06-02T11:00:00+07:00"
        assert row(runtime, number).due_at == hanoi(2, 11)

    def test_the_clock_counts_from_the_complete_dossier(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a"))
        number = numbers(1)[0]
        received = hanoi(6, 16, 30).isoformat()  # a Friday afternoon
        assign(runtime, [declaration(number, documents_received_at=received)])
        stored = row(runtime, number)
        assert stored.due_at == hanoi(9, 9) and stored.documents_received_at == hanoi(6, 16, 30)

    def test_a_held_declaration_keeps_its_clock_when_released(self, runtime: Runtime) -> None:
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])  # nobody on the roster yet: held
        assert row(runtime, number).due_at == hanoi(2, 11)
        [released] = load_roster(runtime, team("a")).released
        assert released.officer_id == "a" and released.due_at == hanoi(2, 11)
        assert row(runtime, number).due_at == hanoi(2, 11)

    def test_green_declarations_have_no_clock(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number, channel="green")])
        assert row(runtime, number).due_at is None

    def test_a_reassignment_does_not_restart_the_clock(self, runtime: Runtime, clock: FrozenClock) -> None:
        load_roster(runtime, team("a", "b"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        clock.advance(hours=1)
        moved = send_command(runtime, command_body("reassign", declaration_number=number, to_officer_id="b"))
        assert moved.events[0].body["due_at"] == "2025-06-02T11:00:00+07:00"
        assert row(runtime, number).due_at == hanoi(2, 11)


class TestAmendments:
    def test_an_amendment_without_the_dossier_time_keeps_it_and_the_clock(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number, documents_received_at=hanoi(2, 8).isoformat())])
        assign(runtime, [declaration(number[:11] + "1", registered_at=hanoi(3, 9).isoformat())])
        stored = row(runtime, number)
        assert (stored.documents_received_at, stored.due_at) == (hanoi(2, 8), hanoi(2, 10))

    def test_a_held_declaration_amended_then_released_keeps_its_clock(self, runtime: Runtime) -> None:
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])  # held: due Monday 11:00
        assign(runtime, [declaration(number[:11] + "1", registered_at=hanoi(3, 9).isoformat())])
        [released] = load_roster(runtime, team("a")).released
        assert released.due_at == hanoi(2, 11) and row(runtime, number).due_at == hanoi(2, 11)

    def test_a_recorded_declaration_amended_to_yellow_starts_its_clock(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number, channel="green")])
        assign(runtime, [declaration(number[:11] + "1", registered_at=hanoi(3, 9).isoformat())])
        assert row(runtime, number).due_at == hanoi(3, 11)


class TestCompletion:
    def test_the_officer_completing_a_completed_declaration_is_told_so_not_dead_lettered(
        self, runtime: Runtime
    ) -> None:
        load_roster(runtime, team("a"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        send_command(runtime, complete(number, by="a"))
        again = send_command(runtime, complete(number, by="a"))  # a second click: another command_id
        assert again.rejected_because == f"declaration {number} is completed, not assigned"
        assert not again.dead_letter

    def test_two_copies_of_a_completion_in_one_batch_complete_once(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        first, second = upstream(runtime, Completion(number, "01B1", "00"), Completion(number, "01B1", "00"))
        assert (first.outcome, second.outcome) == (CompletionOutcome.COMPLETED, CompletionOutcome.ALREADY_COMPLETED)
        assert len(first.events) == 1 and second.events == []

    def test_the_officer_completes_their_own_declaration_in_time(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        result = send_command(runtime, complete(number, by="a"))
        completed = result.events[0].body
        assert result.accepted and completed["event"] == "declaration.completed"
        assert (completed["completed_by"], completed["in_time"], completed["officer_id"]) == ("officer", True, "a")
        assert row(runtime, number).completed_at == runtime.clock()

    def test_an_officer_cannot_complete_another_officers_declaration(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])  # to a
        result = send_command(runtime, complete(number, by="b"))
        assert not result.accepted and result.dead_letter
        assert row(runtime, number).status == "assigned"

    def test_late_completion_says_so(self, runtime: Runtime, clock: FrozenClock) -> None:
        load_roster(runtime, team("a"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        clock.advance(hours=3)
        result = send_command(runtime, complete(number, by=SUPERVISOR))
        assert (result.events[0].body["completed_by"], result.events[0].body["in_time"]) == ("supervisor", False)

    def test_upstream_completes_at_the_time_it_names(self, runtime: Runtime, clock: FrozenClock) -> None:
        load_roster(runtime, team("a"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        clock.advance(hours=4)
        entered = hanoi(2, 10, 30)
        [result] = upstream(runtime, Completion(number, "01B1", "00", "vnaccs", entered))
        assert result.outcome is CompletionOutcome.COMPLETED and result.events[0].body["in_time"] is True
        assert row(runtime, number).completed_at == entered
        with Session(runtime.engine) as session:
            audit = session.scalars(select(AuditRow).where(AuditRow.action == "completed")).one()
        assert (audit.actor, audit.details["completed_by"]) == ("vnaccs", "upstream")

    def test_upstream_completing_twice_changes_nothing(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        upstream(runtime, Completion(number, "01B1", "00"))
        [again] = upstream(runtime, Completion(number, "01B1", "00"))
        assert again.outcome is CompletionOutcome.ALREADY_COMPLETED and not again.events

    def test_upstream_may_complete_a_held_declaration(self, runtime: Runtime) -> None:
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])  # held: nobody on the roster
        [result] = upstream(runtime, Completion(number, "01B1", "00"))
        assert result.outcome is CompletionOutcome.COMPLETED and row(runtime, number).status == "completed"
        load_roster(runtime, team("a"))
        assert row(runtime, number).officer_id is None  # a completed declaration is never assigned

    def test_upstream_refusals_say_why(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a"))
        number, unknown, green = numbers(3)
        assign(runtime, [declaration(number), declaration(green, channel="green")])
        results = upstream(
            runtime,
            Completion(unknown, "01B1", "00"),
            Completion(number, "01B1", "01"),
            Completion(green, "01B1", "00"),
        )
        assert [r.refused for r in results[:2]] == [
            f"declaration {unknown} is not known",
            f"declaration {number} is in unit 01B1/00, not 01B1/01",
        ]
        assert results[2].outcome is CompletionOutcome.NOT_CHECKED and row(runtime, number).status == "assigned"


def overdue_in(messages: list[Any]) -> list[Any]:
    """The declaration.overdue events of a publish (not the audit.sealed heads that go with them)."""
    return [m for m in messages if json.loads(m.body)["event"] == "declaration.overdue"]


class TestOverdue:
    def test_an_open_declaration_past_its_due_time_is_flagged_once(self, runtime: Runtime, clock: FrozenClock) -> None:
        load_roster(runtime, team("a"))
        late, completed, later = numbers(3)
        assign(runtime, [declaration(late), declaration(completed)])
        send_command(runtime, complete(completed, by="a"))
        assign(runtime, [declaration(later, registered_at=hanoi(2, 10).isoformat())])
        assert flag_overdue(runtime.unit_of_work(), runtime.clock, runtime.policy) == []
        clock.advance(hours=2, minutes=1)  # 11:01: past the first's due time, not the third's (12:00)
        [event] = flag_overdue(runtime.unit_of_work(), runtime.clock, runtime.policy)
        assert (event.name, event.routing_key) == ("declaration.overdue", "declaration.overdue.01B1.00")
        assert event.body["due_at"] == "2025-06-02T11:00:00+07:00" and event.body["officer_id"] == "a"
        assert flag_overdue(runtime.unit_of_work(), runtime.clock, runtime.policy) == []
        clock.advance(hours=1)
        assert [
            e.body["declaration_number"] for e in flag_overdue(runtime.unit_of_work(), runtime.clock, runtime.policy)
        ] == [later]
        with Session(runtime.engine) as session:
            stored = session.scalars(select(OutboxRow.event).where(OutboxRow.event == "declaration.overdue")).all()
            audited = session.scalars(select(AuditRow.action).where(AuditRow.action == "overdue")).all()
        assert len(stored) == 2 and len(audited) == 2

    def test_the_worker_flags_a_backlog_a_transaction_at_a_time(self, runtime: Runtime, clock: FrozenClock) -> None:
        load_roster(runtime, team("a", "b"))
        late = numbers(1200)
        for first in range(0, len(late), 400):
            assign(runtime, [declaration(number) for number in late[first : first + 400]])
        clock.advance(hours=3)
        published: list[list[Any]] = []
        publisher = type("Publisher", (), {"publish": lambda self, messages: published.append(list(messages))})()
        handler = BatchHandler(runtime, lambda _: None, lambda: False)
        handler.watch_every = 0
        handler.watch_clocks(publisher)  # type: ignore[arg-type]
        # at most a transaction's events in hand at once: a worker back from an outage, thousands overdue
        assert [len(overdue_in(messages)) for messages in published] == [500, 500, 200]
        flagged = [json.loads(m.body)["declaration_number"] for messages in published for m in overdue_in(messages)]
        assert sorted(flagged) == sorted(late)
        # each with the head of the transaction that flagged them (the first with those of the assignments too)
        assert [len(messages) - len(overdue_in(messages)) for messages in published] == [5, 1, 1]
        many = numbers(2100, start=5000)
        for first in range(0, len(many), 700):
            assign(runtime, [declaration(number) for number in many[first : first + 700]])
        clock.advance(hours=3)
        published.clear()
        handler.watch_clocks(publisher)  # type: ignore[arg-type]
        assert [len(overdue_in(messages)) for messages in published] == [500] * 4  # a batch waits for 4 at most
        handler.watch_clocks(publisher)  # type: ignore[arg-type]
        assert [len(overdue_in(messages)) for messages in published] == [500] * 4 + [100]  # the next goes on at once

    def test_the_reports_count_overdue_open_work_per_unit(self, runtime: Runtime, clock: FrozenClock) -> None:
        load_roster(runtime, team("a"))
        assign(runtime, [declaration(n) for n in numbers(2)])
        clock.advance(hours=3)
        with runtime.unit_of_work() as uow:
            assert uow.reports.overdue_now(clock()) == {UNIT: 2}
