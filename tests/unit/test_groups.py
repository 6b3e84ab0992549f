"""Branch groups and container groups: which group a declaration is in, and whose officer it follows."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from assigner.domain.decisions import assign_now
from assigner.domain.groups import GroupBook, GroupKind, GroupLink, GroupSettings, branch_lot, group_keys
from assigner.domain.model import Channel, Declaration, Unit
from assigner.domain.rotation import Eligibility, Rotation, roster_of

HANOI = timezone(timedelta(hours=7))
UNIT = Unit("01B1", "00")
OTHER_UNIT = Unit("01B1", "01")
FIRST = "105432198760"
SECOND = "105432198770"
THIRD = "105432198780"
BOX = "CSQU3054383"
OTHER_BOX = "MSKU0000006"
BRANCH = GroupKind.BRANCH
CONTAINER = GroupKind.CONTAINER


def declaration(
    number: str, first: str | None = None, containers: tuple[str, ...] = (), unit: Unit = UNIT
) -> Declaration:
    return Declaration(
        number,
        unit,
        Channel.YELLOW,
        datetime(2025, 6, 2, 9, 0, tzinfo=HANOI),
        first_declaration_number=first,
        container_numbers=containers,
    )


def book_with(*owners: tuple[Declaration, str]) -> GroupBook:
    book = GroupBook()
    for owner, officer_id in owners:
        book.join(owner, officer_id)
    return book


class TestBranchLot:
    def test_no_first_declaration_number_means_no_lot(self) -> None:
        assert branch_lot(None, FIRST) is None

    def test_the_first_of_a_lot_marked_f_is_its_own_lot(self) -> None:
        assert branch_lot("F", FIRST) == FIRST[:11]

    def test_a_later_branch_belongs_to_the_first_declarations_lot(self) -> None:
        assert branch_lot(FIRST, SECOND) == FIRST[:11]

    def test_the_lot_ignores_the_amendment_digit_of_the_first_number(self) -> None:
        assert branch_lot(FIRST[:11] + "3", SECOND) == branch_lot("F", FIRST)


class TestGroupKeys:
    def test_a_plain_declaration_has_no_group(self) -> None:
        assert group_keys(declaration(FIRST)) == []

    def test_branch_lot_first_then_containers_sorted_without_repeats(self) -> None:
        keys = group_keys(declaration(SECOND, FIRST, (OTHER_BOX, BOX, OTHER_BOX)))
        assert keys == [(BRANCH, FIRST[:11]), (CONTAINER, BOX), (CONTAINER, OTHER_BOX)]

    def test_first_of_lot_and_its_branches_share_one_key(self) -> None:
        lots = {group_keys(declaration(n, f))[0] for n, f in ((FIRST, "F"), (SECOND, FIRST), (THIRD, FIRST))}
        assert lots == {(BRANCH, FIRST[:11])}


class TestGroupBookLinkFor:
    def test_a_branch_follows_the_officer_who_has_its_lot(self) -> None:
        book = book_with((declaration(FIRST, "F"), "a"))
        link = book.link_for(declaration(SECOND, FIRST), GroupSettings())
        assert link == GroupLink(BRANCH, FIRST[:11], FIRST[:11], "a")

    def test_a_shared_container_follows_the_officer_who_has_it(self) -> None:
        book = book_with((declaration(FIRST, containers=(BOX,)), "b"))
        link = book.link_for(declaration(SECOND, containers=(OTHER_BOX, BOX)), GroupSettings())
        assert link == GroupLink(CONTAINER, BOX, FIRST[:11], "b")

    def test_the_branch_lot_wins_over_a_container(self) -> None:
        book = book_with((declaration(FIRST, containers=(BOX,)), "b"), (declaration(THIRD, "F"), "a"))
        link = book.link_for(declaration(SECOND, THIRD, (BOX,)), GroupSettings())
        assert link is not None and (link.kind, link.officer_id) == (BRANCH, "a")

    def test_no_group_in_common_gives_no_link(self) -> None:
        book = book_with((declaration(FIRST, "F", (BOX,)), "a"))
        assert book.link_for(declaration(SECOND, containers=(OTHER_BOX,)), GroupSettings()) is None

    def test_branch_groups_switched_off_are_not_followed(self) -> None:
        book = book_with((declaration(FIRST, "F"), "a"))
        assert book.link_for(declaration(SECOND, FIRST), GroupSettings(branch=False)) is None

    def test_container_groups_switched_off_are_not_followed(self) -> None:
        book = book_with((declaration(FIRST, containers=(BOX,)), "a"))
        assert book.link_for(declaration(SECOND, containers=(BOX,)), GroupSettings(container=False)) is None

    def test_with_branches_off_a_shared_container_is_still_followed(self) -> None:
        book = book_with((declaration(FIRST, "F"), "a"), (declaration(THIRD, containers=(BOX,)), "b"))
        link = book.link_for(declaration(SECOND, FIRST, (BOX,)), GroupSettings(branch=False))
        assert link is not None and (link.kind, link.officer_id) == (CONTAINER, "b")

    def test_a_group_in_another_unit_is_not_followed(self) -> None:
        book = book_with((declaration(FIRST, "F", (BOX,), unit=OTHER_UNIT), "a"))
        assert book.link_for(declaration(SECOND, FIRST, (BOX,)), GroupSettings()) is None

    def test_a_declaration_does_not_follow_its_own_entry(self) -> None:
        first = declaration(FIRST, "F", (BOX,))
        book = book_with((first, "a"))
        amended = declaration(FIRST[:11] + "1", "F", (BOX,))
        assert book.link_for(first, GroupSettings()) is None
        assert book.link_for(amended, GroupSettings()) is None


class TestGroupBookJoin:
    def test_the_first_officer_of_a_group_keeps_it(self) -> None:
        book = book_with((declaration(FIRST, "F"), "a"), (declaration(SECOND, FIRST), "b"))
        link = book.link_for(declaration(THIRD, FIRST), GroupSettings())
        assert link is not None and (link.officer_id, link.follows) == ("a", FIRST[:11])

    def test_joining_registers_every_group_of_the_declaration(self) -> None:
        book = book_with((declaration(FIRST, "F", (BOX, OTHER_BOX)), "a"))
        assert set(book.owners) == {(UNIT, BRANCH, FIRST[:11]), (UNIT, CONTAINER, BOX), (UNIT, CONTAINER, OTHER_BOX)}


class TestAssignNowWithAGroup:
    LINK = GroupLink(BRANCH, FIRST[:11], FIRST[:11], "b")

    def test_the_group_officer_gets_it_with_mode_group_and_no_turn(self) -> None:
        rotation = Rotation(UNIT, roster_of(["a", "b"]), position=2, turn=5)
        decision = assign_now(declaration(SECOND, FIRST), rotation, False, self.LINK)
        assert decision is not None
        assert (decision.officer_id, decision.mode, decision.turn, decision.group) == ("b", "group", None, self.LINK)
        assert (rotation.position, rotation.turn) == (2, 5)

    def test_an_absent_group_officer_means_it_takes_a_turn(self) -> None:
        rotation = Rotation(UNIT, roster_of(["a", "b", "c"], {"b": Eligibility.ABSENT}), position=1, turn=1)
        decision = assign_now(declaration(SECOND, FIRST), rotation, False, self.LINK)
        assert decision is not None and decision.turn is not None
        assert (decision.officer_id, decision.mode, decision.turn.number) == ("c", "auto", 2)

    def test_a_group_officer_no_longer_on_the_roster_means_it_takes_a_turn(self) -> None:
        rotation = Rotation(UNIT, roster_of(["a"]))
        decision = assign_now(declaration(SECOND, FIRST), rotation, False, self.LINK)
        assert decision is not None and (decision.officer_id, decision.mode) == ("a", "auto")

    def test_nobody_eligible_and_the_group_officer_absent_gives_none(self) -> None:
        rotation = Rotation(UNIT, roster_of(["b"], {"b": Eligibility.ABSENT}))
        assert assign_now(declaration(SECOND, FIRST), rotation, False, self.LINK) is None
