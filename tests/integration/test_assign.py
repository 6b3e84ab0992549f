"""assign_declarations on real storage (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from integration.conftest import FrozenClock
from integration.helpers import UNIT, assign, declaration, load_roster, numbers, roster
from sqlalchemy import func, select

from assigner.bootstrap import Runtime
from assigner.domain.decisions import Outcome
from assigner.domain.model import Unit
from assigner.storage.tables import (
    AbsenceRow,
    AssignmentRow,
    AuditRow,
    ContainerRow,
    CursorRow,
    DeclarationRow,
    HoldRow,
    VersionRow,
)


def assigned_officers(runtime: Runtime, unit: Unit = UNIT) -> list[str]:
    query = (
        select(AssignmentRow.officer_id)
        .where(AssignmentRow.customs_office == unit.customs_office, AssignmentRow.department == unit.department)
        .order_by(AssignmentRow.turn)
    )
    with runtime.engine.connect() as connection:
        return list(connection.scalars(query))


def count(runtime: Runtime, table: type) -> int:
    with runtime.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(table)) or 0


class TestAssign:
    def test_turns_follow_the_roster_order_across_batches(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, "a", "b", "c"))
        batch = [declaration(n) for n in numbers(7)]
        for start in range(0, 7, 2):
            assign(runtime, batch[start : start + 2])
        assert assigned_officers(runtime) == ["a", "b", "c", "a", "b", "c", "a"]
        with runtime.engine.connect() as connection:
            cursor = connection.execute(select(CursorRow.position, CursorRow.turn)).one()
        assert tuple(cursor) == (1, 7)

    def test_redelivered_declaration_changes_nothing_and_uses_no_turn(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, "a", "b"))
        first, second = numbers(2)
        assign(runtime, [declaration(first)])
        again = assign(runtime, [declaration(first), declaration(first)])
        assert [d.outcome for d in again.decisions] == [Outcome.DUPLICATE, Outcome.DUPLICATE]
        assert again.decisions[0].officer_id == "a"
        assign(runtime, [declaration(second)])
        assert assigned_officers(runtime) == ["a", "b"]
        assert count(runtime, AuditRow) == 3  # roster import and two assignments: duplicates change nothing

    def test_amendment_stays_with_its_officer_and_is_kept(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, "a", "b"))
        original = numbers(1)[0]
        amended = original[:11] + "1"
        assign(runtime, [declaration(original)])
        result = assign(runtime, [declaration(amended), declaration(original)])
        assert [(d.outcome, d.officer_id) for d in result.decisions] == [
            (Outcome.AMENDMENT, "a"),
            (Outcome.DUPLICATE, "a"),
        ]
        with runtime.engine.connect() as connection:
            stored = connection.execute(select(DeclarationRow.declaration_number, DeclarationRow.officer_id)).one()
            versions = list(connection.scalars(select(VersionRow.declaration_number).order_by(VersionRow.amendment)))
        assert tuple(stored) == (amended, "a")
        assert versions == [original, amended]
        assert assigned_officers(runtime) == ["a"]

    def test_amendment_replaces_the_container_numbers(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, "a"))
        original = numbers(1)[0]
        assign(runtime, [declaration(original, container_numbers=["CSQU3054383"])])
        assign(runtime, [declaration(original[:11] + "1", container_numbers=["MSKU0000006", "CSQU3054383"])])
        with runtime.engine.connect() as connection:
            containers = sorted(connection.scalars(select(ContainerRow.container_number)))
        assert containers == ["CSQU3054383", "MSKU0000006"]

    def test_original_and_two_amendments_in_one_batch_sharing_a_container(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, "a", "b"))
        original = numbers(1)[0]
        result = assign(
            runtime,
            [
                declaration(original, container_numbers=["CSQU3054383"]),
                declaration(original[:11] + "1", container_numbers=["CSQU3054383", "MSKU0000006"]),
                declaration(original[:11] + "2", container_numbers=["MSKU0000006"]),
            ],
        )
        assert [(d.outcome, d.officer_id) for d in result.decisions] == [
            (Outcome.ASSIGNED, "a"),
            (Outcome.AMENDMENT, "a"),
            (Outcome.AMENDMENT, "a"),
        ]
        with runtime.engine.connect() as connection:
            containers = list(connection.scalars(select(ContainerRow.container_number)))
            number = connection.scalar(select(DeclarationRow.declaration_number))
        assert containers == ["MSKU0000006"] and number == original[:11] + "2"
        assert count(runtime, VersionRow) == 3 and assigned_officers(runtime) == ["a"]

    def test_held_declaration_whose_amendment_corrects_the_department_is_assigned_there(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, "a"))
        wrong = Unit(UNIT.customs_office, "07")
        original = numbers(1)[0]
        assert assign(runtime, [declaration(original, wrong)]).decisions[0].hold_reason == "unknown_department"
        corrected = assign(runtime, [declaration(original[:11] + "1", UNIT)]).decisions[0]
        assert (corrected.outcome, corrected.officer_id) == (Outcome.ASSIGNED, "a")
        assert count(runtime, HoldRow) == 0
        with runtime.engine.connect() as connection:
            assert connection.scalar(select(DeclarationRow.department)) == UNIT.department

    def test_held_declaration_amended_into_another_unknown_unit_is_held_there(self, runtime: Runtime) -> None:
        original = numbers(1)[0]
        assign(runtime, [declaration(original, Unit("01B1", "07"))])
        assign(runtime, [declaration(original[:11] + "1", Unit("01B1", "08"))])
        with runtime.engine.connect() as connection:
            assert connection.execute(select(HoldRow.department, HoldRow.reason)).all() == [
                ("08", "unknown_department")
            ]
        released = load_roster(runtime, roster(Unit("01B1", "08"), "z"))
        assert [d.officer_id for d in released.released] == ["z"]

    def test_assigned_declaration_amended_with_another_unit_stays_in_its_unit(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, "a"))
        original = numbers(1)[0]
        assign(runtime, [declaration(original)])
        result = assign(runtime, [declaration(original[:11] + "1", Unit("02CI", "00"))])
        assert (result.decisions[0].outcome, result.decisions[0].officer_id) == (Outcome.AMENDMENT, "a")
        with runtime.engine.connect() as connection:
            stored = connection.execute(select(DeclarationRow.customs_office, DeclarationRow.officer_id)).one()
        assert tuple(stored) == ("01B1", "a")

    def test_an_original_arriving_after_its_amendment_is_kept_as_a_version_once(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, "a", "b"))
        original = numbers(1)[0]
        assign(runtime, [declaration(original[:11] + "1")])
        late = assign(runtime, [declaration(original), declaration(original)])
        assign(runtime, [declaration(original)])
        assert {d.outcome for d in late.decisions} == {Outcome.DUPLICATE}
        with runtime.engine.connect() as connection:
            versions = list(connection.scalars(select(VersionRow.declaration_number).order_by(VersionRow.amendment)))
            stored = connection.scalar(select(DeclarationRow.declaration_number))
        assert versions == [original, original[:11] + "1"] and stored == original[:11] + "1"
        assert assigned_officers(runtime) == ["a"]

    def test_green_and_red_are_recorded_and_not_assigned(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, "a"))
        green, red = numbers(2)
        result = assign(runtime, [declaration(green, channel="green"), declaration(red, channel=3)])  # type: ignore[arg-type]
        assert [d.outcome for d in result.decisions] == [Outcome.RECORDED, Outcome.RECORDED]
        with runtime.engine.connect() as connection:
            statuses = list(connection.scalars(select(DeclarationRow.status)))
        assert statuses == ["recorded", "recorded"]
        assert assigned_officers(runtime) == []

    def test_unknown_department_is_held_and_assigned_in_arrival_order_when_its_roster_arrives(
        self, runtime: Runtime
    ) -> None:
        unit = Unit("02CI", "01")
        held = assign(runtime, [declaration(n, unit) for n in numbers(3)])
        assert {(d.outcome, d.hold_reason) for d in held.decisions} == {(Outcome.HELD, "unknown_department")}
        assert count(runtime, HoldRow) == 3
        imported = load_roster(runtime, roster(unit, "x", "y"))
        assert [(d.declaration.declaration_number, d.officer_id) for d in imported.released] == list(
            zip(numbers(3), ["x", "y", "x"])
        )
        assert count(runtime, HoldRow) == 0

    def test_nobody_eligible_holds_until_an_officer_becomes_active(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, "a", inactive=("a",)))
        first, second, third = numbers(3)
        held = assign(runtime, [declaration(first), declaration(second)])
        assert {d.hold_reason for d in held.decisions} == {"no_eligible_officer"}
        released = load_roster(runtime, roster(UNIT, "a"))
        assert [d.declaration.declaration_number for d in released.released] == [first, second]
        assert assign(runtime, [declaration(third)]).decisions[0].officer_id == "a"
        assert assigned_officers(runtime) == ["a", "a", "a"]

    def test_held_declarations_go_before_new_ones_when_an_absence_ends(
        self, runtime: Runtime, clock: FrozenClock
    ) -> None:
        load_roster(runtime, roster(UNIT, "a", "b"))
        with runtime.engine.begin() as connection:
            for officer in ("a", "b"):
                connection.execute(
                    AbsenceRow.__table__.insert().values(
                        officer_id=officer, starts_at=clock(), until=clock() + timedelta(hours=1), created_by="test"
                    )
                )
        first, second, third = numbers(3)
        assert {d.outcome for d in assign(runtime, [declaration(first), declaration(second)]).decisions} == {
            Outcome.HELD
        }
        clock.advance(hours=1)
        result = assign(runtime, [declaration(third)])
        assert [(d.declaration.declaration_number, d.officer_id) for d in result.released] == [
            (first, "a"),
            (second, "b"),
        ]
        assert result.decisions[0].officer_id == "a"
        assert count(runtime, HoldRow) == 0

    def test_a_reimported_roster_keeps_the_rotation_after_the_last_officer_served(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, "a", "b", "c"))
        assign(runtime, [declaration(n) for n in numbers(3)])
        load_roster(runtime, roster(UNIT, "d", "a", "b", "c"))
        assign(runtime, [declaration(n) for n in numbers(4, start=10)])
        assert assigned_officers(runtime) == ["a", "b", "c", "d", "a", "b", "c"]
        load_roster(runtime, roster(UNIT, "c", "e"))  # c served last; a, b, d leave
        assign(runtime, [declaration(n) for n in numbers(3, start=20)])
        assert assigned_officers(runtime)[7:] == ["e", "c", "e"]

    def test_a_deactivation_by_reimport_is_audited_with_who_and_what(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, "a", "b"))
        load_roster(runtime, roster(UNIT, "a", "b", inactive=("b",)))
        with runtime.engine.connect() as connection:
            actor, details = connection.execute(
                select(AuditRow.actor, AuditRow.details)
                .where(AuditRow.action == "roster_import")
                .order_by(AuditRow.id.desc())
            ).first()  # type: ignore[misc]
        assert actor == "test"
        assert details == {"units": [], "officers": [{"officer_id": "b", "active": [True, False]}]}

    def test_skipped_officers_and_the_cursor_are_audited(self, runtime: Runtime, clock: FrozenClock) -> None:
        load_roster(runtime, roster(UNIT, "a", "b", "c", inactive=("c",)))
        with runtime.engine.begin() as connection:
            connection.execute(
                AbsenceRow.__table__.insert().values(
                    officer_id="b",
                    unit_id=None,
                    starts_at=clock(),
                    until=clock() + timedelta(hours=1),
                    created_by="test",
                )
            )
        assign(runtime, [declaration(n) for n in numbers(2)])
        with runtime.engine.connect() as connection:
            rows = connection.execute(
                select(AuditRow.officer_id, AuditRow.details).where(AuditRow.action == "assigned").order_by(AuditRow.id)
            ).all()
        assert rows[0].officer_id == "a" and rows[0].details["cursor_from"] == 0
        assert rows[1].officer_id == "a" and rows[1].details["cursor_from"] == 1
        assert rows[1].details["skipped"] == [
            {"officer_id": "b", "reason": "absent"},
            {"officer_id": "c", "reason": "inactive"},
        ]
        clock.advance(hours=2)
        assert assign(runtime, [declaration(numbers(1, start=50)[0])]).decisions[0].officer_id == "b"

    def test_unknown_message_fields_are_kept_with_the_version(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, "a"))
        assign(runtime, [declaration(numbers(1)[0], vendor_ref="XK-17", container_numbers=["CSQU3054383"])])
        with runtime.engine.connect() as connection:
            payload = connection.scalar(select(VersionRow.payload))
        assert payload["vendor_ref"] == "XK-17"
        assert payload["container_numbers"] == ["CSQU3054383"]
