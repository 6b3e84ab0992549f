"""Groups kept automatically, and supervisors' commands, on real storage (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import timedelta
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
from sqlalchemy import func, select, update

from assigner.bootstrap import Runtime
from assigner.domain.authentication import Claims
from assigner.domain.decisions import Outcome
from assigner.domain.model import Unit
from assigner.domain.roster import RosterEntry
from assigner.domain.untrusted import EXCERPT_LIMIT, excerpt, json_text, safe_text
from assigner.services.absences import return_due_officers
from assigner.services.audit import verify_audit
from assigner.services.commands import reject
from assigner.storage.tables import (
    AbsenceRow,
    AssignmentRow,
    AuditRow,
    CommandRow,
    CursorRow,
    DeclarationRow,
    HoldRow,
    OutboxRow,
    UnitRow,
)

OTHER_UNIT = Unit("01B1", "01")
BOX = "CSQU3054383"
OTHER_BOX = "MSKU0000006"
UNKNOWN_UNIT = Unit("09ZZ", "00")


def team(*officer_ids: str, unit: Unit = UNIT, inactive: tuple[str, ...] = ()) -> list[RosterEntry]:
    """A roster of checkers with the test's supervisor."""
    return roster(unit, *officer_ids, inactive=inactive, supervisors=(SUPERVISOR,))


def holder(runtime: Runtime, number: str) -> tuple[str, str | None]:
    """A declaration's (status, officer)."""
    with runtime.engine.connect() as connection:
        query = select(DeclarationRow.status, DeclarationRow.officer_id)
        row = connection.execute(query.where(DeclarationRow.declaration_key == number[:11])).one()
    return row[0], row[1]


def officers_of(runtime: Runtime, *declaration_numbers: str) -> list[str | None]:
    return [holder(runtime, number)[1] for number in declaration_numbers]


def assignments(runtime: Runtime, number: str) -> list[tuple[str, str, int | None, str | None]]:
    """A declaration's assignments, oldest first: (officer, mode, turn, command_id)."""
    query = (
        select(AssignmentRow.officer_id, AssignmentRow.mode, AssignmentRow.turn, AssignmentRow.command_id)
        .where(AssignmentRow.declaration_key == number[:11])
        .order_by(AssignmentRow.id)
    )
    with runtime.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query)]  # type: ignore[misc]


def cursor(runtime: Runtime, unit: Unit = UNIT) -> tuple[int, int]:
    """A unit's (position, turn)."""
    query = (
        select(CursorRow.position, CursorRow.turn)
        .join(UnitRow, UnitRow.id == CursorRow.unit_id)
        .where(UnitRow.customs_office == unit.customs_office, UnitRow.department == unit.department)
    )
    with runtime.engine.connect() as connection:
        row = connection.execute(query).one()
    return row[0], row[1]


def count(runtime: Runtime, table: type, *where: Any) -> int:
    with runtime.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(table).where(*where)) or 0


def set_unit(runtime: Runtime, unit: Unit = UNIT, **values: Any) -> None:
    """Change a unit's settings directly in storage (as an administrator would)."""
    with runtime.engine.begin() as connection:
        connection.execute(
            update(UnitRow)
            .where(UnitRow.customs_office == unit.customs_office, UnitRow.department == unit.department)
            .values(**values)
        )


def event_names(result: Any) -> list[str]:
    return [event.name for event in result.events]


def reassign(number: str, to: str, **fields: Any) -> dict[str, Any]:
    return command_body("reassign", declaration_number=number, to_officer_id=to, **fields)


def absent(officer_id: str, **fields: Any) -> dict[str, Any]:
    return command_body("officer_absent", officer_id=officer_id, **fields)


def available(officer_id: str, **fields: Any) -> dict[str, Any]:
    return command_body("officer_available", officer_id=officer_id, **fields)


def complete(number: str, **fields: Any) -> dict[str, Any]:
    return command_body("complete", declaration_number=number, **fields)


def refused_because(runtime: Runtime, body: dict[str, Any], sender: str | None = None) -> str:
    """Send a command that must be refused (not dead-lettered): its reason."""
    result = send_command(runtime, body, sender)
    assert not result.accepted and not result.dead_letter, result
    assert result.rejected_because is not None
    return result.rejected_because


class TestGroupsKeptAutomatically:
    def test_the_second_branch_of_a_lot_goes_to_the_first_ones_officer_without_a_turn(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b", "c"))
        first, second, other = numbers(3)
        assign(runtime, [declaration(first, first_declaration_number="F")])
        result = assign(runtime, [declaration(second, first_declaration_number=first)])
        decision = result.decisions[0]
        assert (decision.outcome, decision.officer_id, decision.mode) == (Outcome.ASSIGNED, "a", "group")
        assert decision.turn is None
        assert assignments(runtime, second) == [("a", "group", None, None)]
        assert result.events[0].body["mode"] == "group" and result.events[0].body["turn"] is None
        assert cursor(runtime) == (1, 1)
        assert assign(runtime, [declaration(other)]).decisions[0].officer_id == "b"

    def test_branches_of_a_lot_in_one_batch_go_together(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        plain, first, second, third = numbers(4)
        assign(
            runtime,
            [
                declaration(plain),
                declaration(first, first_declaration_number="F"),
                declaration(second, first_declaration_number=first),
                declaration(third, first_declaration_number=first),
            ],
        )
        assert officers_of(runtime, plain, first, second, third) == ["a", "b", "b", "b"]
        assert cursor(runtime) == (2, 2)

    def test_a_branch_arriving_before_the_first_of_its_lot_holds_the_lot(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        first, second = numbers(2)
        assign(runtime, [declaration(second, first_declaration_number=first)])
        decision = assign(runtime, [declaration(first, first_declaration_number="F")]).decisions[0]
        assert (decision.officer_id, decision.mode) == ("a", "group")

    def test_a_declaration_sharing_a_container_goes_to_the_officer_who_has_it(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        first, second = numbers(2)
        assign(runtime, [declaration(first, container_numbers=[BOX])])
        decision = assign(runtime, [declaration(second, container_numbers=[OTHER_BOX, BOX])]).decisions[0]
        assert (decision.officer_id, decision.mode, decision.turn) == ("a", "group", None)
        assert cursor(runtime) == (1, 1)

    def test_a_group_in_another_unit_is_not_followed(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b") + team("x", "a", unit=OTHER_UNIT))
        first, second = numbers(2)
        assign(runtime, [declaration(first, container_numbers=[BOX])])
        decision = assign(runtime, [declaration(second, OTHER_UNIT, container_numbers=[BOX])]).decisions[0]
        assert (decision.officer_id, decision.mode) == ("x", "auto")

    def test_container_groups_switched_off_in_a_unit_take_a_turn(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        set_unit(runtime, keep_container_groups=False)
        first, second, third, fourth = numbers(4)
        assign(runtime, [declaration(first, container_numbers=[BOX])])
        decision = assign(runtime, [declaration(second, container_numbers=[BOX])]).decisions[0]
        assert (decision.officer_id, decision.mode) == ("b", "auto") and cursor(runtime) == (2, 2)
        assign(runtime, [declaration(third, first_declaration_number="F")])
        assert assign(runtime, [declaration(fourth, first_declaration_number=third)]).decisions[0].mode == "group"

    def test_branch_groups_switched_off_in_a_unit_take_a_turn(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        set_unit(runtime, keep_branch_groups=False)
        first, second = numbers(2)
        assign(runtime, [declaration(first, first_declaration_number="F")])
        decision = assign(runtime, [declaration(second, first_declaration_number=first)]).decisions[0]
        assert (decision.officer_id, decision.mode) == ("b", "auto")

    def test_a_group_whose_officer_is_absent_takes_a_turn(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b", "c"))
        first, second = numbers(2)
        assign(runtime, [declaration(first, first_declaration_number="F")])
        assert send_command(runtime, absent("a", redistribute=False)).accepted
        decision = assign(runtime, [declaration(second, first_declaration_number=first)]).decisions[0]
        assert (decision.officer_id, decision.mode) == ("b", "auto")
        assert decision.turn is not None and decision.turn.number == 2

    def test_a_completed_declaration_no_longer_holds_its_group(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        first, second = numbers(2)
        assign(runtime, [declaration(first, container_numbers=[BOX])])
        assert send_command(runtime, complete(first)).accepted
        decision = assign(runtime, [declaration(second, container_numbers=[BOX])]).decisions[0]
        assert (decision.officer_id, decision.mode) == ("b", "auto")

    def test_a_group_follows_its_declaration_after_a_manual_reassignment(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b", "c"))
        first, second = numbers(2)
        assign(runtime, [declaration(first, first_declaration_number="F")])
        assert send_command(runtime, reassign(first, "c")).accepted
        decision = assign(runtime, [declaration(second, first_declaration_number=first)]).decisions[0]
        assert (decision.officer_id, decision.mode) == ("c", "group")

    def test_a_held_branch_released_later_follows_its_lot(self, runtime: Runtime, clock: FrozenClock) -> None:
        load_roster(runtime, team("a", "b"))
        first, second = numbers(2)
        assign(runtime, [declaration(first, first_declaration_number="F")])
        until = (clock() + timedelta(hours=1)).isoformat()
        for officer in ("a", "b"):
            assert send_command(runtime, absent(officer, until=until, redistribute=False)).accepted
        held = assign(runtime, [declaration(second, first_declaration_number=first)]).decisions[0]
        assert held.outcome is Outcome.HELD
        clock.advance(hours=1)
        released, _ = return_due_officers(runtime.unit_of_work(), clock, runtime.policy)
        assert [(d.officer_id, d.mode) for d in released] == [("a", "group")]

    def test_a_held_declaration_released_later_follows_its_container(
        self, runtime: Runtime, clock: FrozenClock
    ) -> None:
        load_roster(runtime, team("a", "b"))
        first, second = numbers(2)
        assign(runtime, [declaration(first, container_numbers=[BOX])])
        until = (clock() + timedelta(hours=1)).isoformat()
        for officer in ("a", "b"):
            assert send_command(runtime, absent(officer, until=until, redistribute=False)).accepted
        assert assign(runtime, [declaration(second, container_numbers=[BOX])]).decisions[0].outcome is Outcome.HELD
        clock.advance(hours=1)
        released, _ = return_due_officers(runtime.unit_of_work(), clock, runtime.policy)
        assert [(d.officer_id, d.mode) for d in released] == [("a", "group")]


class TestReassign:
    def test_moves_the_declaration_to_the_officer_named(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b", "c"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        body = reassign(number, "c", reason="a is overloaded")
        result = send_command(runtime, body)
        assert result.accepted and not result.replayed and not result.dead_letter
        assert holder(runtime, number) == ("assigned", "c")
        assert assignments(runtime, number) == [("a", "auto", 1, None), ("c", "manual", None, body["command_id"])]
        assert event_names(result) == ["declaration.reassigned", "command.accepted"]
        moved = result.events[0].body
        assert (moved["officer_id"], moved["previous_officer_id"], moved["command_id"], moved["reason"]) == (
            "c",
            "a",
            body["command_id"],
            "a is overloaded",
        )
        assert cursor(runtime) == (1, 1)  # a manual move uses no turn

    def test_the_command_and_its_move_are_audited(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        body = reassign(number, "b", reason="sick")
        send_command(runtime, body)
        with runtime.engine.connect() as connection:
            rows = connection.execute(
                select(
                    AuditRow.action,
                    AuditRow.actor,
                    AuditRow.mode,
                    AuditRow.officer_id,
                    AuditRow.previous_officer_id,
                    AuditRow.reason,
                )
                .where(AuditRow.command_id == body["command_id"])
                .order_by(AuditRow.seq)
            ).all()
        assert [tuple(row) for row in rows] == [
            ("reassign", SUPERVISOR, None, "b", None, "sick"),
            ("reassigned", SUPERVISOR, "manual", "b", "a", "sick"),
        ]

    def test_a_held_declaration_assigned_by_hand_leaves_its_hold(self, runtime: Runtime, clock: FrozenClock) -> None:
        load_roster(runtime, team("a", "b"))
        number = numbers(1)[0]
        until = (clock() + timedelta(hours=1)).isoformat()
        for officer in ("a", "b"):
            assert send_command(runtime, absent(officer, until=until, redistribute=False)).accepted
        assert assign(runtime, [declaration(number)]).decisions[0].outcome is Outcome.HELD
        clock.advance(hours=2)  # both are back, and the supervisor acts before anything releases the hold
        result = send_command(runtime, reassign(number, "b"))
        assert result.accepted and event_names(result) == ["declaration.assigned", "command.accepted"]
        assert result.events[0].body["mode"] == "manual"
        assert holder(runtime, number) == ("assigned", "b") and count(runtime, HoldRow) == 0
        assert assignments(runtime, number) == [("b", "manual", None, result.command_id)]

    def test_to_the_officer_who_has_it_is_refused(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        assert refused_because(runtime, reassign(number, "a")) == f"declaration {number} is already with a"
        assert assignments(runtime, number) == [("a", "auto", 1, None)]

    def test_to_an_officer_not_on_the_roster_is_refused(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b") + team("x", unit=OTHER_UNIT))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        assert refused_because(runtime, reassign(number, "x")) == f"officer x is not on the roster of unit {UNIT}"
        assert holder(runtime, number) == ("assigned", "a")

    def test_to_an_absent_officer_is_refused(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        send_command(runtime, absent("b"))
        assert refused_because(runtime, reassign(number, "b")) == f"officer b is absent in unit {UNIT}"

    def test_to_an_inactive_officer_is_refused(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b", inactive=("b",)))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        assert refused_because(runtime, reassign(number, "b")) == f"officer b is inactive in unit {UNIT}"

    def test_an_unknown_declaration_is_refused(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        number = numbers(1)[0]
        assert refused_because(runtime, reassign(number, "b")) == f"declaration {number} is not known"

    def test_a_completed_declaration_is_refused(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        assert send_command(runtime, complete(number)).accepted
        assert refused_because(runtime, reassign(number, "b")) == f"declaration {number} is completed"
        assert holder(runtime, number) == ("completed", "a")

    def test_a_recorded_declaration_is_refused(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number, channel="green")])
        assert refused_because(runtime, reassign(number, "b")).startswith(f"declaration {number} is recorded")

    def test_a_declaration_held_for_an_unknown_department_is_refused(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        number = numbers(1)[0]
        assert assign(runtime, [declaration(number, UNKNOWN_UNIT)]).decisions[0].hold_reason == "unknown_department"
        result = send_command(runtime, reassign(number, "b"))
        assert not result.accepted and holder(runtime, number) == ("held", None)

    def test_a_refusal_is_stored_audited_and_answered_with_command_rejected(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        number = numbers(1)[0]
        body = reassign(number, "b")
        result = send_command(runtime, body)
        assert event_names(result) == ["command.rejected"]
        assert result.events[0].body["reason"] == f"declaration {number} is not known"
        with runtime.engine.connect() as connection:
            stored = connection.execute(select(CommandRow.accepted, CommandRow.reason)).one()
            audited = connection.execute(
                select(AuditRow.action, AuditRow.actor).where(AuditRow.command_id == body["command_id"])
            ).all()
        assert tuple(stored) == (False, f"declaration {number} is not known")
        assert [tuple(row) for row in audited] == [("command_rejected", SUPERVISOR)]


class TestReassignGroup:
    def test_moves_every_open_declaration_of_a_branch_lot(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b", "c"))
        first, second, third = numbers(3)
        assign(runtime, [declaration(first, first_declaration_number="F")])
        assign(runtime, [declaration(n, first_declaration_number=first) for n in (second, third)])
        assert send_command(runtime, complete(third)).accepted
        body = command_body("reassign_group", group="branch", key=first, to_officer_id="c")
        result = send_command(runtime, body)
        assert result.accepted
        assert [move.holding.declaration_number for move in result.moves] == [first, second]
        assert officers_of(runtime, first, second, third) == ["c", "c", "a"]
        assert holder(runtime, third)[0] == "completed"
        assert event_names(result) == ["declaration.reassigned", "declaration.reassigned", "command.accepted"]

    def test_a_branch_key_may_name_any_amendment_of_the_first_declaration(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        first, second = numbers(2)
        assign(
            runtime,
            [declaration(first, first_declaration_number="F"), declaration(second, first_declaration_number=first)],
        )
        body = command_body("reassign_group", group="branch", key=first[:11] + "4", to_officer_id="b")
        assert send_command(runtime, body).accepted
        assert officers_of(runtime, first, second) == ["b", "b"]

    def test_moves_every_open_declaration_sharing_a_container(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b", "c"))
        first, second, other = numbers(3)
        assign(
            runtime, [declaration(first, container_numbers=[BOX]), declaration(other, container_numbers=[OTHER_BOX])]
        )
        assign(runtime, [declaration(second, container_numbers=[OTHER_BOX, BOX])])
        result = send_command(runtime, command_body("reassign_group", group="container", key=BOX, to_officer_id="c"))
        assert result.accepted
        assert officers_of(runtime, first, second, other) == ["c", "c", "b"]

    def test_members_already_with_the_officer_are_not_moved_again(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        first, second = numbers(2)
        assign(runtime, [declaration(first, container_numbers=[BOX])])
        send_command(runtime, command_body("reassign_group", group="container", key=BOX, to_officer_id="b"))
        assign(runtime, [declaration(second, container_numbers=[BOX])])  # follows b
        send_command(runtime, reassign(second, "a"))
        result = send_command(runtime, command_body("reassign_group", group="container", key=BOX, to_officer_id="b"))
        assert [move.holding.declaration_number for move in result.moves] == [second]

    def test_a_group_already_with_the_officer_is_refused(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        first = numbers(1)[0]
        assign(runtime, [declaration(first, container_numbers=[BOX])])
        body = command_body("reassign_group", group="container", key=BOX, to_officer_id="a")
        assert refused_because(runtime, body) == f"every declaration of the container group {BOX} is already with a"

    def test_a_group_without_open_declarations_is_refused(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        first = numbers(1)[0]
        body = command_body("reassign_group", group="branch", key=first, to_officer_id="b")
        assert refused_because(runtime, body) == f"no open declaration in the branch group {first}"

    def test_to_an_officer_not_on_the_roster_is_refused_and_nothing_moves(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        first, second = numbers(2)
        assign(runtime, [declaration(first, container_numbers=[BOX]), declaration(second, container_numbers=[BOX])])
        body = command_body("reassign_group", group="container", key=BOX, to_officer_id="zz")
        assert refused_because(runtime, body) == f"officer zz is not on the roster of unit {UNIT}"
        assert officers_of(runtime, first, second) == ["a", "a"]


class TestOfficerAbsent:
    def test_open_declarations_are_redistributed_by_rotation(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b", "c"))
        batch = numbers(7)
        assign(runtime, [declaration(n) for n in batch])  # a, b, c, a, b, c, a
        result = send_command(runtime, absent("a", reason="sick"))
        assert result.accepted
        moved = [move.holding.declaration_number for move in result.moves]
        assert moved == [batch[0], batch[3], batch[6]]
        assert [move.officer_id for move in result.moves] == ["b", "c", "b"]
        assert [(a[0], a[1]) for a in assignments(runtime, batch[3])] == [("a", "auto"), ("c", "redistributed")]
        assert cursor(runtime) == (2, 10)
        assert Counter(officers_of(runtime, *batch)) == {"b": 4, "c": 3}
        assert assign(runtime, [declaration(numbers(1, start=50)[0])]).decisions[0].officer_id == "c"

    def test_a_group_is_redistributed_to_one_officer(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b", "c"))
        first, plain, second = numbers(3)
        assign(runtime, [declaration(first, first_declaration_number="F")])
        assign(runtime, [declaration(n) for n in numbers(2, start=90)])  # b, c
        assign(runtime, [declaration(plain), declaration(second, first_declaration_number=first)])  # a, a (group)
        result = send_command(runtime, absent("a"))
        assert [(m.holding.declaration_number, m.officer_id) for m in result.moves] == [
            (first, "b"),
            (plain, "c"),
            (second, "b"),
        ]
        assert result.moves[2].turn is None and result.moves[2].follows == first[:11]

    def test_without_redistribute_the_officer_keeps_their_declarations_but_gets_no_turn(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        first, second, third = numbers(3)
        assign(runtime, [declaration(first)])
        result = send_command(runtime, absent("a", redistribute=False))
        assert result.accepted and result.moves == [] and event_names(result) == ["command.accepted"]
        assert holder(runtime, first) == ("assigned", "a")
        later = assign(runtime, [declaration(second), declaration(third)]).decisions
        assert [d.officer_id for d in later] == ["b", "b"]

    def test_nobody_else_eligible_holds_the_declarations_until_someone_is_back(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b", inactive=("b",)))
        first, second = numbers(2)
        assign(runtime, [declaration(first), declaration(second)])
        result = send_command(runtime, absent("a"))
        assert [move.officer_id for move in result.moves] == [None, None]
        assert event_names(result) == ["declaration.held", "declaration.held", "command.accepted"]
        assert holder(runtime, first) == ("held", None) and count(runtime, HoldRow) == 2
        back = send_command(runtime, available("a"))
        released = [(d.declaration.declaration_number, d.officer_id) for d in back.released]
        assert released == [(first, "a"), (second, "a")]
        assert count(runtime, HoldRow) == 0

    def test_only_the_units_named_are_affected(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b") + team("a", "x", unit=OTHER_UNIT))
        here, there = numbers(2)
        assign(runtime, [declaration(here), declaration(there, OTHER_UNIT)])
        units = [{"customs_office": UNIT.customs_office, "department": UNIT.department}]
        result = send_command(runtime, absent("a", units=units))
        assert [(m.holding.declaration_number, m.officer_id) for m in result.moves] == [(here, "b")]
        assert holder(runtime, there) == ("assigned", "a")
        later_here, later_there = numbers(2, start=10)
        decisions = assign(runtime, [declaration(later_here), declaration(later_there, OTHER_UNIT)]).decisions
        assert [d.officer_id for d in decisions] == ["b", "x"]

    def test_a_completed_declaration_is_not_redistributed(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        done, still_open = numbers(2)
        assign(runtime, [declaration(done)])
        assign(runtime, [declaration(n) for n in numbers(1, start=40)])  # b
        assign(runtime, [declaration(still_open)])  # a
        assert send_command(runtime, complete(done)).accepted
        result = send_command(runtime, absent("a"))
        assert [m.holding.declaration_number for m in result.moves] == [still_open]
        assert holder(runtime, done) == ("completed", "a")

    def test_until_in_the_past_is_refused(self, runtime: Runtime, clock: FrozenClock) -> None:
        load_roster(runtime, team("a", "b"))
        until = clock() - timedelta(minutes=1)
        reason = refused_because(runtime, absent("a", until=until.isoformat()))
        assert reason == f"until {until.isoformat()} is not in the future"
        assert count(runtime, AbsenceRow) == 0

    def test_an_officer_on_no_roster_is_refused(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        assert refused_because(runtime, absent("ghost")) == "officer ghost is on no roster"

    def test_an_officer_not_on_a_unit_named_is_refused(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b") + team("x", unit=OTHER_UNIT))
        units = [{"customs_office": OTHER_UNIT.customs_office, "department": OTHER_UNIT.department}]
        reason = refused_because(runtime, absent("a", units=units))
        assert reason == f"officer a is not on the roster of unit {OTHER_UNIT}"

    def test_a_unit_named_that_does_not_exist_is_refused(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        result = send_command(runtime, absent("a", units=[{"customs_office": "09ZZ", "department": "00"}]))
        assert not result.accepted and count(runtime, AbsenceRow) == 0


class TestOfficerAvailable:
    def test_an_officer_who_is_not_absent_is_refused(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        assert refused_because(runtime, available("a")) == "officer a is not absent"

    def test_the_officer_is_back_in_rotation(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        send_command(runtime, absent("a"))
        assert send_command(runtime, available("a")).accepted
        assert [d.officer_id for d in assign(runtime, [declaration(n) for n in numbers(2)]).decisions] == ["a", "b"]

    def test_held_declarations_are_assigned_in_arrival_order(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a"))
        send_command(runtime, absent("a"))
        batch = numbers(3)
        assert {d.outcome for d in assign(runtime, [declaration(n) for n in batch]).decisions} == {Outcome.HELD}
        result = send_command(runtime, available("a"))
        assert [d.declaration.declaration_number for d in result.released] == batch
        assert event_names(result) == ["declaration.assigned"] * 3 + ["command.accepted"]
        assert officers_of(runtime, *batch) == ["a", "a", "a"] and count(runtime, HoldRow) == 0

    def test_an_absence_with_until_can_end_early(self, runtime: Runtime, clock: FrozenClock) -> None:
        load_roster(runtime, team("a", "b"))
        send_command(runtime, absent("a", until=(clock() + timedelta(days=2)).isoformat()))
        assert send_command(runtime, available("a")).accepted
        with runtime.engine.connect() as connection:
            assert connection.scalar(select(AbsenceRow.ended_at)) == clock()


class TestComplete:
    def test_a_completed_declaration_is_no_longer_open(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        result = send_command(runtime, complete(number))
        assert result.accepted and event_names(result) == ["declaration.completed", "command.accepted"]
        assert result.events[0].body["completed_by"] == "supervisor"
        assert holder(runtime, number) == ("completed", "a")
        assert count(runtime, AuditRow, AuditRow.action == "completed", AuditRow.officer_id == "a") == 1

    def test_completing_twice_is_refused(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        send_command(runtime, complete(number))
        assert refused_because(runtime, complete(number)) == f"declaration {number} is completed, not assigned"

    def test_a_held_declaration_cannot_be_completed(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a"))
        send_command(runtime, absent("a"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        assert refused_because(runtime, complete(number)) == f"declaration {number} is held, not assigned"

    def test_a_declaration_held_for_an_unknown_department_cannot_be_completed(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number, UNKNOWN_UNIT)])
        result = send_command(runtime, complete(number))
        assert not result.accepted and holder(runtime, number) == ("held", None)

    def test_an_amendment_of_a_completed_declaration_stays_completed(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        send_command(runtime, complete(number))
        decision = assign(runtime, [declaration(number[:11] + "1")]).decisions[0]
        assert (decision.outcome, decision.officer_id) == (Outcome.AMENDMENT, "a")
        assert holder(runtime, number) == ("completed", "a")


class TestAuthorisation:
    def test_a_command_from_someone_not_a_supervisor_is_dead_lettered_and_its_id_not_used_up(
        self, runtime: Runtime
    ) -> None:
        load_roster(runtime, team("a", "b"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        forged = reassign(number, "b", issued_by="a")
        result = send_command(runtime, forged)
        assert not result.accepted and result.dead_letter and not result.replayed
        assert result.rejected_because == f"'a' is not a supervisor of unit {UNIT}"
        assert event_names(result) == ["command.rejected"]
        assert holder(runtime, number) == ("assigned", "a") and count(runtime, CommandRow) == 0
        genuine = send_command(runtime, {**forged, "issued_by": SUPERVISOR})
        assert genuine.accepted and not genuine.replayed and holder(runtime, number) == ("assigned", "b")

    def test_a_supervisor_of_another_unit_only_is_not_authorised(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b") + roster(OTHER_UNIT, "x", supervisors=("boss",)))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        result = send_command(runtime, reassign(number, "b", issued_by="boss"))
        assert result.dead_letter and result.rejected_because == f"'boss' is not a supervisor of unit {UNIT}"

    def test_an_absence_must_be_authorised_in_every_unit_it_touches(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b") + roster(OTHER_UNIT, "a", "x", supervisors=("boss",)))
        result = send_command(runtime, absent("a"))
        assert result.dead_letter
        assert result.rejected_because == f"'{SUPERVISOR}' is not a supervisor of unit {OTHER_UNIT}"
        assert count(runtime, AbsenceRow) == 0

    def test_issued_by_other_than_the_sender_is_dead_lettered(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        result = send_command(runtime, reassign(number, "b"), sender="mallory")
        assert result.dead_letter and not result.accepted
        assert result.rejected_because == f"issued_by '{SUPERVISOR}' is not the authenticated sender 'mallory'"
        assert holder(runtime, number) == ("assigned", "a") and count(runtime, CommandRow) == 0

    def test_a_dead_lettered_command_is_audited_with_its_sender(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        body = reassign(numbers(1)[0], "b")
        send_command(runtime, body, sender="mallory")
        with runtime.engine.connect() as connection:
            actor, details = connection.execute(
                select(AuditRow.actor, AuditRow.details).where(AuditRow.action == "command_rejected")
            ).one()
        assert actor == "mallory" and details["dead_lettered"] is True and "body" not in details
        assert details["excerpt"] == excerpt(body) and details["excerpt"]["text"] == json_text(body)

    def test_a_refused_body_is_audited_as_a_digest_and_a_bounded_safe_excerpt(self, runtime: Runtime) -> None:
        body = {"command_id": "x", "command": "reassign\x00", "note": "\ud800" + "n" * 1_000_000, "big": 1e400}
        result = reject(runtime.unit_of_work(), Claims(), "not signed", runtime.clock, body=body)
        assert result.dead_letter
        with runtime.engine.connect() as connection:
            details = connection.scalar(select(AuditRow.details).where(AuditRow.action == "command_rejected"))
        text = json_text(body)
        assert details["excerpt"] == {
            "sha256": hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
            "characters": len(text),
            "text": safe_text(text[:EXCERPT_LIMIT], EXCERPT_LIMIT),
            "truncated": True,
        }
        assert "reassign\\u0000" in details["excerpt"]["text"] and "\\ud800" in details["excerpt"]["text"]
        verified = verify_audit(runtime.unit_of_work())
        assert verified.ok and verified.entries == 1

    def test_a_refusal_of_an_authenticated_valid_command_keeps_its_body(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        body = reassign(numbers(1)[0], "b")
        send_command(runtime, body)  # not known: refused, but a valid command of an authorised sender
        with runtime.engine.connect() as connection:
            details = connection.scalar(select(AuditRow.details).where(AuditRow.action == "command_rejected"))
        assert details["body"] == body and "excerpt" not in details

    def test_an_expired_command_is_dead_lettered(self, runtime: Runtime, clock: FrozenClock) -> None:
        load_roster(runtime, team("a", "b"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        old = reassign(number, "b", issued_at=(clock() - timedelta(hours=25)).isoformat())
        result = send_command(runtime, old, max_age=timedelta(hours=24))
        assert result.dead_letter and result.rejected_because is not None
        assert "outside the accepted window" in result.rejected_because
        assert holder(runtime, number) == ("assigned", "a") and count(runtime, CommandRow) == 0

    def test_a_command_issued_within_the_window_is_carried_out(self, runtime: Runtime, clock: FrozenClock) -> None:
        load_roster(runtime, team("a", "b"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        recent = reassign(number, "b", issued_at=(clock() - timedelta(hours=23)).astimezone(HANOI).isoformat())
        assert send_command(runtime, recent, max_age=timedelta(hours=24)).accepted

    def test_a_command_issued_too_far_in_the_future_is_dead_lettered(
        self, runtime: Runtime, clock: FrozenClock
    ) -> None:
        load_roster(runtime, team("a", "b"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        early = reassign(number, "b", issued_at=(clock() + timedelta(minutes=10)).isoformat())
        assert send_command(runtime, early).dead_letter


class TestIdempotency:
    def test_the_same_command_id_again_is_replayed_with_the_same_events_and_no_change(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b", "c"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        body = reassign(number, "b")
        first = send_command(runtime, body)
        again = send_command(runtime, body)
        assert first.accepted and not first.replayed
        assert again.accepted and again.replayed
        assert [e.event_id for e in again.events] == [e.event_id for e in first.events]
        assert len(assignments(runtime, number)) == 2 and count(runtime, CommandRow) == 1
        assert count(runtime, OutboxRow, OutboxRow.command_id == body["command_id"]) == 2

    def test_a_replay_does_nothing_even_if_the_state_has_changed_since(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b", "c"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        body = reassign(number, "b")
        send_command(runtime, body)
        send_command(runtime, reassign(number, "c"))
        assert send_command(runtime, body).replayed
        assert holder(runtime, number) == ("assigned", "c")

    def test_a_redistribution_replayed_moves_nothing_again(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b", "c"))
        assign(runtime, [declaration(n) for n in numbers(4)])
        body = absent("a")
        first = send_command(runtime, body)
        audit_rows = count(runtime, AuditRow)
        again = send_command(runtime, body)
        assert again.replayed and again.moves == []
        assert [e.event_id for e in again.events] == [e.event_id for e in first.events]
        assert count(runtime, AuditRow) == audit_rows and cursor(runtime) == (3, 6)
        assert count(runtime, AbsenceRow) == 1

    def test_a_refused_command_replayed_gets_the_same_refusal(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        number = numbers(1)[0]
        body = reassign(number, "b")
        first = send_command(runtime, body)
        assign(runtime, [declaration(number)])  # now it could be done, but this command was answered
        again = send_command(runtime, body)
        assert again.replayed and again.rejected_because == first.rejected_because
        assert [e.event_id for e in again.events] == [e.event_id for e in first.events]
        assert holder(runtime, number) == ("assigned", "a")


class TestReturnDueOfficers:
    def test_nothing_is_due_before_until(self, runtime: Runtime, clock: FrozenClock) -> None:
        load_roster(runtime, team("a"))
        send_command(runtime, absent("a", until=(clock() + timedelta(hours=1)).isoformat()))
        clock.advance(minutes=59)
        assert return_due_officers(runtime.unit_of_work(), clock, runtime.policy) == ([], [])

    def test_absences_end_at_until_and_held_declarations_are_assigned(
        self, runtime: Runtime, clock: FrozenClock
    ) -> None:
        load_roster(runtime, team("a", "b"))
        until = clock() + timedelta(hours=1)
        for officer in ("a", "b"):
            send_command(runtime, absent(officer, until=until.isoformat()))
        batch = numbers(3)
        assert {d.outcome for d in assign(runtime, [declaration(n) for n in batch]).decisions} == {Outcome.HELD}
        clock.advance(hours=1, minutes=5)
        released, events = return_due_officers(runtime.unit_of_work(), clock, runtime.policy)
        assert [(d.declaration.declaration_number, d.officer_id) for d in released] == list(zip(batch, ["a", "b", "a"]))
        assert [e.name for e in events] == ["declaration.assigned"] * 3
        assert count(runtime, HoldRow) == 0
        with runtime.engine.connect() as connection:
            assert set(connection.scalars(select(AbsenceRow.ended_at))) == {until}
            query = select(AuditRow.officer_id).where(AuditRow.action == "officer_returned")
            returned = list(connection.scalars(query))
        assert sorted(returned) == ["a", "b"]
        assert return_due_officers(runtime.unit_of_work(), clock, runtime.policy) == ([], [])

    def test_a_returned_officer_takes_turns_again(self, runtime: Runtime, clock: FrozenClock) -> None:
        load_roster(runtime, team("a", "b"))
        send_command(runtime, absent("a", until=(clock() + timedelta(hours=1)).isoformat()))
        clock.advance(hours=1)
        return_due_officers(runtime.unit_of_work(), clock, runtime.policy)
        assert [d.officer_id for d in assign(runtime, [declaration(n) for n in numbers(2)]).decisions] == ["a", "b"]


class TestSupervisorDecisionWins:
    def test_a_resent_declaration_does_not_undo_a_manual_reassignment(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        send_command(runtime, reassign(number, "b"))
        again = assign(runtime, [declaration(number)]).decisions[0]
        assert (again.outcome, again.officer_id) == (Outcome.DUPLICATE, "b")
        assert holder(runtime, number) == ("assigned", "b") and len(assignments(runtime, number)) == 2

    def test_an_amendment_stays_with_the_officer_a_supervisor_chose(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        send_command(runtime, reassign(number, "b"))
        amended = assign(runtime, [declaration(number[:11] + "1")]).decisions[0]
        assert (amended.outcome, amended.officer_id) == (Outcome.AMENDMENT, "b")
        assert holder(runtime, number) == ("assigned", "b")

    def test_a_returning_officer_does_not_take_back_what_was_moved(self, runtime: Runtime, clock: FrozenClock) -> None:
        load_roster(runtime, team("a", "b"))
        number = numbers(1)[0]
        assign(runtime, [declaration(number)])
        send_command(runtime, absent("a", until=(clock() + timedelta(hours=1)).isoformat()))
        assert holder(runtime, number) == ("assigned", "b")
        clock.advance(hours=2)
        return_due_officers(runtime.unit_of_work(), clock, runtime.policy)
        assign(runtime, [declaration(number)])
        assert holder(runtime, number) == ("assigned", "b")
