"""An officer's own page in a real browser (Debian's headless Chromium, driven by Playwright) against `assigner
console` and `assigner worker` processes on RabbitMQ and PostgreSQL, in Vietnamese and in English: the officer
signs in with their RabbitMQ user, sees only their own declarations, soonest due first with the time left on each
legal clock and why each came to them, and completes one, which leaves the open ones for the completed, in time."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from e2e.browser import BROWSER_LOCALES, SHOT, TIMEOUT, console_process, headless_chromium, quoted, shoot, sign_in
from e2e.support import BrokerUser, EventCollector, StartWorker, Upstream, holders, import_roster_entries, query
from integration.helpers import message, numbers, roster

from assigner.console.formats import moment_text
from assigner.console.language import Language, load_languages
from assigner.domain.model import Unit, declaration_key

AIRPORT = Unit("01B1", "00")
ZONE = "Asia/Ho_Chi_Minh"  # the office 01B1's time zone (the default)
LANGUAGES = load_languages()
CONTAINER = "CSQU3054383"  # ISO 6346, check digit 3


@pytest.fixture
def console_url(database_url: str, home: Path, rabbitmq_url: str, tmp_path: Path) -> Iterator[str]:
    with console_process(database_url, home, rabbitmq_url, tmp_path) as url:
        yield url


@pytest.fixture
def chromium() -> Iterator[object]:
    with headless_chromium() as browser:
        yield browser


@pytest.fixture
def officers(
    database_url: str,
    home: Path,
    officer_users: dict[str, BrokerUser],
    supervisor_users: dict[str, BrokerUser],
    start_worker: StartWorker,
) -> tuple[BrokerUser, BrokerUser]:
    """AIRPORT's roster: officers 1 and 2 (RabbitMQ users), then a3, inactive (skipped by every round);
    supervisor 'a'. A worker consumes."""
    one, two = officer_users["1"], officer_users["2"]
    entries = roster(AIRPORT, one.name, two.name, "a3", inactive=("a3",), supervisors=(supervisor_users["a"].name,))
    import_roster_entries(database_url, home, entries)
    start_worker()
    return one, two


def due_times(database_url: str) -> dict[str, datetime]:
    rows = query(database_url, "SELECT declaration_number, due_at FROM declarations")
    return {row["declaration_number"]: row["due_at"] for row in rows}


def first_cells(rows: object) -> list[str]:
    """The declaration numbers of a table's rows, in the order shown (the first cell may add "after hours")."""
    count = rows.count()  # type: ignore[attr-defined]
    return [rows.nth(i).locator("td").first.inner_text().split()[0] for i in range(count)]  # type: ignore[attr-defined]


def as_pattern(message: str) -> str:
    """A catalog message with its %(time)s placeholder as a regular expression."""
    return re.escape(message).replace(re.escape("%(time)s"), r"\S.*")


@pytest.mark.slow
class TestAnOfficersOwnPage:
    @pytest.mark.parametrize("lang", ["vi", "en"])
    def test_an_officer_sees_only_their_own_work_with_its_clock_and_completes_one(
        self,
        lang: str,
        officers: tuple[BrokerUser, BrokerUser],
        console_url: str,
        chromium: object,
        upstream: Upstream,
        events: EventCollector,
        database_url: str,
    ) -> None:
        one, _two = officers
        language: Language = LANGUAGES[lang]
        _ = language.gettext
        now = datetime.now(UTC)
        old, theirs, mine, theirs_too, first_in_box, second_in_box = stream = numbers(6, start=8300)
        upstream.send_all(
            [
                message(old, AIRPORT, registered_at=(now - timedelta(days=10)).isoformat()),  # long overdue
                *[message(n, AIRPORT, registered_at=now.isoformat()) for n in (theirs, mine, theirs_too)],
                *[
                    message(n, AIRPORT, registered_at=now.isoformat(), container_numbers=[CONTAINER])
                    for n in (first_in_box, second_in_box)
                ],
            ]
        )
        events.wait_for_declarations(stream)
        page = chromium.new_page(locale=BROWSER_LOCALES[lang])  # type: ignore[attr-defined]
        sign_in(page, console_url, one.name, one.password)
        page.wait_for_selector(f"h1:text({quoted(_('Your declarations'))})")
        assert page.url.endswith("/my-work") and page.locator("html").get_attribute("lang") == lang

        rows = page.locator("table.own-open tbody tr")
        shown = first_cells(rows)
        assert shown == [old, mine, first_in_box, second_in_box]  # soonest due first; the rest due alike
        content = page.content()
        assert theirs not in content and theirs_too not in content  # officer 2's
        due = due_times(database_url)
        for row, number in zip([rows.nth(i) for i in range(rows.count())], shown):
            assert row.locator("td").nth(2).inner_text() == moment_text(due[number], ZONE, language)
        overdue = rows.nth(0)
        assert overdue.get_attribute("class") == "overdue"
        assert re.fullmatch(f"⚠ {as_pattern(_('overdue by %(time)s'))}", overdue.locator("td.left").inner_text())
        assert re.match(as_pattern(_("%(time)s left")), rows.nth(1).locator("td.left").inner_text())
        skipped = _("skipped %(officer)s (%(why)s)", officer="a3", why=_("inactive"))
        assert skipped in rows.nth(1).inner_text()  # officer 2, then a3 skipped, then officer 1
        assert f"{_('shared container')} {CONTAINER}" in rows.nth(3).inner_text()
        joined = _("container group of %(follows)s", follows=declaration_key(first_in_box))
        assert joined in rows.nth(3).inner_text()
        assert page.locator("table.shares tbody tr", has_text=str(AIRPORT)).count() == 1

        rows.nth(1).locator("button").click()
        accepted = _("%(command)s: accepted", command=_("complete %(subject)s", subject=mine))
        page.wait_for_selector(f".flash.accepted:text({quoted(accepted)})", timeout=TIMEOUT * 1000)
        assert holders(database_url)[mine] == ("completed", one.name)
        assert first_cells(page.locator("table.own-open tbody tr")) == [old, first_in_box, second_in_box]
        done = page.locator("table.own-done tbody tr", has_text=mine)
        assert done.locator("td").nth(4).inner_text() == _("in time")
        shoot(page, f"officer{SHOT[lang]}")

        answer = page.goto(f"{console_url}/my-work/declarations/{theirs}")  # another officer's: not found
        assert answer is not None and answer.status == 404
        answer = page.goto(f"{console_url}/units/01B1/00")  # the unit's page is its supervisors'
        assert answer is not None and answer.status == 403
        page.goto(f"{console_url}/my-work/declarations/{mine}")
        history = page.locator("table.history").inner_text()
        assert _("completed") in history and one.name in history
