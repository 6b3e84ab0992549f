"""What a unit's page is asked for in its address, read safely and written back into its links; and which pages
its pager links."""

from __future__ import annotations

import pytest

from assigner.console.listing import LAST_PAGE, back_query, link, work_query
from assigner.services.supervision import OpenPage, WorkQuery, search_text


class TestWorkQuery:
    def test_the_address_gives_the_search_the_page_and_the_choice_of_decisions(self) -> None:
        assert work_query({"q": " 1028 ", "page": "3", "all": "1"}) == WorkQuery("1028", 3, True)
        assert work_query({}) == WorkQuery()

    @pytest.mark.parametrize("page", ["0", "-2", "x", "", "٣", "1.5"])
    def test_a_page_that_is_not_a_positive_number_is_the_first(self, page: str) -> None:
        assert work_query({"page": page}).page == 1

    def test_a_huge_page_is_read_as_one_past_any_unit_and_a_long_search_is_cut(self) -> None:
        assert work_query({"page": "9" * 400}).page == LAST_PAGE
        assert len(work_query({"q": "1" * 10_000}).search) == 40

    def test_links_leave_defaults_out_and_change_only_what_is_asked(self) -> None:
        query = WorkQuery("10 28", 2, True)
        assert link("/units/01B1/00", query) == "/units/01B1/00?q=10+28&page=2&all=1"
        assert link("/units/01B1/00", query, page=1, every_decision=False) == "/units/01B1/00?q=10+28"
        assert link("/units/01B1/00", WorkQuery()) == "/units/01B1/00"

    def test_a_commands_back_field_comes_back_as_the_pages_own_query_only(self) -> None:
        assert back_query("q=1028&page=2&all=1") == WorkQuery("1028", 2, True)
        assert back_query("next=//example.org&page=//x") == WorkQuery()
        assert link("/units/01B1/00", back_query("q=%3Cscript%3E&x=1")) == "/units/01B1/00?q=%3Cscript%3E"

    def test_a_search_drops_the_separators_people_type(self) -> None:
        assert search_text(" 1028-1156 9330 ") == "102811569330"
        assert search_text("10.28/11") == "102811"


class TestPager:
    @pytest.mark.parametrize(
        ("page", "total", "links"),
        [
            (1, 10, [1]),
            (1, 231, [1, 2, 3, None, 5]),
            (3, 231, [1, 2, 3, 4, 5]),
            (30, 3000, [1, None, 28, 29, 30, 31, 32, None, 60]),
            (60, 3000, [1, None, 58, 59, 60]),
        ],
    )
    def test_the_first_the_last_and_two_on_each_side(self, page: int, total: int, links: list[int | None]) -> None:
        assert OpenPage([], total, page, "").nearby() == links
