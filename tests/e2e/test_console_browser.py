"""The console in a real browser (Debian's headless Chromium, driven by Playwright) against `assigner console`
and `assigner worker` processes on RabbitMQ and PostgreSQL: what a unit leader does with it, in Vietnamese and
in English (the browser's language picks; the switch on the page overrides it)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from e2e.browser import (
    BROWSER_LOCALES,
    SHOT,
    TIMEOUT,
    console_process,
    headless_chromium,
    quoted,
    shoot,
    sign_in,
)
from e2e.support import (
    BrokerUser,
    EventCollector,
    StartWorker,
    Upstream,
    WorkerProcess,
    holders,
    import_roster_entries,
)
from integration.helpers import message, numbers, roster

from assigner.console.formats import PATTERNS, moment_text
from assigner.console.language import Language, load_languages
from assigner.console.sign_in import REFUSED
from assigner.domain.model import Unit

AIRPORT = Unit("01B1", "00")
PORT = Unit("02CI", "01")
LANGUAGES = load_languages()
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")  # the office 01B1's time zone (the default)


@pytest.fixture
def console_url(database_url: str, home: Path, rabbitmq_url: str, tmp_path: Path) -> Iterator[str]:
    """`assigner console` in a process of its own, on a free port."""
    with console_process(database_url, home, rabbitmq_url, tmp_path) as url:
        yield url


@pytest.fixture
def chromium() -> Iterator[object]:
    """A headless Chromium (Debian's), new for each test."""
    with headless_chromium() as browser:
        yield browser


@pytest.fixture
def worker(
    database_url: str, home: Path, supervisor_users: dict[str, BrokerUser], start_worker: StartWorker
) -> WorkerProcess:
    """Supervisor 'a' has AIRPORT (a1, a2, a3), 'b' has PORT (p1, p2); a worker consumes."""
    import_roster_entries(
        database_url,
        home,
        [
            *roster(AIRPORT, "a1", "a2", "a3", supervisors=(supervisor_users["a"].name,)),
            *roster(PORT, "p1", "p2", supervisors=(supervisor_users["b"].name,)),
        ],
    )
    return start_worker()


def open_of(page: object, officer: str) -> int:
    """An officer's open declarations as the roster table shows them."""
    row = page.locator("table.roster tr", has_text=officer).first  # type: ignore[attr-defined]
    return int(row.locator("td").nth(4).inner_text())


def open_rows(page: object) -> list[str]:
    """The declarations of the open work's table, in its order."""
    table = page.locator("#live section", has=page.locator("#open-title")).locator("table.work")  # type: ignore[attr-defined]
    return [link.inner_text() for link in table.locator("tbody tr td:nth-child(2) a").all()]


@pytest.mark.slow
class TestConsoleInABrowser:
    @pytest.mark.parametrize("lang", ["vi", "en"])
    def test_a_unit_leader_watches_the_rotation_reassigns_and_marks_an_officer_absent(
        self,
        lang: str,
        worker: WorkerProcess,
        console_url: str,
        chromium: object,
        supervisor_users: dict[str, BrokerUser],
        upstream: Upstream,
        events: EventCollector,
        database_url: str,
    ) -> None:
        user = supervisor_users["a"]
        language: Language = LANGUAGES[lang]
        _ = language.gettext
        page = chromium.new_page(locale=BROWSER_LOCALES[lang])  # type: ignore[attr-defined]
        page.goto(f"{console_url}/")
        assert page.url.endswith("/sign-in")  # nothing is shown to someone not signed in
        assert page.locator("html").get_attribute("lang") == lang
        shoot(page, f"sign-in{SHOT[lang]}")
        sign_in(page, console_url, user.name, user.password)
        page.wait_for_selector(f"h1:text({quoted(_('Your units'))})")
        assert page.locator("h2", has_text=_("Unit %(unit)s", unit="01B1/00")).count() == 1
        assert page.locator("h2", has_text=_("Unit %(unit)s", unit="02CI/01")).count() == 0

        stream = numbers(5, start=8100)
        registered = datetime.now(UTC).isoformat()  # today: the page's figures count them
        upstream.send_all([message(n, AIRPORT, registered_at=registered) for n in stream])
        events.wait_for_declarations(stream, worker=worker)
        page.wait_for_function(  # no reload: the page fetches its units again by itself
            "() => document.querySelector('table.roster tr.next')?.innerText.includes('a3')", timeout=TIMEOUT * 1000
        )
        assert [open_of(page, o) for o in ("a1", "a2", "a3")] == [2, 2, 1]  # the rotation moved
        assert "a3" in page.locator("tr.next").inner_text()
        figures = page.locator("dl.figures").inner_text()
        assert re.search(rf"{_('automatic')}\s+5", figures) and re.search(rf"{_('spread')}\s+1", figures)
        shoot(page, f"units{SHOT[lang]}")

        page.click(f"a:text({quoted(_('Unit %(unit)s', unit='01B1/00'))})")
        page.wait_for_selector(f"h1:text({quoted(_('Unit %(unit)s', unit='01B1/00'))})")
        assert page.locator("#urgent-title").bounding_box()["y"] < page.locator("#open-title").bounding_box()["y"]
        assert _("Nothing is overdue or due within 30 minutes.") in page.locator("section.urgent").inner_text()
        assert open_rows(page) == sorted(stream)  # one table, soonest due first: in the order they came

        # Two declarations registered a month ago: past their due time, they come to the top, said in words.
        old = numbers(2, start=8300)
        month_ago = (datetime.now(HANOI) - timedelta(days=30)).replace(hour=8, minute=0).isoformat()
        upstream.send_all([message(n, AIRPORT, registered_at=month_ago) for n in old])
        events.wait_for_declarations(old, worker=worker)
        page.wait_for_selector("section.urgent tr.late >> nth=1", timeout=TIMEOUT * 1000)  # no reload
        urgent = page.locator("section.urgent")
        said = _("%(overdue)s overdue, %(soon)s due within 30 minutes.", overdue=2, soon=0)
        assert said in urgent.inner_text()
        assert urgent.locator("strong.late").first.inner_text().startswith(_("overdue by %(time)s", time="").strip())
        assert open_rows(page)[:2] == old  # the most overdue first in the open work too

        # A leader finds a declaration by its number and reassigns it from its row; the page keeps the search.
        page.fill("form.search input[name=q]", stream[0][-6:])
        page.click("form.search button")
        page.wait_for_url(re.compile(rf"\?q={stream[0][-6:]}$"))
        assert open_rows(page) == [stream[0]]
        row = page.locator("#live section", has=page.locator("#open-title")).locator("tr", has_text=stream[0])
        row.locator("select[name=to_officer_id]").select_option("a3")
        row.locator("select[name=reason_code]").select_option("workload")
        row.locator("input[name=reason]").fill("a1 is on a training course")
        row.locator("form[action$='/commands/reassign'] button").click()
        accepted = _("%(command)s: accepted", command=_("reassign %(subject)s", subject=stream[0]))
        page.wait_for_selector(f".flash.accepted:text({quoted(accepted)})", timeout=TIMEOUT * 1000)
        assert page.url.endswith(f"?q={stream[0][-6:]}") and open_rows(page) == [stream[0]]
        assert holders(database_url)[stream[0]] == ("assigned", "a3")

        # The absence form is at hand at the top: a disclosure, opened.
        absent = page.locator("form[action$='/commands/officer_absent']")
        assert not absent.is_visible()
        page.locator("details", has=absent).locator("summary").click()
        absent.locator("select[name=officer_id]").select_option("a2")
        until = (datetime.now(HANOI) + timedelta(days=1)).replace(second=0, microsecond=0)
        absent.locator("input[name=until]").fill(until.strftime(PATTERNS[lang].typed))  # as its placeholder asks
        absent.locator("input[name=reason]").fill("sick")
        absent.locator("input[name=few_confirmed]").check()  # two of three left: fewer than three, and it must be
        absent.locator("button").click()
        accepted = _("%(command)s: accepted", command=_("officer absent %(subject)s", subject="a2"))
        page.wait_for_selector(f".flash.accepted:text({quoted(accepted)})", timeout=TIMEOUT * 1000)
        held_by = holders(database_url)
        counts = {o: sum(1 for n in [*stream, *old] if held_by[n] == ("assigned", o)) for o in ("a1", "a2", "a3")}
        assert counts["a2"] == 0 and sum(counts.values()) == 7  # a2's work handed on by rotation
        assert [open_of(page, o) for o in ("a1", "a2", "a3")] == [counts["a1"], 0, counts["a3"]]
        status = page.locator("table.roster tr", has_text="a2").first.locator("td").nth(3).inner_text()
        assert status == f"{_('absent')} {_('until %(time)s', time=moment_text(until, 'Asia/Ho_Chi_Minh', language))}"
        page.goto(f"{console_url}/units/01B1/00")
        shoot(page, f"unit{SHOT[lang]}")

        page.click(f"a:text('{stream[0]}')")
        page.wait_for_selector(f"h1:text({quoted(_('Declaration %(number)s', number=stream[0]))})")
        history = page.locator("table.history").inner_text()
        assert _("reassigned") in history and "a1 is on a training course" in history
        shoot(page, f"declaration{SHOT[lang]}")

    def test_a_wrong_password_another_units_page_and_a_form_without_its_token_are_refused(
        self,
        worker: WorkerProcess,
        console_url: str,
        chromium: object,
        supervisor_users: dict[str, BrokerUser],
        database_url: str,
    ) -> None:
        user = supervisor_users["a"]
        vi, en = LANGUAGES["vi"], LANGUAGES["en"]
        page = chromium.new_page(locale="en-US")  # type: ignore[attr-defined]
        page.goto(f"{console_url}/sign-in")
        page.click("nav.languages a[hreflang=vi]")  # the switch overrides the browser's English, and stays
        page.wait_for_selector(f"h1:text({quoted(vi.gettext('Sign in'))})")
        sign_in(page, console_url, user.name, "not the password")
        assert page.locator("[role=alert]").inner_text() == vi.gettext(REFUSED)
        assert page.locator("html").get_attribute("lang") == "vi"
        sign_in(page, console_url, user.name, user.password)
        page.wait_for_selector(f"h1:text({quoted(vi.gettext('Your units'))})")
        page.click("nav.languages a[hreflang=en]")
        page.wait_for_selector(f"h1:text({quoted(en.gettext('Your units'))})")
        assert page.url.endswith("/?lang=en")  # the same page, in English
        page.click("nav.languages a[hreflang=vi]")
        page.wait_for_selector(f"h1:text({quoted(vi.gettext('Your units'))})")
        answer = page.goto(f"{console_url}/units/02CI/01")
        assert answer is not None and answer.status == 403

        page.goto(f"{console_url}/units/01B1/00")
        disclosure = page.locator(".actions details", has=page.locator("form[action$='/commands/complete']"))
        disclosure.locator("summary").click()
        form = disclosure.locator("form")
        form.locator("input[name=csrf]").evaluate("field => field.remove()")  # as a forged page would post
        form.locator("input[name=declaration_number]").fill(numbers(1, start=8200)[0])
        with page.expect_navigation():
            form.locator("button").click()
        assert vi.gettext("the form's CSRF token is missing or wrong: reload the page") in page.content()
        before = holders(database_url)
        time.sleep(1)
        assert holders(database_url) == before
