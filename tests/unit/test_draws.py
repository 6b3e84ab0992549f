"""A unit that draws its turns (docs/rules.md rule 2, the unpredictable order): each round serves every
eligible officer once, in an order only the day's key gives, the same on every replay."""

from __future__ import annotations

from collections import Counter
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from assigner.domain.draws import Drawer, ModeState, RotationMode, commitment, draw_message, drawn_index, switched
from assigner.domain.model import Unit
from assigner.domain.rotation import Eligibility, Rotation, Turn, roster_of

UNIT = Unit("01B1", "00")
DAY = date(2025, 6, 2)


def drawer(key: bytes = b"k" * 32, head_seq: int = 3) -> Drawer:
    return Drawer(DAY, key, head_seq, "ab" * 32)


def drawn(officers: list[str], key: bytes = b"k" * 32, **kwargs: object) -> Rotation:
    rotation = Rotation(UNIT, roster_of(officers), state=ModeState.DRAWN, **kwargs)  # type: ignore[arg-type]
    rotation.drawer = lambda: drawer(key)
    return rotation


def turns(rotation: Rotation, count: int, start: int = 0) -> list[Turn]:
    taken = [rotation.take_turn(f"{start + n:011d}") for n in range(count)]
    assert all(turn is not None for turn in taken)
    return taken  # type: ignore[return-value]


class TestDrawnRounds:
    def test_each_round_serves_every_officer_once(self) -> None:
        rotation = drawn(["a", "b", "c", "d", "e"])
        taken = turns(rotation, 50)
        for first in range(0, 50, 5):
            assert sorted(t.officer_id for t in taken[first : first + 5]) == ["a", "b", "c", "d", "e"]
            assert [t.draw["new_round"] for t in taken[first : first + 5]] == [first > 0, False, False, False, False]  # type: ignore[index]

    def test_the_order_is_not_the_roster_order_and_changes_with_the_key(self) -> None:
        orders = {key: [t.officer_id for t in turns(drawn(list("abcdef"), key), 60)] for key in (b"1" * 32, b"2" * 32)}
        rounds = [tuple(order[n : n + 6]) for order in orders.values() for n in range(0, 60, 6)]
        assert len(set(rounds)) > 10  # 20 rounds of 720 possible orders; the roster order is one of them
        assert orders[b"1" * 32] != orders[b"2" * 32]

    def test_the_draw_is_the_hmac_of_its_message_over_the_candidates_left(self) -> None:
        rotation = drawn(["a", "b", "c"])
        first, second = turns(rotation, 2)
        assert first.draw is not None and second.draw is not None
        message = draw_message(str(UNIT), 2, f"{1:011d}", DAY, 3, "ab" * 32)
        left = second.draw["candidates"]
        assert first.officer_id not in left and len(left) == 2
        assert second.officer_id == left[drawn_index(b"k" * 32, message, 2)]
        assert second.explained()["draw"] == {"day": "2025-06-02", "head_seq": 3, "head": "ab" * 32} | {
            "candidates": left,
            "new_round": False,
        }

    def test_absent_officers_are_skipped_and_drawn_once_back_if_their_round_has_not_served_them(self) -> None:
        rotation = drawn(["a", "b", "c"])
        rotation.mark("b", Eligibility.ABSENT)
        first, second = turns(rotation, 2)
        assert {first.officer_id, second.officer_id} == {"a", "c"}
        assert [(s.officer_id, s.reason) for s in first.skipped] == [("b", Eligibility.ABSENT)]
        rotation.mark("b", Eligibility.ELIGIBLE)
        (third,) = turns(rotation, 1, start=2)
        assert third.officer_id == "b" and third.draw == third.draw | {"candidates": ["b"], "new_round": False}

    def test_nobody_eligible_takes_no_turn_and_moves_nothing(self) -> None:
        rotation = drawn(["a"])
        rotation.mark("a", Eligibility.ABSENT)
        assert rotation.take_turn("k") is None and rotation.turn == 0 and rotation.served == frozenset()

    def test_a_drawn_unit_without_a_key_refuses_to_guess(self) -> None:
        rotation = Rotation(UNIT, roster_of(["a"]), state=ModeState.DRAWN)
        try:
            rotation.take_turn("k")
        except RuntimeError as error:
            assert "no key" in str(error)
        else:
            raise AssertionError("a drawn turn without a key")

    def test_a_commitment_is_the_keys_sha256(self) -> None:
        assert commitment(b"\x00" * 32) == "66687aadf862bd776c8fc18b8e9f8e20089714856ee233b3902a591d0d5f2925"

    @settings(max_examples=200, deadline=None)
    @given(
        officers=st.integers(1, 9),
        steps=st.lists(st.tuples(st.sampled_from(["turn", "away", "back"]), st.integers(0, 8)), max_size=80),
        key=st.binary(min_size=32, max_size=32),
    )
    def test_no_officer_is_served_twice_in_a_round_and_a_full_round_differs_by_at_most_one(
        self, officers: int, steps: list[tuple[str, int]], key: bytes
    ) -> None:
        names = [f"o{n}" for n in range(officers)]
        rotation = drawn(names, key)
        served_this_round: list[str] = []
        counts: Counter[str] = Counter()
        always_eligible = True
        for number, (step, who) in enumerate(steps):
            officer = names[who % officers]
            if step == "away":
                rotation.mark(officer, Eligibility.ABSENT)
                always_eligible = False
            elif step == "back":
                rotation.mark(officer, Eligibility.ELIGIBLE)
            else:
                turn = rotation.take_turn(f"{number:011d}")
                if turn is None:
                    assert not rotation.has_eligible()
                    continue
                assert turn.draw is not None
                if turn.draw["new_round"]:
                    served_this_round = []
                assert turn.officer_id not in served_this_round
                assert rotation.eligibility_of(turn.officer_id) is Eligibility.ELIGIBLE
                served_this_round.append(turn.officer_id)
                counts[turn.officer_id] += 1
        if always_eligible and counts:
            assert max(counts[n] for n in names) - min(counts[n] for n in names) <= 1

    @settings(max_examples=300, deadline=None)
    @given(
        officers=st.integers(1, 7),
        steps=st.lists(st.sampled_from(["turn", "turn", "turn", "drawn", "sequential"]), max_size=60),
        key=st.binary(min_size=32, max_size=32),
    )
    def test_switching_between_the_orders_keeps_every_officers_count_within_one_of_the_others(
        self, officers: int, steps: list[str], key: bytes
    ) -> None:
        names = [f"o{n}" for n in range(officers)]
        rotation = Rotation(UNIT, roster_of(names))
        rotation.drawer = lambda: drawer(key)
        counts: Counter[str] = Counter()
        for number, step in enumerate(steps):
            if step == "turn":
                turn = rotation.take_turn(f"{number:011d}")
                assert turn is not None
                counts[turn.officer_id] += 1
                assert max(counts[n] for n in names) - min(counts[n] for n in names) <= 1, (steps[: number + 1], counts)
            else:
                after = switched(rotation.state, RotationMode(step), names, rotation.position, rotation.served)
                if after is not None:
                    rotation.state, rotation.served = after
