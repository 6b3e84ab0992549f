"""An officer's own page through the service: only their work, soonest due first, with its why and their share
against the unit's median (docs/rules.md rule 9)."""

from __future__ import annotations

from datetime import datetime, timedelta

from integration.conftest import FrozenClock
from integration.helpers import HANOI, SUPERVISOR, UNIT, assign, command_body, declaration, load_roster, roster
from integration.helpers import send_command as send

from assigner.bootstrap import Runtime
from assigner.services.officer_work import officer_work, own_declaration, unit_share


class TestOfficerWork:
    def test_an_officer_sees_only_their_own_open_work_soonest_due_first(
        self, runtime: Runtime, clock: FrozenClock
    ) -> None:
        load_roster(runtime, roster(UNIT, "a", "b", supervisors=(SUPERVISOR,)))
        late_dossier = datetime(2025, 6, 2, 8, 0, tzinfo=HANOI).isoformat()
        first, second, third = "100000000010", "100000000020", "100000000030"
        assign(
            runtime, [declaration(first), declaration(second), declaration(third, documents_received_at=late_dossier)]
        )
        work = officer_work(runtime.unit_of_work(), "a", runtime.clock, runtime.policy.hours)
        assert [check.holding.declaration_number for check in work.open] == [third, first]  # due 10:00, then 11:00
        soonest = work.open[0]
        assert soonest.due_at == datetime(2025, 6, 2, 10, 0, tzinfo=HANOI)
        assert soonest.left == timedelta(minutes=60) and soonest.working_left == timedelta(minutes=60)
        assert soonest.why is not None and soonest.why["details"]["turn"] == 3
        assert soonest.why["details"]["cursor_from"] == 2
        clock.advance(hours=2, seconds=1)  # 11:00:01 in Hanoi: both past due (at 11:00 itself, still in time)
        overdue = officer_work(runtime.unit_of_work(), "a", runtime.clock, runtime.policy.hours).open
        assert [check.overdue for check in overdue] == [True, True]

    def test_completed_work_shows_whether_it_was_in_time(self, runtime: Runtime, clock: FrozenClock) -> None:
        load_roster(runtime, roster(UNIT, "a", supervisors=(SUPERVISOR,)))
        assign(runtime, [declaration("100000000010"), declaration("100000000020")])
        send(runtime, command_body("complete", declaration_number="100000000010", issued_by="a"))
        clock.advance(hours=3)
        send(runtime, command_body("complete", declaration_number="100000000020", issued_by="a"))
        work = officer_work(runtime.unit_of_work(), "a", runtime.clock, runtime.policy.hours)
        assert work.open == []
        assert [(d.holding.declaration_number, d.in_time) for d in work.done] == [
            ("100000000020", False),
            ("100000000010", True),
        ]

    def test_another_officers_declaration_is_not_found(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, "a", "b", supervisors=(SUPERVISOR,)))
        assign(runtime, [declaration("100000000010"), declaration("100000000020")])  # a, then b
        holding, entries = own_declaration(runtime.unit_of_work(), "a", "100000000020")
        assert holding is None and entries == []
        holding, entries = own_declaration(runtime.unit_of_work(), "a", "100000000010")
        assert holding is not None and [e["action"] for e in entries] == ["assigned"]

    def test_the_share_is_against_the_median_of_the_roster(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, "a", "b", "c", supervisors=(SUPERVISOR,)))
        assign(runtime, [declaration(f"1000000000{n}0") for n in range(1, 5)])  # a 2, b 1, c 1
        share = unit_share(runtime.unit_of_work(), "a", UNIT, runtime.clock(), runtime.policy.hours)
        assert (share.mine, share.median, share.checkers) == (2, 1, 3)
