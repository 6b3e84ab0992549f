"""A unit's page follows by itself (static/live.js fetches its live part every 5 s), but never sweeps away what
the reader is doing in it: a row's officer chosen and not yet sent stays chosen until it is sent or put back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e.browser import headless_chromium
from e2e.unit_world import leaders_unit, served

MARK = "document.querySelector('#live section').dataset.seen = 'yes'"  # on the part's content as it stands
REPLACED = "() => !document.querySelector('#live section').dataset.seen"
REFRESH_MS = 12_000  # two refreshes and some


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    """sup.a on the unit's page, in Chromium."""
    runtime = leaders_unit(tmp_path)
    try:
        with served(runtime, {"sup": "sup.a"}) as url, headless_chromium() as browser:
            page = browser.new_page()  # type: ignore[attr-defined]
            page.goto(f"{url}/welcome/sup")
            page.goto(f"{url}/units/01B1/00?page=2")
            yield page
    finally:
        runtime.engine.dispose()


def test_the_live_part_is_left_alone_while_a_choice_in_it_is_not_sent(page: Any) -> None:
    page.evaluate(MARK)
    page.wait_for_function(REPLACED, timeout=REFRESH_MS)  # idle: fetched again, with its query kept
    assert page.locator("#live").get_attribute("data-live") == "/units/01B1/00/live?page=2"
    assert "51–60" in page.locator("#live p.count").inner_text()
    choice = page.locator("section.urgent tbody tr").first.locator("select[name=to_officer_id]")
    choice.select_option(index=1)
    page.locator("h1").click()  # the focus leaves the part: the choice alone keeps it
    page.evaluate(MARK)
    page.wait_for_timeout(REFRESH_MS)
    assert page.evaluate("document.querySelector('#live section').dataset.seen") == "yes"
    assert choice.evaluate("select => select.selectedIndex") == 1
    choice.select_option(index=0)  # put back: the part follows again
    page.locator("h1").click()
    page.wait_for_function(REPLACED, timeout=REFRESH_MS)
