"""The console's pages meet WCAG 2.1 AA as axe-core checks it (its rules tagged wcag2a, wcag2aa, wcag21a and
wcag21aa), in Chromium, in Vietnamese and in English: the sign-in page, the units page, a unit's page with
overdue, soon due and open work over several pages, an absent officer, a held queue and every form opened,
a declaration's history, and an officer's own page and declaration. axe-core is tests/axe's (npm ci --prefix
tests/axe --ignore-scripts)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from e2e.browser import BROWSER_LOCALES, headless_chromium
from e2e.support import free_port
from environment import tool_missing
from integration.conftest import FrozenClock
from integration.helpers import HANOI, declaration, load_roster, numbers, roster

from assigner.bootstrap import Runtime
from assigner.broker.command_sender import command_payload
from assigner.console.app import create_console
from assigner.domain.model import Unit
from assigner.schemas.command import parse_command
from assigner.services.assign import assign_declarations
from assigner.services.commands import carry_out
from assigner.settings import Settings
from assigner.storage.migrate import upgrade

AXE = Path(__file__).resolve().parents[1] / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
NOW = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)  # Monday, 10:00 in Hanoi
AIRPORT, NOBODY = Unit("01B1", "00"), Unit("01B1", "07")
TIMEOUT = 30.0


def registered(hour: int, minute: int) -> str:
    """A registration time on the test's Monday, in Hanoi: due two working hours later."""
    return datetime(2025, 6, 2, hour, minute, tzinfo=HANOI).isoformat()


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    """An embedded home at 10:00: 01B1/00 with three overdue, two due within 30 minutes and 55 later (two pages
    of open work), a container group, a reassignment and an absent officer; 01B1/07, nobody rostered, holds two."""
    settings = Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'assigner.db'}", broker_url=None)
    runtime = Runtime(settings, clock=FrozenClock(NOW))
    upgrade(runtime.engine)
    load_roster(runtime, roster(AIRPORT, "a1", "a2", "a3", supervisors=("sup.a",)))
    batch = [declaration(n, AIRPORT, registered_at=registered(7, 30)) for n in numbers(3)]
    batch += [declaration(n, AIRPORT, registered_at=registered(8, 15)) for n in numbers(2, start=10)]
    batch += [declaration(n, AIRPORT, container_numbers=["CSQU3054383"]) for n in numbers(2, start=20)]
    batch += [declaration(n, AIRPORT) for n in numbers(53, start=100)]
    assign_declarations(runtime.unit_of_work(), batch, runtime.clock, runtime.policy)
    assign_declarations(
        runtime.unit_of_work(), [declaration(n, NOBODY) for n in numbers(2, start=70)], runtime.clock, runtime.policy
    )
    load_roster(runtime, roster(NOBODY, supervisors=("sup.a",)))
    until = (NOW + timedelta(hours=8)).isoformat()
    for name, fields in (
        ("reassign", {"declaration_number": numbers(1)[0], "to_officer_id": "a3", "reason": "training"}),
        ("officer_absent", {"officer_id": "a2", "until": until, "redistribute": False}),
    ):
        body = command_payload(name, "sup.a", NOW, **fields)
        result = carry_out(
            runtime.unit_of_work(), parse_command(body), "sup.a", body, runtime.clock, runtime.policy, timedelta(1)
        )
        assert result.accepted, result.rejected_because
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def console_url(runtime: Runtime) -> Iterator[str]:
    """The console over `runtime`, served on a free port of 127.0.0.1 by a thread; /welcome/LANG signs sup.a in,
    /welcome/a3-LANG the officer a3 (once each)."""
    settings = runtime.settings.model_copy(update={"console_insecure_cookies": True, "console_host": "127.0.0.1"})
    welcome = {"vi": "sup.a", "en": "sup.a", "a3-vi": "a3", "a3-en": "a3"}
    app = create_console(Runtime(settings, clock=runtime.clock), welcome=welcome)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + TIMEOUT
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the console did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(TIMEOUT)


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
        for path in ("/units/01B1/00", "/units/01B1/00?page=2&all=1", "/units/01B1/00?q=99999", "/units/01B1/07"):
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
