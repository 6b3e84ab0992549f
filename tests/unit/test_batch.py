"""Deciding declarations, one and in batches (docs/rules.md rules 1, 3, 4 and 5)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from assigner.domain.batch import Ledger, plan, release_held
from assigner.domain.decisions import Decision, HoldReason, Outcome, decide
from assigner.domain.model import Channel, Declaration, KnownDeclaration, Status, Unit
from assigner.domain.rotation import Eligibility, Rotation, roster_of
from assigner.domain.working_hours import HoursBook, WorkingHours

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
UNIT = Unit("01B1", "00")
OTHER_UNIT = Unit("01B1", "01")
UNKNOWN_UNIT = Unit("02CI", "03")
YELLOW_ONLY = frozenset({Channel.YELLOW})
MONDAY_MORNING = datetime(2025, 6, 2, 9, 0, tzinfo=HANOI)
SATURDAY = datetime(2025, 6, 7, 9, 0, tzinfo=HANOI)


def declaration(
    number: str,
    channel: Channel = Channel.YELLOW,
    unit: Unit = UNIT,
    registered_at: datetime = MONDAY_MORNING,
) -> Declaration:
    return Declaration(number, unit, channel, registered_at)


def rotation(*officers: str, unit: Unit = UNIT, **unavailable: Eligibility) -> Rotation:
    return Rotation(unit, roster_of(officers, dict(unavailable)))


def known(number: str, status: Status, officer_id: str | None = None, unit: Unit = UNIT) -> KnownDeclaration:
    return KnownDeclaration(number[:11], number, unit, status, officer_id)


def ledger(*rotations: Rotation, **kwargs: object) -> Ledger:
    known_declarations = kwargs.pop("known", {})
    return Ledger(known_declarations, {r.unit: r for r in rotations}, **kwargs)  # type: ignore[arg-type]


def outcomes(decisions: list[Decision]) -> list[tuple[str, Outcome, str | None]]:
    return [(d.declaration.declaration_number, d.outcome, d.officer_id) for d in decisions]


class TestDecide:
    def test_new_yellow_declaration_takes_the_next_turn(self) -> None:
        unit_rotation = rotation("a", "b")
        decision = decide(declaration("105432198760"), None, unit_rotation, YELLOW_ONLY, False)
        assert (decision.outcome, decision.officer_id) == (Outcome.ASSIGNED, "a")
        assert decision.turn is not None and decision.turn.number == 1
        assert decision.status is Status.ASSIGNED
        assert unit_rotation.turn == 1

    def test_duplicate_message_does_not_use_a_turn(self) -> None:
        unit_rotation = rotation("a", "b")
        stored = known("105432198760", Status.ASSIGNED, "b")
        decision = decide(declaration("105432198760"), stored, unit_rotation, YELLOW_ONLY, False)
        assert (decision.outcome, decision.officer_id, decision.turn) == (Outcome.DUPLICATE, "b", None)
        assert decision.status is None
        assert (unit_rotation.turn, unit_rotation.position) == (0, 0)

    def test_lower_amendment_is_a_duplicate(self) -> None:
        unit_rotation = rotation("a", "b")
        stored = known("105432198763", Status.ASSIGNED, "b")
        decision = decide(declaration("105432198761"), stored, unit_rotation, YELLOW_ONLY, False)
        assert (decision.outcome, decision.officer_id) == (Outcome.DUPLICATE, "b")
        assert unit_rotation.turn == 0

    def test_amendment_stays_with_the_officer_and_uses_no_turn(self) -> None:
        unit_rotation = rotation("a", "b")
        stored = known("105432198760", Status.ASSIGNED, "b")
        decision = decide(declaration("105432198761"), stored, unit_rotation, YELLOW_ONLY, False)
        assert (decision.outcome, decision.officer_id, decision.turn) == (Outcome.AMENDMENT, "b", None)
        assert decision.status is Status.ASSIGNED
        assert decision.previous == stored
        assert unit_rotation.turn == 0

    def test_amendment_that_turns_green_stays_with_the_officer(self) -> None:
        unit_rotation = rotation("a", "b")
        stored = known("105432198760", Status.ASSIGNED, "b")
        decision = decide(declaration("105432198761", Channel.GREEN), stored, unit_rotation, YELLOW_ONLY, False)
        assert (decision.outcome, decision.officer_id, decision.status) == (Outcome.AMENDMENT, "b", Status.ASSIGNED)

    def test_amendment_of_a_held_declaration_stays_held_and_uses_no_turn(self) -> None:
        unit_rotation = rotation("a", "b")
        stored = known("105432198760", Status.HELD)
        decision = decide(declaration("105432198761"), stored, unit_rotation, YELLOW_ONLY, False)
        assert (decision.outcome, decision.officer_id, decision.status) == (Outcome.AMENDMENT, None, Status.HELD)
        assert unit_rotation.turn == 0

    def test_green_and_red_are_recorded_not_assigned(self) -> None:
        unit_rotation = rotation("a", "b")
        for number, channel in (("105432198760", Channel.GREEN), ("305432198760", Channel.RED)):
            decision = decide(declaration(number, channel), None, unit_rotation, YELLOW_ONLY, False)
            assert (decision.outcome, decision.officer_id, decision.status) == (Outcome.RECORDED, None, Status.RECORDED)
        assert unit_rotation.turn == 0

    def test_channels_configured_on_the_rotation_are_assigned(self) -> None:
        unit_rotation = rotation("a", "b")
        unit_rotation.auto_channels = frozenset({Channel.YELLOW, Channel.RED})
        decision = decide(declaration("305432198760", Channel.RED), None, unit_rotation, YELLOW_ONLY, False)
        assert (decision.outcome, decision.officer_id) == (Outcome.ASSIGNED, "a")

    def test_rotation_channels_win_over_the_default_channels(self) -> None:
        unit_rotation = rotation("a", "b")
        unit_rotation.auto_channels = frozenset({Channel.RED})
        decision = decide(declaration("105432198760"), None, unit_rotation, YELLOW_ONLY, False)
        assert decision.outcome is Outcome.RECORDED
        assert unit_rotation.turn == 0

    def test_unknown_unit_holds_an_auto_channel_declaration_as_unknown_department(self) -> None:
        decision = decide(declaration("105432198760", unit=UNKNOWN_UNIT), None, None, YELLOW_ONLY, False)
        assert (decision.outcome, decision.hold_reason) == (Outcome.HELD, HoldReason.UNKNOWN_DEPARTMENT)
        assert decision.status is Status.HELD

    def test_unknown_unit_records_a_green_declaration(self) -> None:
        green = declaration("105432198760", Channel.GREEN, unit=UNKNOWN_UNIT)
        decision = decide(green, None, None, YELLOW_ONLY, False)
        assert (decision.outcome, decision.hold_reason) == (Outcome.RECORDED, None)

    def test_nobody_eligible_holds_as_no_eligible_officer_with_cursor_unmoved(self) -> None:
        unit_rotation = rotation("a", "b", a=Eligibility.ABSENT, b=Eligibility.INACTIVE)
        unit_rotation.position = 1
        decision = decide(declaration("105432198760"), None, unit_rotation, YELLOW_ONLY, False)
        assert (decision.outcome, decision.hold_reason) == (Outcome.HELD, HoldReason.NO_ELIGIBLE_OFFICER)
        assert (decision.officer_id, decision.turn) == (None, None)
        assert (unit_rotation.position, unit_rotation.turn) == (1, 0)

    def test_amendment_of_a_recorded_green_declaration_that_turns_yellow_is_assigned(self) -> None:
        unit_rotation = rotation("a", "b")
        stored = known("105432198760", Status.RECORDED)
        decision = decide(declaration("105432198761"), stored, unit_rotation, YELLOW_ONLY, False)
        assert (decision.outcome, decision.officer_id, decision.previous) == (Outcome.ASSIGNED, "a", stored)
        assert unit_rotation.turn == 1

    def test_amendment_of_a_recorded_declaration_still_green_stays_recorded(self) -> None:
        unit_rotation = rotation("a", "b")
        stored = known("105432198760", Status.RECORDED)
        decision = decide(declaration("105432198761", Channel.GREEN), stored, unit_rotation, YELLOW_ONLY, False)
        assert (decision.outcome, decision.status, decision.officer_id) == (Outcome.AMENDMENT, Status.RECORDED, None)
        assert unit_rotation.turn == 0

    def test_after_hours_label_is_kept_on_every_outcome(self) -> None:
        unit_rotation = rotation("a")
        assigned = decide(declaration("105432198760"), None, unit_rotation, YELLOW_ONLY, True)
        recorded = decide(declaration("105432198770", Channel.GREEN), None, unit_rotation, YELLOW_ONLY, True)
        held = decide(declaration("105432198780", unit=UNKNOWN_UNIT), None, None, YELLOW_ONLY, True)
        assert (assigned.after_hours, recorded.after_hours, held.after_hours) == (True, True, True)


class TestPlan:
    def test_batch_is_assigned_in_order_by_rotation(self) -> None:
        book = ledger(rotation("a", "b"))
        decisions = plan([declaration("105432198760"), declaration("105432198770"), declaration("105432198780")], book)
        assert [d.officer_id for d in decisions] == ["a", "b", "a"]

    def test_duplicate_in_the_same_batch_does_not_use_a_turn(self) -> None:
        unit_rotation = rotation("a", "b")
        decisions = plan([declaration("105432198760"), declaration("105432198760")], ledger(unit_rotation))
        assert outcomes(decisions) == [
            ("105432198760", Outcome.ASSIGNED, "a"),
            ("105432198760", Outcome.DUPLICATE, "a"),
        ]
        assert unit_rotation.turn == 1

    def test_amendment_in_a_later_batch_stays_with_the_officer_and_uses_no_turn(self) -> None:
        unit_rotation = rotation("a", "b")
        book = ledger(unit_rotation)
        [first] = plan([declaration("105432198760")], book)
        decisions = plan([declaration("105432198762"), declaration("105432198761")], book)
        assert outcomes(decisions) == [
            ("105432198762", Outcome.AMENDMENT, "a"),
            ("105432198761", Outcome.DUPLICATE, "a"),
        ]
        remembered = book.known["10543219876"]
        assert replace(remembered, due_at=None) == known("105432198762", Status.ASSIGNED, "a")
        assert remembered.due_at == first.due_at is not None  # the amendment keeps the first one's clock
        assert unit_rotation.turn == 1

    def test_green_and_red_are_recorded_and_use_no_turn(self) -> None:
        unit_rotation = rotation("a", "b")
        batch = [declaration("105432198760", Channel.GREEN), declaration("105432198770", Channel.RED)]
        book = ledger(unit_rotation)
        decisions = plan(batch, book)
        assert [d.outcome for d in decisions] == [Outcome.RECORDED, Outcome.RECORDED]
        assert book.known["10543219877"].status is Status.RECORDED
        assert unit_rotation.turn == 0

    def test_ledger_default_channels_apply_to_an_unknown_unit(self) -> None:
        book = ledger(default_channels=frozenset({Channel.YELLOW, Channel.RED}))
        decisions = plan([declaration("305432198760", Channel.RED, unit=UNKNOWN_UNIT)], book)
        assert (decisions[0].outcome, decisions[0].hold_reason) == (Outcome.HELD, HoldReason.UNKNOWN_DEPARTMENT)

    def test_unknown_unit_is_held_as_unknown_department(self) -> None:
        book = ledger(rotation("a"))
        decisions = plan([declaration("105432198760", unit=UNKNOWN_UNIT)], book)
        assert (decisions[0].outcome, decisions[0].hold_reason) == (Outcome.HELD, HoldReason.UNKNOWN_DEPARTMENT)
        assert book.known["10543219876"].status is Status.HELD

    def test_nobody_eligible_is_held_as_no_eligible_officer(self) -> None:
        book = ledger(rotation("a", a=Eligibility.ABSENT))
        decisions = plan([declaration("105432198760")], book)
        assert (decisions[0].outcome, decisions[0].hold_reason) == (Outcome.HELD, HoldReason.NO_ELIGIBLE_OFFICER)

    def test_each_unit_has_its_own_rotation(self) -> None:
        book = ledger(rotation("a", "b"), rotation("a", "c", unit=OTHER_UNIT))
        batch = [
            declaration("105432198760"),
            declaration("105432198770", unit=OTHER_UNIT),
            declaration("105432198780", unit=OTHER_UNIT),
            declaration("105432198790"),
        ]
        assert [d.officer_id for d in plan(batch, book)] == ["a", "a", "c", "b"]

    def test_after_hours_label_comes_from_the_hours_book(self) -> None:
        book = ledger(rotation("a", "b"))
        decisions = plan([declaration("105432198760", registered_at=SATURDAY), declaration("105432198770")], book)
        assert [(d.officer_id, d.after_hours) for d in decisions] == [("a", True), ("b", False)]

    def test_after_hours_uses_the_office_override_of_the_hours_book(self) -> None:
        hours = HoursBook(by_office={"01B1": WorkingHours(holidays=frozenset({date(2025, 6, 2)}))})
        book = ledger(rotation("a"), hours=hours)
        decisions = plan([declaration("105432198760")], book)
        assert (decisions[0].outcome, decisions[0].after_hours) == (Outcome.ASSIGNED, True)

    def test_held_declarations_are_released_oldest_first_before_the_batch(self) -> None:
        first, second = declaration("105432198760"), declaration("105432198770")
        held_known = {d.key: known(d.declaration_number, Status.HELD) for d in (first, second)}
        unit_rotation = rotation("a", "b", "c")
        book = ledger(unit_rotation, known=held_known, held={UNIT: [first, second]})
        decisions = plan([declaration("105432198780")], book)
        assert outcomes(decisions) == [
            ("105432198760", Outcome.ASSIGNED, "a"),
            ("105432198770", Outcome.ASSIGNED, "b"),
            ("105432198780", Outcome.ASSIGNED, "c"),
        ]
        assert [d.released for d in decisions] == [True, True, False]
        assert book.held[UNIT] == []

    def test_held_declarations_stay_held_while_nobody_is_eligible(self) -> None:
        waiting = declaration("105432198760")
        unit_rotation = rotation("a", a=Eligibility.ABSENT)
        book = ledger(unit_rotation, known={waiting.key: known("105432198760", Status.HELD)}, held={UNIT: [waiting]})
        assert plan([], book) == []
        assert book.held[UNIT] == [waiting]
        assert book.known[waiting.key].status is Status.HELD

    def test_redelivered_held_declaration_is_a_duplicate_after_its_release(self) -> None:
        waiting = declaration("105432198760")
        unit_rotation = rotation("a", "b")
        book = ledger(unit_rotation, known={waiting.key: known("105432198760", Status.HELD)}, held={UNIT: [waiting]})
        decisions = plan([waiting, declaration("105432198761")], book)
        assert outcomes(decisions) == [
            ("105432198760", Outcome.ASSIGNED, "a"),
            ("105432198760", Outcome.DUPLICATE, "a"),
            ("105432198761", Outcome.AMENDMENT, "a"),
        ]
        assert unit_rotation.turn == 1


class TestReleaseHeld:
    def test_held_declarations_are_assigned_in_arrival_order_when_an_officer_becomes_eligible(self) -> None:
        queue = [declaration("105432198760"), declaration("105432198770"), declaration("105432198780")]
        held_known = {d.key: known(d.declaration_number, Status.HELD) for d in queue}
        book = ledger(rotation("a", "b", b=Eligibility.ABSENT), known=dict(held_known), held={UNIT: list(queue)})
        decisions = release_held(book, UNIT)
        assert outcomes(decisions) == [
            ("105432198760", Outcome.ASSIGNED, "a"),
            ("105432198770", Outcome.ASSIGNED, "a"),
            ("105432198780", Outcome.ASSIGNED, "a"),
        ]
        assert all(d.released for d in decisions)
        assert [d.previous for d in decisions] == [held_known[d.key] for d in queue]
        assert [book.known[d.key] for d in queue] == [known(d.declaration_number, Status.ASSIGNED, "a") for d in queue]

    def test_released_decision_records_its_turn_and_after_hours(self) -> None:
        waiting = declaration("105432198760", registered_at=SATURDAY)
        book = ledger(
            rotation("a", "b"), known={waiting.key: known("105432198760", Status.HELD)}, held={UNIT: [waiting]}
        )
        (decision,) = release_held(book, UNIT)
        assert decision.turn is not None and (decision.turn.number, decision.turn.started_from) == (1, 0)
        assert decision.after_hours is True

    def test_nothing_is_released_for_a_unit_without_a_rotation(self) -> None:
        waiting = declaration("105432198760", unit=UNKNOWN_UNIT)
        book = ledger(held={UNKNOWN_UNIT: [waiting]})
        assert release_held(book, UNKNOWN_UNIT) == []
        assert book.held[UNKNOWN_UNIT] == [waiting]

    def test_a_unit_given_a_rotation_releases_its_unknown_department_holds(self) -> None:
        waiting = declaration("105432198760", unit=UNKNOWN_UNIT)
        book = ledger(rotation("x", unit=UNKNOWN_UNIT), held={UNKNOWN_UNIT: [waiting]})
        assert outcomes(release_held(book, UNKNOWN_UNIT)) == [("105432198760", Outcome.ASSIGNED, "x")]


# Streams of messages for the properties: a few declaration identities, each in one unit,
# sent with random amendment digits (so redeliveries, amendments and stale versions all occur).
UNITS = (UNIT, OTHER_UNIT, UNKNOWN_UNIT)
CHANNELS = st.sampled_from([Channel.YELLOW, Channel.YELLOW, Channel.YELLOW, Channel.GREEN, Channel.RED])


@st.composite
def streams(draw: st.DrawFn, units: tuple[Unit, ...]) -> list[Declaration]:
    key_units = draw(st.lists(st.sampled_from(units), min_size=1, max_size=8))
    messages = draw(
        st.lists(
            st.tuples(st.integers(0, len(key_units) - 1), st.integers(0, 3), CHANNELS),
            min_size=1,
            max_size=40,
        )
    )
    stream = []
    for index, amendment, channel in messages:
        number = f"10{index:09d}{amendment}"
        stream.append(declaration(number, channel, unit=key_units[index]))
    redelivered = draw(st.lists(st.integers(0, len(stream) - 1), max_size=10))
    for position in sorted(redelivered, reverse=True):
        stream.insert(draw(st.integers(position, len(stream))), stream[position])
    return stream


def batches_of(draw: st.DrawFn, stream: list[Declaration]) -> list[list[Declaration]]:
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(stream) - 1)), max_size=5)))
    bounds = [0, *cuts, len(stream)]
    return [stream[start:end] for start, end in zip(bounds, bounds[1:]) if start < end]


def keys_to_assign(stream: list[Declaration]) -> list[str]:
    """Keys with an auto-channel version newer than every earlier version, in the order they qualify."""
    highest: dict[str, int] = {}
    qualified: list[str] = []
    for message in stream:
        newer = message.key not in highest or message.amendment > highest[message.key]
        if newer and message.channel is Channel.YELLOW and message.key not in qualified:
            qualified.append(message.key)
        highest[message.key] = max(highest.get(message.key, -1), message.amendment)
    return qualified


class TestOneAssignmentPerDeclaration:
    """Rule 1, over random streams split into batches that share one ledger."""

    @settings(max_examples=150, deadline=None)
    @given(data=st.data())
    def test_each_declaration_is_assigned_once_and_uses_one_turn(self, data: st.DataObject) -> None:
        stream = data.draw(streams((UNIT, OTHER_UNIT)))
        rotations = [rotation("a", "b", "c", b=Eligibility.ABSENT), rotation("d", "e", unit=OTHER_UNIT)]
        book = ledger(*rotations)
        decisions = []
        for batch in batches_of(data.draw, stream):
            decisions.extend(plan(batch, book))

        assigned = [d.declaration.key for d in decisions if d.outcome is Outcome.ASSIGNED]
        assert Counter(assigned) == Counter(set(assigned))
        assert assigned == keys_to_assign(stream)
        assert sum(r.turn for r in rotations) == len(set(assigned))

    @settings(max_examples=150, deadline=None)
    @given(data=st.data())
    def test_later_versions_stay_with_the_assigned_officer(self, data: st.DataObject) -> None:
        stream = data.draw(streams((UNIT, OTHER_UNIT)))
        book = ledger(rotation("a", "b", "c"), rotation("d", "e", unit=OTHER_UNIT))
        decisions = []
        for batch in batches_of(data.draw, stream):
            decisions.extend(plan(batch, book))

        officer_of: dict[str, str] = {}
        for decision in decisions:
            key = decision.declaration.key
            if key in officer_of:
                assert decision.outcome in (Outcome.DUPLICATE, Outcome.AMENDMENT)
                assert decision.officer_id == officer_of[key]
            elif decision.outcome is Outcome.ASSIGNED:
                officer_of[key] = decision.officer_id
        for key, officer_id in officer_of.items():
            assert book.known[key].officer_id == officer_id
            assert book.known[key].status is Status.ASSIGNED


def keep_holds(book: Ledger, decisions: list[Decision]) -> None:
    """What storage does between batches: a new hold joins its unit's queue; a held amendment replaces it."""
    for decision in decisions:
        unit, key = decision.declaration.unit, decision.declaration.key
        queue = book.held.setdefault(unit, [])
        if decision.status is Status.HELD:
            waiting = [i for i, queued in enumerate(queue) if queued.key == key]
            if waiting:
                queue[waiting[0]] = decision.declaration
            else:
                queue.append(decision.declaration)


class TestNothingIsLost:
    """Rule 4: whatever cannot be assigned is held, then assigned in arrival order."""

    @settings(max_examples=150, deadline=None)
    @given(data=st.data())
    def test_held_declarations_are_released_in_arrival_order_once_someone_is_eligible(self, data) -> None:
        stream = data.draw(streams(UNITS))
        nobody = rotation("a", "b", a=Eligibility.ABSENT, b=Eligibility.INACTIVE)
        nobody.position = 2
        others_nobody = rotation("d", unit=OTHER_UNIT, d=Eligibility.ABSENT)
        book = ledger(nobody, others_nobody)
        decisions = []
        for batch in batches_of(data.draw, stream):
            batch_decisions = plan(batch, book)
            keep_holds(book, batch_decisions)
            decisions.extend(batch_decisions)

        expected = keys_to_assign(stream)
        held = [d for d in decisions if d.outcome is Outcome.HELD]
        assert [d.declaration.key for d in held] == expected
        assert Outcome.ASSIGNED not in {d.outcome for d in decisions}
        assert (nobody.position, nobody.turn, others_nobody.turn) == (2, 0, 0)
        for decision in held:
            reason = HoldReason.UNKNOWN_DEPARTMENT if decision.declaration.unit == UNKNOWN_UNIT else None
            assert decision.hold_reason is (reason or HoldReason.NO_ELIGIBLE_OFFICER)
        latest = {key: book.known[key].declaration_number for key in expected}
        assert all(book.known[key].status is Status.HELD for key in expected)

        for unit in UNITS:
            book.rotations[unit] = rotation("p", "q", unit=unit)
        released = plan([], book)

        assert [d.declaration.key for d in released] == sorted(expected, key=lambda k: book.known[k].unit)
        for unit in UNITS:
            in_unit = [d.declaration.key for d in released if d.declaration.unit == unit]
            assert in_unit == [key for key in expected if book.known[key].unit == unit]
        assert all(d.outcome is Outcome.ASSIGNED and d.released for d in released)
        assert {d.declaration.key: d.declaration.declaration_number for d in released} == latest
        assert all(book.known[key].status is Status.ASSIGNED for key in expected)

    def test_a_queued_declaration_no_longer_held_is_skipped_and_uses_no_turn(self) -> None:
        stale, waiting = declaration("105432198760"), declaration("105432198770")
        book = ledger(
            rotation("a", "b"),
            known={
                stale.key: known("105432198760", Status.ASSIGNED, "b"),
                waiting.key: known("105432198770", Status.HELD),
            },
            held={UNIT: [stale, waiting]},
        )
        assert outcomes(release_held(book, UNIT)) == [("105432198770", Outcome.ASSIGNED, "a")]
        assert book.held[UNIT] == []
