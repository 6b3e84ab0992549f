"""Redistributing an absent officer's open declarations by rotation, keeping groups together."""

from __future__ import annotations

from collections import Counter

from assigner.domain.groups import GroupKind, GroupSettings
from assigner.domain.model import Status, Unit
from assigner.domain.moves import Holding, Move, MoveMode, redistribute
from assigner.domain.rotation import Eligibility, Rotation, roster_of

UNIT = Unit("01B1", "00")
OTHER_UNIT = Unit("01B1", "01")
ABSENT = Eligibility.ABSENT
BOX = "CSQU3054383"
LOT = "10543219876"


def holding(index: int, officer_id: str = "a", unit: Unit = UNIT, *groups: tuple[GroupKind, str]) -> Holding:
    number = f"10{index:09d}0"
    return Holding(number[:11], number, unit, Status.ASSIGNED, officer_id, groups=groups)


def absent_rotation(*officers: str, unit: Unit = UNIT, absent: str = "a", **kwargs: object) -> Rotation:
    """A rotation on which `absent` was marked absent, as officer_absent does before redistributing."""
    rotation = Rotation(unit, roster_of(officers), **kwargs)  # type: ignore[arg-type]
    rotation.mark(absent, ABSENT)
    return rotation


def officers(moves: list[Move]) -> list[str | None]:
    return [move.officer_id for move in moves]


class TestMark:
    def test_marking_an_officer_absent_takes_them_out_of_the_next_turns(self) -> None:
        rotation = Rotation(UNIT, roster_of(["a", "b", "c"]))
        rotation.mark("a", ABSENT)
        turns = [rotation.take_turn("k") for _ in range(3)]
        assert [t.officer_id for t in turns if t] == ["b", "c", "b"]
        assert turns[0] is not None and [(s.officer_id, s.reason) for s in turns[0].skipped] == [("a", ABSENT)]

    def test_mark_changes_only_that_officer(self) -> None:
        rotation = Rotation(UNIT, roster_of(["a", "b"]))
        rotation.mark("b", ABSENT)
        assert (rotation.eligibility_of("a"), rotation.eligibility_of("b")) == (Eligibility.ELIGIBLE, ABSENT)
        assert rotation.eligibility_of("z") is None


class TestRedistribute:
    def test_spreads_evenly_by_rotation_skipping_the_absent_officer(self) -> None:
        rotation = absent_rotation("a", "b", "c", "d")
        moves = redistribute([holding(i) for i in range(7)], {UNIT: rotation})
        assert officers(moves) == ["b", "c", "d", "b", "c", "d", "b"]
        counts = Counter(officers(moves))
        assert max(counts.values()) - min(counts.values()) <= 1 and "a" not in counts

    def test_moves_take_turns_from_the_cursor_and_record_them(self) -> None:
        rotation = absent_rotation("a", "b", "c", position=2, turn=10)
        moves = redistribute([holding(0), holding(1)], {UNIT: rotation})
        assert officers(moves) == ["c", "b"]
        turns = [move.turn for move in moves]
        assert [(t.number, t.started_from, t.position) for t in turns if t] == [(11, 2, 3), (12, 3, 2)]
        assert turns[1] is not None and [s.officer_id for s in turns[1].skipped] == ["a"]
        assert (rotation.position, rotation.turn) == (2, 12)

    def test_every_move_is_a_redistribution_from_the_absent_officer(self) -> None:
        moves = redistribute([holding(0)], {UNIT: absent_rotation("a", "b")})
        assert (moves[0].mode, moves[0].previous_officer_id, moves[0].follows) == (MoveMode.REDISTRIBUTED, "a", None)

    def test_a_branch_group_goes_together_to_one_officer_with_one_turn(self) -> None:
        group = (GroupKind.BRANCH, LOT)
        rotation = absent_rotation("a", "b", "c")
        holdings = [holding(0, "a", UNIT, group), holding(1), holding(2, "a", UNIT, group)]
        moves = redistribute(holdings, {UNIT: rotation})
        assert officers(moves) == ["b", "c", "b"]
        assert moves[2].turn is None and moves[2].follows == holdings[0].key
        assert rotation.turn == 2

    def test_a_container_group_goes_together(self) -> None:
        group = (GroupKind.CONTAINER, BOX)
        holdings = [holding(0, "a", UNIT, group), holding(1, "a", UNIT, group)]
        moves = redistribute(holdings, {UNIT: absent_rotation("a", "b", "c")})
        assert officers(moves) == ["b", "b"] and moves[1].follows == moves[0].holding.key

    def test_a_declaration_in_two_groups_follows_the_first_one_already_moved(self) -> None:
        lot, box = (GroupKind.BRANCH, LOT), (GroupKind.CONTAINER, BOX)
        holdings = [holding(0, "a", UNIT, box), holding(1), holding(2, "a", UNIT, lot, box)]
        moves = redistribute(holdings, {UNIT: absent_rotation("a", "b", "c")})
        assert officers(moves) == ["b", "c", "b"] and moves[2].follows == holdings[0].key

    def test_groups_a_unit_does_not_keep_are_not_kept_together(self) -> None:
        group = (GroupKind.CONTAINER, BOX)
        rotation = absent_rotation("a", "b", "c")
        rotation.groups = GroupSettings(container=False)
        moves = redistribute([holding(0, "a", UNIT, group), holding(1, "a", UNIT, group)], {UNIT: rotation})
        assert officers(moves) == ["b", "c"] and moves[1].follows is None

    def test_the_same_group_key_in_another_unit_is_another_group(self) -> None:
        group = (GroupKind.CONTAINER, BOX)
        rotations = {UNIT: absent_rotation("a", "b"), OTHER_UNIT: absent_rotation("a", "x", unit=OTHER_UNIT)}
        moves = redistribute([holding(0, "a", UNIT, group), holding(1, "a", OTHER_UNIT, group)], rotations)
        assert officers(moves) == ["b", "x"] and moves[1].follows is None

    def test_each_unit_turns_its_own_rotation(self) -> None:
        rotations = {UNIT: absent_rotation("a", "b", "c"), OTHER_UNIT: absent_rotation("x", "a", "y", unit=OTHER_UNIT)}
        holdings = [holding(0), holding(1, "a", OTHER_UNIT), holding(2), holding(3, "a", OTHER_UNIT)]
        assert officers(redistribute(holdings, rotations)) == ["b", "x", "c", "y"]

    def test_nobody_eligible_holds_every_declaration_without_a_turn(self) -> None:
        rotation = Rotation(UNIT, roster_of(["a", "b"], {"b": Eligibility.INACTIVE}), position=1, turn=3)
        rotation.mark("a", ABSENT)
        group = (GroupKind.BRANCH, LOT)
        moves = redistribute([holding(0, "a", UNIT, group), holding(1, "a", UNIT, group)], {UNIT: rotation})
        assert officers(moves) == [None, None]
        assert [move.turn for move in moves] == [None, None] and moves[1].follows is None
        assert (rotation.position, rotation.turn) == (1, 3)

    def test_nothing_to_redistribute_gives_no_moves(self) -> None:
        assert redistribute([], {UNIT: absent_rotation("a", "b")}) == []
