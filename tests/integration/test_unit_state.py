"""A unit as its supervisor's page reads it, through the service, on SQLite and PostgreSQL: what is overdue or due
within 30 minutes first (assigned or held, most overdue first), the open work a page at a time soonest due
first, searched by declaration number in SQL, and the latest decisions that moved a declaration."""

from __future__ import annotations

from datetime import datetime, timedelta

from integration.conftest import FrozenClock
from integration.helpers import HANOI, SUPERVISOR, UNIT, assign, command_body, declaration, load_roster, roster
from integration.helpers import send_command as send

from assigner.bootstrap import Runtime
from assigner.domain.model import Unit
from assigner.services.supervision import PER_PAGE, OpenPage, UnitState, WorkQuery, unit_state

NOBODY = Unit("01B1", "07")  # a unit whose roster has no checker: what arrives there is held


def at(hour: int, minute: int) -> str:
    """A time on the test's Monday in Hanoi (the clock is at 09:00): registered then, due two working hours on."""
    return datetime(2025, 6, 2, hour, minute, tzinfo=HANOI).isoformat()


def state(runtime: Runtime, unit: Unit = UNIT, query: WorkQuery | None = None, recent: int = 0) -> UnitState:
    return unit_state(runtime.unit_of_work(), unit, runtime.clock, runtime.policy.hours, query or WorkQuery(), recent)


def numbers_of(page: OpenPage | None) -> list[str]:
    assert page is not None
    return [line.holding.declaration_number for line in page.lines]


class TestUrgent:
    def test_overdue_and_soon_due_come_first_most_overdue_first_and_the_rest_waits(
        self, runtime: Runtime, clock: FrozenClock
    ) -> None:
        load_roster(runtime, roster(UNIT, "a", "b", supervisors=(SUPERVISOR,)))
        assign(
            runtime,
            [
                declaration("100000000010", registered_at=at(7, 40)),  # due 09:40
                declaration("100000000020", registered_at=at(6, 0)),  # before hours: due 09:30
                declaration("100000000030", registered_at=at(7, 50)),  # due 09:50
                declaration("100000000040"),  # due 11:00
            ],
        )
        clock.advance(minutes=35)  # 09:35
        urgent = state(runtime).urgent
        assert (urgent.overdue, urgent.soon) == (1, 2)
        assert [line.holding.declaration_number for line in urgent.lines] == [
            "100000000020",
            "100000000010",
            "100000000030",
        ]
        late, soon, _ = urgent.lines
        assert (
            late.overdue
            and late.left == timedelta(minutes=-5)
            and late.due_at == datetime(2025, 6, 2, 9, 30, tzinfo=HANOI)
        )
        assert soon.soon and not soon.overdue and soon.left == timedelta(minutes=5)
        assert str(late.due_at.tzinfo) == "Asia/Ho_Chi_Minh"  # the office's zone (rule 9)

    def test_a_held_declaration_is_urgent_too_and_a_completed_one_is_not(
        self, runtime: Runtime, clock: FrozenClock
    ) -> None:
        load_roster(runtime, roster(UNIT, "a", supervisors=(SUPERVISOR,)))
        assign(runtime, [declaration("100000000070", NOBODY, registered_at=at(7, 30))])  # held: nobody rostered
        load_roster(runtime, roster(NOBODY, supervisors=(SUPERVISOR,)))
        assign(runtime, [declaration("100000000010", registered_at=at(7, 30))])
        clock.advance(hours=1)  # 10:00: both due at 09:30
        held = state(runtime, NOBODY)
        assert held.urgent.overdue == 1 and held.urgent.lines[0].holding.officer_id is None
        assert held.held_total == 1 and held.held[0][0].overdue
        send(runtime, command_body("complete", declaration_number="100000000010"))
        assert state(runtime).urgent.overdue == 0

    def test_the_units_page_reads_only_the_counts(self, runtime: Runtime, clock: FrozenClock) -> None:
        load_roster(runtime, roster(UNIT, "a", "b", supervisors=(SUPERVISOR,)))
        assign(runtime, [declaration("100000000010", registered_at=at(7, 30)), declaration("100000000020")])
        clock.advance(hours=1)
        summary = unit_state(runtime.unit_of_work(), UNIT, runtime.clock, runtime.policy.hours)
        assert (summary.urgent.overdue, summary.urgent.soon, summary.urgent.lines) == (1, 0, [])
        assert summary.open is None and summary.open_counts == {"a": 1, "b": 1}


class TestOpenWork:
    def test_one_table_soonest_due_first_whoever_has_them(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, "a", "b", "c", supervisors=(SUPERVISOR,)))
        assign(
            runtime,
            [
                declaration("100000000010"),  # a, due 11:00
                declaration("100000000020", registered_at=at(8, 0)),  # b, due 10:00
                declaration("100000000030", documents_received_at=at(8, 30)),  # c, due 10:30
            ],
        )
        page = state(runtime).open
        assert numbers_of(page) == ["100000000020", "100000000030", "100000000010"]
        assert page is not None and [line.holding.officer_id for line in page.lines] == ["b", "c", "a"]
        assert [line.left for line in page.lines] == [timedelta(hours=h) for h in (1, 1.5, 2)]

    def test_a_search_finds_a_number_by_any_part_of_it_in_sql_and_wildcards_match_nothing(
        self, runtime: Runtime
    ) -> None:
        load_roster(runtime, roster(UNIT, "a", supervisors=(SUPERVISOR,)))
        assign(runtime, [declaration(n) for n in ("100000123450", "100000000010", "300001234560")])
        assert numbers_of(state(runtime, query=WorkQuery(search="12345")).open) == ["100000123450", "300001234560"]
        assert numbers_of(state(runtime, query=WorkQuery(search="3000 0123-456")).open) == ["300001234560"]
        assert numbers_of(state(runtime, query=WorkQuery(search="10000012345")).open) == ["100000123450"]
        for nothing in ("%", "1_0", "99999"):
            page = state(runtime, query=WorkQuery(search=nothing)).open
            assert page is not None and (page.lines, page.total, page.first) == ([], 0, 0)

    def test_pages_of_fifty_with_their_counts_and_a_page_past_the_last_is_the_last(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, "a", "b", supervisors=(SUPERVISOR,)))
        assign(runtime, [declaration(f"1{index:010d}0") for index in range(1, 124)])
        first = state(runtime).open
        assert first is not None and (first.total, first.pages, first.first, first.last) == (123, 3, 1, 50)
        third = state(runtime, query=WorkQuery(page=3)).open
        assert third is not None and (third.page, third.first, third.last, len(third.lines)) == (3, 101, 123, 23)
        assert state(runtime, query=WorkQuery(page=99)).open == third
        everything = [n for page in (1, 2, 3) for n in numbers_of(state(runtime, query=WorkQuery(page=page)).open)]
        assert len(set(everything)) == 123 and PER_PAGE == 50

    def test_the_roster_counts_each_officers_open_work(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, "a", "b", supervisors=(SUPERVISOR,)))
        assign(runtime, [declaration(f"1{index:010d}0") for index in range(1, 6)])
        send(runtime, command_body("complete", declaration_number="100000000010"))
        assert state(runtime).open_counts == {"a": 2, "b": 2}


class TestLatestDecisions:
    def test_by_default_only_those_that_moved_a_declaration_and_every_one_when_asked(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, "a", "b", supervisors=(SUPERVISOR,)))
        assign(runtime, [declaration("100000000010"), declaration("100000000020", channel="green")])
        send(runtime, command_body("reassign", declaration_number="100000000010", to_officer_id="b"))
        send(runtime, command_body("complete", declaration_number="100000000010"))
        moving = [entry["action"] for entry in state(runtime, recent=20).recent]
        assert moving == ["completed", "reassigned", "assigned"]
        every = state(runtime, query=WorkQuery(every_decision=True), recent=20).recent
        assert [entry["action"] for entry in every] == ["completed", "reassigned", "recorded", "assigned"]
