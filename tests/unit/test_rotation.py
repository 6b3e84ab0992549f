"""The rotation of one unit: whose turn it is, who is skipped and why (docs/rules.md rules 2 and 6)."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from assigner.domain.model import Unit
from assigner.domain.rotation import Eligibility, RosterSlot, Rotation, Skip, carry_cursor, next_officer, roster_of

UNIT = Unit("01B1", "00")
ABSENT = Eligibility.ABSENT
INACTIVE = Eligibility.INACTIVE


def officers_of(turns: list) -> list[str]:
    return [turn.officer_id for turn in turns]


class TestNextOfficer:
    def test_first_turn_goes_to_the_first_officer_on_the_roster(self) -> None:
        found = next_officer(roster_of(["a", "b", "c"]), 0)
        assert found == (RosterSlot("a", 1), ())

    def test_turn_goes_to_the_officer_after_the_cursor(self) -> None:
        found = next_officer(roster_of(["a", "b", "c"]), 1)
        assert found == (RosterSlot("b", 2), ())

    def test_turn_wraps_round_after_the_last_officer(self) -> None:
        found = next_officer(roster_of(["a", "b", "c"]), 3)
        assert found == (RosterSlot("a", 1), ())

    def test_absent_and_inactive_officers_are_skipped_with_their_reason(self) -> None:
        roster = roster_of(["a", "b", "c", "d"], {"b": ABSENT, "c": INACTIVE})
        found = next_officer(roster, 1)
        assert found == (RosterSlot("d", 4), (Skip("b", ABSENT), Skip("c", INACTIVE)))

    def test_skips_are_recorded_across_the_wrap_in_rotation_order(self) -> None:
        roster = roster_of(["a", "b", "c", "d"], {"d": INACTIVE, "a": ABSENT})
        found = next_officer(roster, 3)
        assert found == (RosterSlot("b", 2), (Skip("d", INACTIVE), Skip("a", ABSENT)))

    def test_the_only_eligible_officer_gets_the_turn_again(self) -> None:
        roster = roster_of(["a", "b"], {"a": ABSENT})
        found = next_officer(roster, 2)
        assert found == (RosterSlot("b", 2), (Skip("a", ABSENT),))

    def test_nobody_eligible_gives_none(self) -> None:
        roster = roster_of(["a", "b"], {"a": ABSENT, "b": INACTIVE})
        assert next_officer(roster, 1) is None

    def test_empty_roster_gives_none(self) -> None:
        assert next_officer((), 0) is None

    def test_positions_need_not_be_contiguous(self) -> None:
        roster = (RosterSlot("c", 10), RosterSlot("a", 3), RosterSlot("b", 7))
        assert next_officer(roster, 0) == (RosterSlot("a", 3), ())
        assert next_officer(roster, 3) == (RosterSlot("b", 7), ())
        assert next_officer(roster, 5) == (RosterSlot("b", 7), ())
        assert next_officer(roster, 10) == (RosterSlot("a", 3), ())

    def test_roster_order_is_by_position_not_by_tuple_order(self) -> None:
        roster = (RosterSlot("z", 2), RosterSlot("y", 1))
        assert next_officer(roster, 0) == (RosterSlot("y", 1), ())


class TestTakeTurn:
    def test_turns_go_round_the_roster_in_order(self) -> None:
        rotation = Rotation(UNIT, roster_of(["a", "b", "c"]))
        turns = [rotation.take_turn("k") for _ in range(7)]
        assert officers_of(turns) == ["a", "b", "c", "a", "b", "c", "a"]

    def test_turn_numbers_count_up_from_the_rotation_turn(self) -> None:
        rotation = Rotation(UNIT, roster_of(["a", "b"]), position=2, turn=41)
        turns = [rotation.take_turn("k") for _ in range(3)]
        assert [turn.number for turn in turns] == [42, 43, 44]
        assert rotation.turn == 44

    def test_turn_records_the_cursor_it_started_from_and_moves_it(self) -> None:
        rotation = Rotation(UNIT, roster_of(["a", "b", "c"]), position=2)
        turn = rotation.take_turn("k")
        assert (turn.officer_id, turn.position, turn.started_from) == ("c", 3, 2)
        assert rotation.position == 3

    def test_turn_records_each_officer_skipped_with_the_reason(self) -> None:
        roster = roster_of(["a", "b", "c", "d"], {"b": ABSENT, "c": INACTIVE})
        rotation = Rotation(UNIT, roster, position=1)
        turn = rotation.take_turn("k")
        assert turn.officer_id == "d"
        assert turn.started_from == 1
        assert turn.skipped == (Skip("b", ABSENT), Skip("c", INACTIVE))

    def test_turn_without_skips_records_none(self) -> None:
        turn = Rotation(UNIT, roster_of(["a", "b"])).take_turn("k")
        assert turn.skipped == ()

    def test_nobody_eligible_gives_none_and_leaves_the_cursor_and_counter(self) -> None:
        roster = roster_of(["a", "b"], {"a": ABSENT, "b": INACTIVE})
        rotation = Rotation(UNIT, roster, position=2, turn=5)
        assert rotation.take_turn("k") is None
        assert (rotation.position, rotation.turn) == (2, 5)
        assert not rotation.has_eligible()

    def test_rotation_with_one_eligible_officer_has_eligible(self) -> None:
        rotation = Rotation(UNIT, roster_of(["a", "b"], {"a": ABSENT}))
        assert rotation.has_eligible()

    def test_turns_wrap_round_non_contiguous_positions(self) -> None:
        roster = (RosterSlot("a", 3), RosterSlot("b", 7, INACTIVE), RosterSlot("c", 10))
        rotation = Rotation(UNIT, roster, position=3)
        first, second = rotation.take_turn("k"), rotation.take_turn("k")
        assert (first.officer_id, first.started_from, first.skipped) == ("c", 3, (Skip("b", INACTIVE),))
        assert (second.officer_id, second.started_from, second.skipped) == ("a", 10, ())

    def test_a_roster_given_out_of_order_turns_in_position_order(self) -> None:
        rotation = Rotation(UNIT, (RosterSlot("c", 10), RosterSlot("a", 3), RosterSlot("b", 7, ABSENT)))
        turns = [rotation.take_turn("k") for _ in range(3)]
        assert officers_of(turns) == ["a", "c", "a"]
        assert turns[1] is not None and turns[1].skipped == (Skip("b", ABSENT),)

    def test_an_officer_marked_absent_mid_batch_is_skipped_and_known_absent(self) -> None:
        rotation = Rotation(UNIT, roster_of(["a", "b", "c"]))
        rotation.mark("b", ABSENT)
        assert rotation.eligibility_of("b") is ABSENT and rotation.eligibility_of("x") is None
        assert officers_of([rotation.take_turn("k") for _ in range(3)]) == ["a", "c", "a"]


@st.composite
def rosters(draw: st.DrawFn) -> tuple[RosterSlot, ...]:
    """1-12 officers at distinct, possibly gapped positions, some unavailable, at least one eligible."""
    size = draw(st.integers(min_value=1, max_value=12))
    positions = sorted(draw(st.sets(st.integers(min_value=1, max_value=60), min_size=size, max_size=size)))
    eligibilities = draw(st.lists(st.sampled_from(list(Eligibility)), min_size=size, max_size=size))
    eligibilities[draw(st.integers(min_value=0, max_value=size - 1))] = Eligibility.ELIGIBLE
    slots = [RosterSlot(f"off.{n:02d}", p, e) for n, (p, e) in enumerate(zip(positions, eligibilities, strict=True))]
    return tuple(draw(st.permutations(slots)))


def expected_sequence(roster: tuple[RosterSlot, ...], cursor: int, count: int) -> list[str]:
    """Eligible officers in position order, starting after the cursor, cyclically."""
    eligible = sorted((s for s in roster if s.eligibility is Eligibility.ELIGIBLE), key=lambda s: s.position)
    start = next((i for i, slot in enumerate(eligible) if slot.position > cursor), 0)
    return [eligible[(start + i) % len(eligible)].officer_id for i in range(count)]


class TestRotationIsFair:
    """Rule 2, for any roster, cursor and number of turns."""

    @settings(max_examples=150, deadline=None)
    @given(roster=rosters(), cursor=st.integers(min_value=0, max_value=65), count=st.integers(0, 60))
    def test_eligible_officers_counts_differ_by_at_most_one(self, roster, cursor, count) -> None:
        rotation = Rotation(UNIT, roster, position=cursor)
        counts = Counter(rotation.take_turn("k").officer_id for _ in range(count))
        eligible = [s.officer_id for s in roster if s.eligibility is Eligibility.ELIGIBLE]
        eligible_counts = [counts[officer_id] for officer_id in eligible]
        assert max(eligible_counts) - min(eligible_counts) <= 1
        assert sum(eligible_counts) == count

    @settings(max_examples=150, deadline=None)
    @given(roster=rosters(), cursor=st.integers(min_value=0, max_value=65), count=st.integers(0, 60))
    def test_absent_and_inactive_officers_get_no_turn(self, roster, cursor, count) -> None:
        rotation = Rotation(UNIT, roster, position=cursor)
        given_to = {rotation.take_turn("k").officer_id for _ in range(count)}
        ineligible = {s.officer_id for s in roster if s.eligibility is not Eligibility.ELIGIBLE}
        assert given_to.isdisjoint(ineligible)

    @settings(max_examples=150, deadline=None)
    @given(roster=rosters(), cursor=st.integers(min_value=0, max_value=65), count=st.integers(0, 60))
    def test_turns_follow_roster_order_cyclically(self, roster, cursor, count) -> None:
        rotation = Rotation(UNIT, roster, position=cursor)
        turns = [rotation.take_turn("k") for _ in range(count)]
        assert officers_of(turns) == expected_sequence(roster, cursor, count)
        assert [turn.number for turn in turns] == list(range(1, count + 1))

    @settings(max_examples=150, deadline=None)
    @given(roster=rosters(), cursor=st.integers(min_value=0, max_value=65), count=st.integers(1, 30))
    def test_each_turn_starts_where_the_last_ended_and_lists_whom_it_passed(self, roster, cursor, count) -> None:
        rotation = Rotation(UNIT, roster, position=cursor)
        ordered = sorted(roster, key=lambda slot: slot.position)
        started = cursor
        for _ in range(count):
            turn = rotation.take_turn("k")
            assert turn.started_from == started
            passed = [s for s in ordered if started < s.position < turn.position]
            if turn.position <= started:  # wrapped round
                passed = [s for s in ordered if s.position > started] + [
                    s for s in ordered if s.position < turn.position
                ]
            assert turn.skipped == tuple(Skip(s.officer_id, s.eligibility) for s in passed)
            started = turn.position


class TestCarryCursor:
    def test_an_officer_added_in_front_gets_the_next_turn_after_the_wrap(self) -> None:
        # turns a, b, c; then d joins in front: the cursor stays after c, so d is next, then a.
        assert carry_cursor(["a", "b", "c"], 3, ["d", "a", "b", "c"]) == 4

    def test_the_cursor_follows_the_last_served_officer_when_others_leave(self) -> None:
        # turns a, b; then a leaves and c joins: b was last, so c is next.
        assert carry_cursor(["a", "b"], 2, ["b", "c"]) == 1

    def test_when_the_last_served_officer_leaves_the_cursor_stays_after_the_one_before(self) -> None:
        assert carry_cursor(["a", "b", "c", "d"], 3, ["a", "b", "d"]) == 2

    def test_a_fresh_cursor_stays_at_the_start(self) -> None:
        assert carry_cursor(["a", "b"], 0, ["b", "a"]) == 0
        assert carry_cursor(["a"], 1, ["x"]) == 0
