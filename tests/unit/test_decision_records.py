"""What each outcome writes, as plain values: the declaration's fields, versions, containers, assignment, hold,
audit entry and event (storage persists them without looking at the outcome)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assigner.domain.decision_records import record_of
from assigner.domain.decisions import Decision, HoldReason, Outcome
from assigner.domain.groups import GroupKind, GroupLink
from assigner.domain.model import Channel, Declaration, KnownDeclaration, Status, Unit
from assigner.domain.rotation import Eligibility, Skip, Turn

NOW = datetime(2025, 7, 2, 9, 0, tzinfo=UTC)
UNIT = Unit("01B1", "00")
DUE = NOW + timedelta(hours=8)


def declaration(number: str = "105432198760", unit: Unit = UNIT, containers: tuple[str, ...] = ()) -> Declaration:
    return Declaration(number, unit, Channel.YELLOW, NOW - timedelta(minutes=5), container_numbers=containers)


def known(status: Status, officer_id: str | None = None, unit: Unit = UNIT) -> KnownDeclaration:
    return KnownDeclaration("10543219876", "105432198760", unit, status, officer_id, DUE)


class TestAFirstDecision:
    def test_an_assignment_by_a_turn_writes_the_row_its_version_containers_assignment_entry_and_event(self) -> None:
        turn = Turn("b", 2, 7, 0, (Skip("a", Eligibility.ABSENT),))
        fresh = declaration(containers=("MSKU1234565", "MSKU1234565"))
        record = record_of(Decision(Outcome.ASSIGNED, fresh, False, "b", turn, due_at=DUE), NOW, lambda: "e-1")
        assert record.first and not record.resent and not record.leaves_hold and record.hold is None
        assert record.declaration is not None
        assert record.declaration["status"] == "assigned" and record.declaration["officer_id"] == "b"
        assert record.declaration["assigned_at"] == NOW and record.declaration["due_at"] == DUE
        assert record.version is not None and record.version["amendment"] == 0
        assert record.containers == [{"declaration_key": "10543219876", "container_number": "MSKU1234565"}]
        assert record.assignment is not None and record.assignment["turn"] == 7 and record.assignment["mode"] == "auto"
        assert (
            record.audit is not None and record.audit["action"] == "assigned" and record.audit["reason"] == "rotation"
        )
        assert record.audit["details"]["skipped"] == [{"officer_id": "a", "reason": "absent"}]
        assert record.audit["details"]["cursor_from"] == 0 and record.audit["details"]["position"] == 2
        assert record.event is not None and record.event.event_id == "e-1" and record.event.body["turn"] == 7

    def test_following_a_group_writes_the_group_and_no_turn(self) -> None:
        link = GroupLink(GroupKind.CONTAINER, "MSKU1234565", "10543219870", "c")
        record = record_of(Decision(Outcome.ASSIGNED, declaration(), officer_id="c", group=link), NOW)
        assert (
            record.assignment is not None and record.assignment["mode"] == "group" and record.assignment["turn"] is None
        )
        assert record.audit is not None and record.audit["reason"] == "container group of 10543219870"
        assert record.audit["details"]["follows"] == "10543219870" and "turn" not in record.audit["details"]

    def test_a_hold_writes_the_row_and_the_hold_with_its_reason_and_no_assignment(self) -> None:
        decision = Decision(Outcome.HELD, declaration(), hold_reason=HoldReason.NO_ELIGIBLE_OFFICER, due_at=DUE)
        record = record_of(decision, NOW)
        assert record.hold is not None and record.hold["reason"] == "no_eligible_officer"
        assert record.assignment is None and record.declaration is not None
        assert record.declaration["status"] == "held" and record.declaration["assigned_at"] is None
        assert record.event is not None and record.event.name == "declaration.held"

    def test_a_channel_not_assigned_is_recorded_without_clock_assignment_or_hold(self) -> None:
        green = Declaration("105432198770", UNIT, Channel.GREEN, NOW)
        record = record_of(Decision(Outcome.RECORDED, green), NOW)
        assert record.declaration is not None and record.declaration["status"] == "recorded"
        assert record.declaration["due_at"] is None and record.assignment is None and record.hold is None
        assert record.audit is not None and record.audit["reason"].startswith("channel green")


class TestALaterDecision:
    def test_an_amendment_updates_the_row_keeps_the_clock_and_replaces_the_containers(self) -> None:
        amended = declaration("105432198761", containers=("TGHU0000001",))
        decision = Decision(Outcome.AMENDMENT, amended, officer_id="b", previous=known(Status.ASSIGNED, "b"))
        record = record_of(decision, NOW)
        assert not record.first and record.declaration is not None
        assert "due_at" not in record.declaration and "assigned_at" not in record.declaration
        assert record.version is not None and record.version["amendment"] == 1
        assert record.containers == [{"declaration_key": "10543219876", "container_number": "TGHU0000001"}]
        assert record.assignment is None and record.hold is None and not record.leaves_hold
        assert record.audit is not None and record.audit["previous_officer_id"] == "b"
        assert record.event is not None and record.event.name == "declaration.amended"

    def test_a_held_declaration_assigned_leaves_its_hold(self) -> None:
        previous = known(Status.HELD)
        decision = Decision(Outcome.ASSIGNED, declaration(), officer_id="a", previous=previous, released=True)
        record = record_of(decision, NOW)
        assert record.leaves_hold and record.hold is None and record.assignment is not None
        assert record.version is None and record.containers is None  # the same amendment: kept as stored
        assert record.audit is not None and record.audit["reason"].startswith("released from hold")

    def test_a_held_declaration_corrected_into_another_unit_and_held_there_moves_its_hold(self) -> None:
        other = Unit("01B1", "01")
        decision = Decision(
            Outcome.HELD, declaration("105432198761", other), previous=known(Status.HELD), due_at=DUE + timedelta(1)
        )
        record = record_of(decision, NOW)
        assert record.leaves_hold and record.hold is not None and record.hold["department"] == "01"
        assert record.declaration is not None and record.declaration["due_at"] == DUE + timedelta(1)
        assert record.declaration["overdue_at"] is None  # its clock starts again in the corrected unit

    def test_a_resent_copy_writes_nothing_and_publishes_its_event_again(self) -> None:
        record = record_of(Decision(Outcome.DUPLICATE, declaration(), previous=known(Status.ASSIGNED, "a")), NOW)
        assert record.resent and record.declaration is None and record.version is None
        assert record.late_version is None and record.audit is None and record.event is None

    def test_an_earlier_amendment_arriving_late_keeps_only_its_version(self) -> None:
        later = KnownDeclaration("10543219876", "105432198762", UNIT, Status.ASSIGNED, "a", DUE)
        record = record_of(Decision(Outcome.DUPLICATE, declaration("105432198761"), previous=later), NOW)
        assert record.resent and record.declaration is None and record.containers is None
        assert record.late_version is not None and record.late_version["amendment"] == 1
