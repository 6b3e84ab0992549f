"""Rosters kept between batches: read once, then read again after every kind of write that changes one."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from integration.conftest import FrozenClock
from integration.helpers import (
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
from sqlalchemy import delete, event, select, update

from assigner.bootstrap import Runtime
from assigner.domain.model import Unit
from assigner.domain.roster import RosterEntry
from assigner.services.absences import return_due_officers
from assigner.storage.tables import Base, CursorRow, UnitRow

OTHER_UNIT = Unit("01B1", "01")


def team(*officer_ids: str, unit: Unit = UNIT, inactive: tuple[str, ...] = ()) -> list[RosterEntry]:
    """A roster of checkers with the test's supervisor."""
    return roster(unit, *officer_ids, inactive=inactive, supervisors=(SUPERVISOR,))


class Batches:
    """Numbers for successive batches of one unit, and who got them."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.next = 0

    def officers(self, count: int, unit: Unit = UNIT, channel: str = "yellow") -> list[str | None]:
        batch = [declaration(n, unit, channel) for n in numbers(count, start=self.next)]
        self.next += count
        return [d.officer_id for d in assign(self.runtime, batch).decisions]


@contextmanager
def roster_reads(runtime: Runtime) -> Iterator[list[str]]:
    """The statements that read a roster's memberships, officers or absences while inside."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "roster_memberships" in statement:
            seen.append(statement)

    event.listen(runtime.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(runtime.engine, "before_cursor_execute", record)


def absent(officer_id: str, **fields: Any) -> dict[str, Any]:
    return command_body("officer_absent", officer_id=officer_id, redistribute=False, **fields)


class TestKeptRosters:
    def test_a_batch_after_the_first_reads_no_roster(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b", "c"))
        batches = Batches(runtime)
        assert batches.officers(2) == ["a", "b"]
        with roster_reads(runtime) as reads:
            assert batches.officers(2) == ["c", "a"]
            assert batches.officers(1) == ["b"]
        assert reads == []
        assert runtime.rosters.hits == 2

    def test_a_reimported_roster_is_the_next_batchs(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b", "c"))
        batches = Batches(runtime)
        assert batches.officers(2) == ["a", "b"]
        load_roster(runtime, team("c", "d", "a"))  # b leaves, d joins, the order changes
        with roster_reads(runtime) as reads:
            assert batches.officers(4) == ["c", "d", "a", "c"]  # after a, the last served who stayed
        assert len(reads) == 1

    def test_an_absence_and_its_end_by_command_are_the_next_batchs(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b", "c"))
        batches = Batches(runtime)
        assert batches.officers(1) == ["a"]
        assert send_command(runtime, absent("b")).accepted  # in every unit of b's
        assert batches.officers(3) == ["c", "a", "c"]
        assert send_command(runtime, command_body("officer_available", officer_id="b")).accepted
        assert batches.officers(2) == ["a", "b"]

    def test_an_absence_from_one_unit_is_that_units_next_batch(self, runtime: Runtime) -> None:
        load_roster(runtime, [*team("a", "b"), *team("a", "b", unit=OTHER_UNIT)])
        batches = Batches(runtime)
        assert batches.officers(1) == ["a"] and batches.officers(1, OTHER_UNIT) == ["a"]
        one = [{"customs_office": OTHER_UNIT.customs_office, "department": OTHER_UNIT.department}]
        assert send_command(runtime, absent("b", units=one)).accepted
        assert batches.officers(2, OTHER_UNIT) == ["a", "a"]
        assert batches.officers(2) == ["b", "a"]

    def test_an_absence_ends_at_its_until_without_reading_the_roster_again(
        self, runtime: Runtime, clock: FrozenClock
    ) -> None:
        load_roster(runtime, team("a", "b", "c"))
        batches = Batches(runtime)
        until = (clock() + timedelta(hours=1)).isoformat()
        assert send_command(runtime, absent("b", until=until)).accepted
        assert batches.officers(2) == ["a", "c"]
        clock.advance(hours=1)
        with roster_reads(runtime) as reads:
            assert batches.officers(2) == ["a", "b"]
        assert reads == []
        return_due_officers(runtime.unit_of_work(), clock, runtime.policy)  # closes it: the next batch reads again
        with roster_reads(runtime) as reads:
            assert batches.officers(2) == ["c", "a"]
        assert len(reads) == 1

    def test_an_officer_deactivated_by_another_units_import_is_skipped(self, runtime: Runtime) -> None:
        load_roster(runtime, [*team("a", "b", "c"), *team("b", "x", unit=OTHER_UNIT)])
        batches = Batches(runtime)
        assert batches.officers(1) == ["a"]
        load_roster(runtime, team("b", "x", unit=OTHER_UNIT, inactive=("b",)))  # names UNIT not at all
        assert batches.officers(3) == ["c", "a", "c"]
        load_roster(runtime, team("b", "x", unit=OTHER_UNIT))
        assert batches.officers(2) == ["a", "b"]

    def test_a_changed_unit_setting_is_the_next_batchs(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        batches = Batches(runtime)
        assert batches.officers(1, channel="red") == [None]  # recorded: red is not assigned by default
        with runtime.engine.begin() as connection:
            connection.execute(update(UnitRow).values(auto_channels="red,yellow"))
        assert batches.officers(1, channel="red") == ["a"]

    def test_a_roster_written_by_a_transaction_rolled_back_is_never_kept(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b", "c"))
        batches = Batches(runtime)
        assert batches.officers(1) == ["a"]
        with runtime.unit_of_work() as uow:  # its version, 1 more, is the next import's too
            uow.roster.replace_checkers(UNIT, ["c"])
            assert [s.officer_id for s in uow.rotations.lock([UNIT], runtime.clock())[UNIT].roster] == ["c"]
        load_roster(runtime, team("b", "a"))
        assert batches.officers(3) == ["b", "a", "b"]

    def test_a_new_connection_forgets_the_kept_rosters(self, runtime: Runtime) -> None:
        load_roster(runtime, team("a", "b"))
        batches = Batches(runtime)
        assert batches.officers(1) == ["a"]
        assert len(runtime.rosters) == 1
        runtime.engine.dispose()
        with runtime.engine.connect():
            assert len(runtime.rosters) == 0
        assert batches.officers(1) == ["b"]

    def test_ids_kept_from_a_database_since_replaced_are_forgotten(self, runtime: Runtime) -> None:
        load_roster(runtime, [*team("a", "b"), *team("x", "y", unit=OTHER_UNIT)])
        batches = Batches(runtime)
        assert batches.officers(1) == ["a"] and batches.officers(1, OTHER_UNIT) == ["x"]
        with runtime.engine.begin() as connection:  # the same connection: nothing tells the process
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
        load_roster(runtime, team("x", "y", unit=OTHER_UNIT))  # made first now: another id
        load_roster(runtime, team("c", "d"))
        assert batches.officers(2) == ["c", "d"]
        assert batches.officers(1, OTHER_UNIT) == ["x"]

    def test_a_unit_whose_cursor_row_was_deleted_by_hand_is_held_not_a_failure(self, runtime: Runtime) -> None:
        load_roster(runtime, [*team("a", "b"), *team("x", "y", unit=OTHER_UNIT)])
        batches = Batches(runtime)
        assert batches.officers(1) == ["a"] and runtime.rosters.unit_ids  # the process keeps the units' ids
        with runtime.engine.begin() as connection:  # a hand edit: the other unit's cursor row gone
            other = connection.execute(select(UnitRow.id).where(UnitRow.department == OTHER_UNIT.department))
            connection.execute(delete(CursorRow).where(CursorRow.unit_id == other.scalar_one()))
        result = assign(runtime, [declaration(numbers(1, start=900)[0], OTHER_UNIT)])
        assert [decision.outcome.value for decision in result.decisions] == ["held"]
        assert batches.officers(1) == ["b"]
