"""The services on an in-memory unit of work: transactions, assignment, roster import."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from fakes import FakeUnitOfWork, RefusedError, TransientError
from hypothesis import given, settings
from hypothesis import strategies as st

from assigner.domain.decision_records import DecisionRecord
from assigner.domain.model import Channel, Declaration, Unit
from assigner.domain.roster import Officer, Role, RosterEntry
from assigner.services.assign import Refused, assign_declarations, assign_isolating_refusals
from assigner.services.ports import Policy
from assigner.services.roster import import_roster, roster_listing
from assigner.services.transactions import in_transaction

NOW = datetime(2025, 6, 2, 2, 0, tzinfo=UTC)
UNITS = [Unit("01B1", "00"), Unit("01B1", "01"), Unit("02CI", "00")]
POLICY = Policy()


def clock() -> datetime:
    return NOW


def declaration(
    index: int, unit: Unit = UNITS[0], channel: Channel = Channel.YELLOW, amendment: int = 0
) -> Declaration:
    return Declaration(f"10{index:09d}{amendment}", unit, channel, NOW)


def entries(unit: Unit, *officers: str, inactive: tuple[str, ...] = ()) -> list[RosterEntry]:
    return [RosterEntry(Officer(o, o.upper(), o not in inactive), unit, Role.CHECKER) for o in officers]


class TestInTransaction:
    def test_a_transient_failure_is_retried_and_its_writes_are_undone(self) -> None:
        uow = FakeUnitOfWork()
        calls: list[int] = []

        def work() -> str:
            calls.append(1)
            uow.store.audit.append({"attempt": len(calls)})
            if len(calls) == 1:
                raise TransientError("lost a race")
            return "done"

        assert in_transaction(uow, work) == ("done", 2)
        assert uow.store.audit == [{"attempt": 2}]

    def test_a_lasting_failure_is_raised_after_the_last_attempt_and_nothing_is_kept(self) -> None:
        uow = FakeUnitOfWork()

        def work() -> None:
            uow.store.audit.append({})
            raise TransientError("always")

        with pytest.raises(TransientError):
            in_transaction(uow, work, attempts=3)
        assert uow.store.audit == [] and uow.commits == 0

    def test_other_errors_are_not_retried(self) -> None:
        uow = FakeUnitOfWork()
        calls: list[int] = []

        def work() -> None:
            calls.append(1)
            raise ValueError("a bug")

        with pytest.raises(ValueError):
            in_transaction(uow, work)
        assert calls == [1]


class TestAssignDeclarations:
    def test_a_batch_is_one_commit_with_one_decision_per_declaration(self) -> None:
        uow = FakeUnitOfWork()
        import_roster(uow, entries(UNITS[0], "a", "b"), clock, POLICY, "test")
        batch = [declaration(1), declaration(2), declaration(1), declaration(3, channel=Channel.GREEN)]
        result = assign_declarations(uow, batch, clock, POLICY)
        assert [d.outcome.value for d in result.decisions] == ["assigned", "assigned", "duplicate", "recorded"]
        assert uow.commits == 2 and result.attempts == 1
        assert [action["action"] for action in uow.store.audit[1:]] == ["assigned", "assigned", "recorded"]

    def test_held_declarations_are_released_when_a_roster_makes_someone_eligible(self) -> None:
        uow = FakeUnitOfWork()
        import_roster(uow, entries(UNITS[0], "a", inactive=("a",)), clock, POLICY, "test")
        held = assign_declarations(uow, [declaration(1), declaration(2)], clock, POLICY)
        assert {d.outcome.value for d in held.decisions} == {"held"}
        imported = import_roster(uow, entries(UNITS[0], "a", "b"), clock, POLICY, "test")
        assert [(d.declaration.key, d.officer_id) for d in imported.released] == [
            (declaration(1).key, "a"),
            (declaration(2).key, "b"),
        ]
        assert uow.store.holds == []


class TestAssignIsolatingRefusals:
    def test_a_refused_declaration_is_reported_and_the_rest_of_its_batch_is_assigned(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        uow = FakeUnitOfWork()
        import_roster(uow, entries(UNITS[0], "a", "b"), clock, POLICY, "test")
        refused = declaration(2)
        save = uow.declarations.save

        def refusing_save(records: Sequence[DecisionRecord]) -> None:
            if any(r.key == refused.key for r in records):
                raise RefusedError("value too long")
            save(records)

        monkeypatch.setattr(uow.declarations, "save", refusing_save)
        results, refusals = assign_isolating_refusals(uow, [declaration(1), refused, declaration(3)], clock, POLICY)
        assert refusals == [Refused(1, "value too long")]
        assert [d.officer_id for r in results for d in r.decisions] == ["a", "b"]
        assert refused.key not in uow.store.declarations

    def test_other_errors_are_raised(self, monkeypatch: pytest.MonkeyPatch) -> None:
        uow = FakeUnitOfWork()

        def broken(records: Sequence[DecisionRecord]) -> None:
            raise ValueError("a bug")

        monkeypatch.setattr(uow.declarations, "save", broken)
        with pytest.raises(ValueError):
            assign_isolating_refusals(uow, [declaration(1)], clock, POLICY)

    def test_a_caller_may_refuse_other_errors_so_only_the_failing_declaration_is_set_aside(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        uow = FakeUnitOfWork()
        import_roster(uow, entries(UNITS[0], "a", "b"), clock, POLICY, "test")
        failing = declaration(2)
        save = uow.declarations.save

        def buggy_save(records: Sequence[DecisionRecord]) -> None:
            if any(r.key == failing.key for r in records):
                raise ValueError("a bug")
            save(records)

        def refusal(error: BaseException) -> str | None:
            return f"failed: {error}" if isinstance(error, ValueError) else None

        monkeypatch.setattr(uow.declarations, "save", buggy_save)
        results, refusals = assign_isolating_refusals(
            uow, [declaration(1), failing, declaration(3)], clock, POLICY, refusal
        )
        assert refusals == [Refused(1, "failed: a bug")]
        assert [d.officer_id for r in results for d in r.decisions] == ["a", "b"]


class TestImportRoster:
    def test_importing_the_same_roster_twice_changes_nothing_the_second_time(self) -> None:
        uow = FakeUnitOfWork()
        first = import_roster(uow, entries(UNITS[0], "a", "b"), clock, POLICY, "test")
        second = import_roster(uow, entries(UNITS[0], "a", "b"), clock, POLICY, "test")
        assert first.officers_changed == 2 and first.units[0].created
        assert second.officers_changed == 0 and not second.units[0].changed
        assert [a["action"] for a in uow.store.audit] == ["roster_import"]

    def test_the_listing_marks_who_is_next(self) -> None:
        uow = FakeUnitOfWork()
        import_roster(uow, entries(UNITS[0], "a", "b", "c"), clock, POLICY, "test")
        assign_declarations(uow, [declaration(1)], clock, POLICY)
        lines = roster_listing(uow, clock)
        assert [(line.officer_id, line.assigned, line.is_next) for line in lines] == [
            ("a", 1, False),
            ("b", 0, True),
            ("c", 0, False),
        ]


stream_item = st.tuples(
    st.integers(0, 40),  # declaration index: small, so duplicates and amendments are common
    st.sampled_from(UNITS),
    st.sampled_from([Channel.YELLOW, Channel.YELLOW, Channel.GREEN]),
    st.integers(0, 2),  # amendment
)


@settings(max_examples=60, deadline=None)
@given(
    batches=st.lists(st.lists(stream_item, max_size=12), min_size=1, max_size=8),
    rosters=st.fixed_dictionaries({unit: st.integers(0, 4) for unit in UNITS}),
)
def test_rules_1_2_and_4_hold_through_the_services(
    batches: list[list[tuple[int, Unit, Channel, int]]], rosters: dict[Unit, int]
) -> None:
    uow = FakeUnitOfWork()
    for unit, size in rosters.items():
        if size:
            import_roster(
                uow,
                entries(unit, *[f"{unit.department}{unit.customs_office}.{i}" for i in range(size)]),
                clock,
                POLICY,
                "test",
            )
    for batch in batches:
        assign_declarations(uow, [declaration(i, u, c, a) for i, u, c, a in batch], clock, POLICY)
    for unit in UNITS:  # every unit gets a roster: nothing may stay held
        import_roster(uow, entries(unit, f"late.{unit}"), clock, POLICY, "test")
    store = uow.store
    per_key = Counter(key for key, _, _ in store.assignments)
    assert all(count == 1 for count in per_key.values()), "rule 1: a declaration was assigned twice"
    assert store.holds == [], "rule 4: something stayed held"
    for key, known in store.declarations.items():
        assert (known.status.value == "assigned") == (key in per_key)
    _assert_turns_are_fair(store.assignments, store.declarations)


def _assert_turns_are_fair(assignments: list[tuple[str, str, int | None]], known: dict[str, Any]) -> None:
    by_unit: dict[Unit, list[int]] = {}
    for key, _, turn in assignments:
        assert turn is not None
        by_unit.setdefault(known[key].unit, []).append(turn)
    for turns in by_unit.values():
        assert sorted(turns) == list(range(1, len(turns) + 1)), "rule 2: turns skipped or repeated"
