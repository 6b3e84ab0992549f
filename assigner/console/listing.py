"""What a unit's page is asked for in its address (`?q=` a declaration number or part of one, `?page=`, `?all=1`
for every latest decision), read from a request or a form, and written back into its links: the same page
after a command, the live part, the pages of the open work."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode

from assigner.services.supervision import LONGEST_SEARCH, WorkQuery

LAST_PAGE = 1_000_000  # a page number past any unit's work: read as the last page


def work_query(params: Mapping[str, str]) -> WorkQuery:
    """The query a page's address asks for; anything unreadable is left at its default."""
    page = params.get("page", "1").strip()
    return WorkQuery(
        search=params.get("q", "").strip()[:LONGEST_SEARCH],
        page=min(int(page), LAST_PAGE) if page.isascii() and page.isdigit() and int(page) > 0 else 1,
        every_decision=params.get("all") == "1",
    )


def back_query(text: str) -> WorkQuery:
    """The query a command's form carries back (its `back` field: the page's own query string)."""
    return work_query(dict(parse_qsl(text[: LONGEST_SEARCH * 4])))


def query_text(query: WorkQuery, page: int | None = None, every_decision: bool | None = None) -> str:
    """The query string of `query`, with a page or the decisions' choice changed; defaults left out."""
    params: dict[str, str] = {}
    if query.search:
        params["q"] = query.search
    chosen = query.page if page is None else page
    if chosen != 1:
        params["page"] = str(chosen)
    if query.every_decision if every_decision is None else every_decision:
        params["all"] = "1"
    return urlencode(params)


def link(path: str, query: WorkQuery, page: int | None = None, every_decision: bool | None = None) -> str:
    """`path` with the query string of `query` (changed as asked), or `path` alone when it has none."""
    text = query_text(query, page, every_decision)
    return f"{path}?{text}" if text else path
