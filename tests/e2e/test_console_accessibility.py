"""The console's pages meet WCAG 2.1 AA as axe-core checks it (its rules tagged wcag2a, wcag2aa, wcag21a and
wcag21aa), in Chromium, in Vietnamese and in English: the sign-in page, the units page, a unit's page with
overdue, soon due and open work over several pages, an absent officer, a held queue and every form opened,
the unit's fairness tests (and a period they cannot read), a declaration's history, and an officer's own page and
declaration. axe-core is tests/axe's (npm ci --prefix
tests/axe --ignore-scripts)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e.browser import BROWSER_LOCALES, headless_chromium
from e2e.unit_world import leaders_unit, served
from environment import tool_missing
from integration.helpers import numbers

from assigner.bootstrap import Runtime

AXE = Path(__file__).resolve().parents[1] / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    """A unit with overdue, soon due and later work, two pages of it, an absent officer, and a unit that holds."""
    runtime = leaders_unit(tmp_path)
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def console_url(runtime: Runtime) -> Iterator[str]:
    """The console over `runtime`: /welcome/LANG signs sup.a in, /welcome/a3-LANG the officer a3 (once each)."""
    with served(runtime, {"vi": "sup.a", "en": "sup.a", "a3-vi": "a3", "a3-en": "a3"}) as url:
        yield url


@pytest.fixture
def chromium() -> Iterator[Any]:
    """A headless Chromium (Debian's), and axe-core; in CI the absence of either fails the test."""
    if not AXE.exists():
        tool_missing("axe-core is not installed: npm ci --prefix tests/axe --ignore-scripts")
    with headless_chromium() as browser:
        yield browser


def violations(page: Any) -> list[str]:
    """What axe-core finds against WCAG 2.1 A and AA on the page as it stands, one line per element."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations", WCAG_21_AA
    )
    return [
        f"{page.url}: {rule['id']} ({rule['impact']}): {rule['help']}: {node['target']} {node['failureSummary']}"
        for rule in found
        for node in rule["nodes"]
    ]


class TestAccessibility:
    @pytest.mark.parametrize("lang", ["vi", "en"])
    def test_no_page_has_a_wcag_21_aa_violation(self, lang: str, console_url: str, chromium: Any) -> None:
        # The console's CSP allows its own scripts only: the test's injected axe-core is let through here alone.
        context = chromium.new_context(
            locale=BROWSER_LOCALES[lang], bypass_csp=True, viewport={"width": 1280, "height": 900}
        )
        page = context.new_page()
        found: list[str] = []
        page.goto(f"{console_url}/sign-in")
        found += violations(page)
        page.goto(f"{console_url}/welcome/{lang}")  # signed in: the units page
        assert page.locator("html").get_attribute("lang") == lang
        found += violations(page)
        for path in (
            "/units/01B1/00",
            "/units/01B1/00?page=2&all=1",
            "/units/01B1/00?q=99999",
            "/units/01B1/00/fairness",
            "/units/01B1/00/fairness?from=31/02/2025",
            "/units/01B1/07",  # last: its held queue is counted below
        ):
            page.goto(f"{console_url}{path}")
            page.evaluate("document.querySelectorAll('details').forEach((form) => { form.open = true; })")
            found += violations(page)
        assert page.locator("table.held tbody tr").count() == 2
        page.goto(f"{console_url}/units/01B1/00")
        assert page.locator("tr.late").count() >= 3 and page.locator("tr.soon").count() >= 2
        assert page.locator("table.roster tr.absent").count() == 1
        page.goto(f"{console_url}/declarations/{numbers(1)[0]}")
        found += violations(page)
        context.close()
        officer = chromium.new_context(locale=BROWSER_LOCALES[lang], bypass_csp=True)
        page = officer.new_page()
        page.goto(f"{console_url}/welcome/a3-{lang}")  # an officer who checks: their own page
        assert page.url.endswith("/my-work") and page.locator("tr.overdue").count() >= 1
        found += violations(page)
        page.goto(f"{console_url}/my-work/declarations/{numbers(1)[0]}")
        found += violations(page)
        officer.close()
        assert not found, "axe-core finds WCAG 2.1 AA violations:\n" + "\n".join(found)
