"""One event per outcome, valid against the contract's schema; stored in the outbox with its decision."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fakes import FakeUnitOfWork
from test_services import NOW, clock, declaration, entries

from assigner.domain.decision_records import record_of, records_for
from assigner.domain.decisions import Decision, HoldReason, Outcome
from assigner.domain.events import Event
from assigner.domain.model import Channel, Declaration, KnownDeclaration, Status, Unit
from assigner.domain.rotation import Turn
from assigner.schemas.event import EVENT
from assigner.services.assign import assign_declarations
from assigner.services.outbox import mark_published, pending_events
from assigner.services.ports import Policy
from assigner.services.roster import import_roster

UNIT = Unit("01B1", "00")


def yellow(number: str = "105432198760") -> Declaration:
    return Declaration(number, UNIT, Channel.YELLOW, datetime(2025, 6, 1, 14, 14, tzinfo=UTC))


def event_for(decision: Decision, event_id: str = "e") -> Event | None:
    return record_of(decision, NOW, lambda: event_id).event


def events_for(decisions: list[Decision]) -> list[Event]:
    return [record.event for record in records_for(decisions, NOW) if record.event is not None]


class TestEventOfADecision:
    def test_an_automatic_assignment_publishes_declaration_assigned_with_officer_mode_and_turn(self) -> None:
        decision = Decision(Outcome.ASSIGNED, yellow(), True, "off.1", Turn("off.1", 1, 7, 0))
        event = event_for(decision, "e-1")
        assert event is not None
        assert event.routing_key == "declaration.assigned.01B1.00"
        assert event.body["officer_id"] == "off.1" and event.body["turn"] == 7
        assert event.body["mode"] == "auto" and event.body["after_hours"] is True
        assert EVENT.validate_python(event.body).event == "declaration.assigned"

    def test_held_recorded_and_amended_events_follow_the_schema(self) -> None:
        held = Decision(Outcome.HELD, yellow(), hold_reason=HoldReason.UNKNOWN_DEPARTMENT)
        green = Decision(Outcome.RECORDED, Declaration("105432198770", UNIT, Channel.GREEN, NOW))
        known = KnownDeclaration("10543219876", "105432198760", UNIT, Status.ASSIGNED, "off.2")
        amended = Decision(Outcome.AMENDMENT, yellow("105432198761"), officer_id="off.2", previous=known)
        bodies = [e.body for e in events_for([held, green, amended])]
        assert [EVENT.validate_python(body).event for body in bodies] == [
            "declaration.held",
            "declaration.recorded",
            "declaration.amended",
        ]
        assert bodies[0]["reason"] == "unknown_department" and bodies[1]["channel"] == "green"
        assert bodies[2]["officer_id"] == "off.2" and bodies[2]["previous_declaration_number"] == "105432198760"

    def test_an_amendment_is_routed_under_the_unit_that_has_the_declaration(self) -> None:
        known = KnownDeclaration("10543219876", "105432198760", UNIT, Status.ASSIGNED, "off.2")
        moved = Declaration("105432198761", Unit("01B1", "01"), Channel.YELLOW, NOW)
        event = event_for(Decision(Outcome.AMENDMENT, moved, officer_id="off.2", previous=known))
        assert event is not None and event.routing_key == "declaration.amended.01B1.00"

    def test_a_duplicate_publishes_no_new_event(self) -> None:
        assert event_for(Decision(Outcome.DUPLICATE, yellow())) is None

    def test_event_ids_are_unique(self) -> None:
        decisions = [Decision(Outcome.RECORDED, yellow(f"1054321987{i}0")) for i in range(10)]
        assert len({event.event_id for event in events_for(decisions)}) == 10


class TestOutbox:
    def test_each_decision_stores_its_event_in_the_same_transaction(self) -> None:
        uow = FakeUnitOfWork()
        import_roster(uow, entries(UNIT, "a", "b"), clock, Policy(), "test")
        result = assign_declarations(uow, [declaration(1), declaration(2)], clock, Policy())
        assert [e.body["officer_id"] for e in result.events] == ["a", "b"]
        assert [e for e, _, _ in uow.store.outbox] == result.events

    def test_a_resent_declaration_publishes_its_event_again_with_the_same_id(self) -> None:
        uow = FakeUnitOfWork()
        import_roster(uow, entries(UNIT, "a", "b"), clock, Policy(), "test")
        first = assign_declarations(uow, [declaration(1)], clock, Policy())
        again = assign_declarations(uow, [declaration(1)], clock, Policy())
        assert again.events == first.events and len(uow.store.outbox) == 1
        assert uow.store.assignments == [("10000000001", "a", 1)]

    def test_a_declaration_sent_twice_in_one_batch_publishes_the_same_event_twice(self) -> None:
        uow = FakeUnitOfWork()
        import_roster(uow, entries(UNIT, "a"), clock, Policy(), "test")
        result = assign_declarations(uow, [declaration(1), declaration(1)], clock, Policy())
        assert len(result.events) == 2 and result.events[0] == result.events[1]

    def test_a_release_by_roster_import_leaves_its_event_pending_until_marked_published(self) -> None:
        uow = FakeUnitOfWork()
        held = assign_declarations(uow, [declaration(1)], clock, Policy())
        mark_published(uow, [e.event_id for e in held.events], clock)
        import_roster(uow, entries(UNIT, "a"), clock, Policy(), "test")

        def later() -> datetime:
            return NOW + timedelta(seconds=10)

        pending = pending_events(uow, later, timedelta(seconds=5))
        assert [(e.name, e.body["officer_id"]) for e in pending] == [("declaration.assigned", "a")]
        assert pending_events(uow, clock, timedelta(seconds=5)) == []  # too young: may still be in flight
        mark_published(uow, [e.event_id for e in pending], later)
        assert pending_events(uow, later, timedelta(seconds=5)) == []
