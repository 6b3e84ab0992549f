"""A unit's fairness tests on the console, through the real app on SQLite: what a supervisor reads of them (an
officer given work by hand flagged, a fair unit not, an enterprise that always meets one officer, the thin turns),
in Vietnamese first; who may read them; a period typed the reader's way; a trail off the rules said, not a 500;
and the replay, run off the event loop, read again only when the trail has grown."""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from integration.conftest import FrozenClock as Clock
from integration.helpers import declaration, load_roster, numbers, roster
from integration.test_console_http import ENGLISH_WORDS, HTTPS, Unlisted, shown_text, sign_in
from sqlalchemy import update
from starlette.testclient import TestClient

from assigner.bootstrap import Runtime
from assigner.broker.command_sender import command_payload
from assigner.console.app import create_console
from assigner.devtools.samples import tax_code
from assigner.domain.model import Unit
from assigner.schemas.command import parse_command
from assigner.services import fairness_cache
from assigner.services.assign import assign_declarations
from assigner.services.commands import carry_out
from assigner.settings import Settings
from assigner.storage.migrate import upgrade
from assigner.storage.tables import CursorRow

NOW = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)  # 10:00 in Hanoi; the declarations were registered at 09:00
BIASED, FAIR, PORT = Unit("01B1", "00"), Unit("01B1", "01"), Unit("02CI", "00")
KEYS = {"sup.a": "a" * 64, "sup.p": "p" * 64}
RNG = random.Random(11)
ENTERPRISES = [tax_code(RNG) for _ in range(5)]
ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}
OFFICERS, ENTERPRISE, THIN = "Theo công chức</h2>", "Theo doanh nghiệp</h2>", "Lượt có ít công chức nhận được ("


def path(unit: Unit) -> str:
    return f"/units/{unit.customs_office}/{unit.department}/fairness"


def stream(runtime: Runtime, unit: Unit, count: int, start: int = 0) -> list[str]:
    """`count` declarations of `unit` from five enterprises in turn, in batches of ten."""
    sent = numbers(count, start=start)
    for first in range(0, count, 10):
        batch = [
            declaration(n, unit, enterprise_tax_code=ENTERPRISES[i % 5])
            for i, n in enumerate(sent[first : first + 10], first)
        ]
        assign_declarations(runtime.unit_of_work(), batch, runtime.clock, runtime.policy)
    return sent


def run_command(runtime: Runtime, name: str, **fields: object) -> None:
    """A command of sup.a's, carried out as the worker does (a reassignment's reason_code workload)."""
    if name == "reassign":
        fields = {"reason_code": "workload", **fields}
    body = command_payload(name, "sup.a", NOW, **fields)
    result = carry_out(
        runtime.unit_of_work(), parse_command(body), "sup.a", body, runtime.clock, runtime.policy, timedelta(1)
    )
    assert result.accepted, result.rejected_because


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    """SQLite with three units: 01B1/00 (a1 to a4), 120 declarations, a quarter of the others' moved to a1 by
    hand; 01B1/01 (b1 to b3), 60 by the rotation alone; both sup.a's. 02CI/00 (p1, p2) is sup.p's."""
    settings = Settings(
        home=tmp_path, database_url=f"sqlite:///{tmp_path / 'assigner.db'}", broker_url=None, command_keys=KEYS
    )
    runtime = Runtime(settings, clock=Clock(NOW))
    upgrade(runtime.engine)
    load_roster(runtime, roster(BIASED, "a1", "a2", "a3", "a4", supervisors=("sup.a",)))
    load_roster(runtime, roster(FAIR, "b1", "b2", "b3", supervisors=("sup.a",)))
    load_roster(runtime, roster(PORT, "p1", "p2", supervisors=("sup.p",)))
    sent = stream(runtime, BIASED, 120)
    for number in [n for i, n in enumerate(sent) if i % 4][:25]:  # the rotation gave a1 every fourth
        run_command(runtime, "reassign", declaration_number=number, to_officer_id="a1")
    stream(runtime, FAIR, 60, start=500)
    stream(runtime, PORT, 10, start=900)
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def browser(runtime: Runtime) -> TestClient:
    client = TestClient(create_console(runtime), base_url=HTTPS, follow_redirects=False)
    sign_in(client, "sup.a", KEYS["sup.a"])
    return client


def section(page: str, heading: str) -> str:
    """The part of a page from `heading` to the next section."""
    return page.split(heading, 1)[1].split("</section>", 1)[0]


def flagged_rows(html: str) -> list[str]:
    return re.findall(r'<tr class="flagged"><td>([^<]+)</td>', html)


class TestWhatASupervisorReads:
    def test_the_officer_given_work_by_hand_is_flagged_in_vietnamese_with_the_method_in_words(
        self, browser: TestClient
    ) -> None:
        answer = browser.get(path(BIASED))
        assert answer.status_code == 200 and '<html lang="vi">' in answer.text
        page = answer.text
        assert "<h1>Tính công bằng của phân công tại đơn vị 01B1/00</h1>" in page
        assert "Từ 02/06/2025 đến 02/06/2025: 120 tờ khai được phân công theo lượt." in page
        assert '<strong class="late">Có sai lệch vượt mức ngẫu nhiên' in page
        officers = section(page, OFFICERS)
        assert flagged_rows(officers) == ["a1"]
        row = re.search(r'<tr class="flagged"><td>a1</td><td>(\d+)</td><td>30</td>\s*<td>(\d+)–(\d+)</td>', officers)
        assert row, officers
        has, low, high = (int(value) for value in row.groups())
        assert has > high >= 30 >= low  # a1 has more than chance allows around the 30 a fair draw expects
        assert officers.count("lệch vượt mức ngẫu nhiên") == 1 and officers.count("trong mức ngẫu nhiên") == 3
        assert "&lt; 0,001" in officers  # a1's p-value, the reader's way
        method = section(page, "Phương pháp kiểm định</h2>")
        assert "Poisson nhị thức" in method and "p nhỏ hơn 0,01" in method and "từ 5 tờ khai trở lên" in method

    def test_a_fair_unit_is_not_flagged(self, browser: TestClient) -> None:
        page = browser.get(path(FAIR)).text
        assert "Không có sai lệch nào vượt mức ngẫu nhiên." in page and 'class="flagged"' not in page
        assert section(page, OFFICERS).count("trong mức ngẫu nhiên") == 3
        assert "Đã kiểm định 5 doanh nghiệp (có từ 5 tờ khai trở lên tại đơn vị), 0 doanh nghiệp bị đánh dấu." in page

    def test_an_enterprise_whose_declarations_all_went_to_one_officer_is_flagged(
        self, browser: TestClient, runtime: Runtime
    ) -> None:
        for index in range(0, 60, 5):  # ENTERPRISES[0]'s twelve in 01B1/01, all to b2 (who had every third)
            if index % 3 != 1:
                run_command(runtime, "reassign", declaration_number=numbers(60, start=500)[index], to_officer_id="b2")
        enterprises = section(browser.get(path(FAIR)).text, ENTERPRISE)
        assert flagged_rows(enterprises) == [ENTERPRISES[0]]
        assert f'<tr class="flagged"><td>{ENTERPRISES[0]}</td><td>12</td><td>b2</td><td><strong' in enterprises

    def test_thin_turns_are_listed_with_who_could_take_them_who_was_away_and_the_office_time(
        self, browser: TestClient, runtime: Runtime
    ) -> None:
        for officer in ("b2", "b3"):
            run_command(runtime, "officer_absent", officer_id=officer, redistribute=False)
        runtime.clock.advance(minutes=5)  # type: ignore[attr-defined]
        assign_declarations(
            runtime.unit_of_work(), [declaration(n, FAIR) for n in numbers(2, start=700)], runtime.clock, runtime.policy
        )
        thin = section(browser.get(path(FAIR)).text, THIN)
        rows = re.findall(r"<tr><td><a href=\"/declarations/(\d+)\">\d+</a></td><td>([^<]+)</td><td>([^<]+)</td>", thin)
        assert rows == [(n[:11], "02/06/2025 10:05", "b1") for n in numbers(2, start=700)]
        assert thin.count("b2 (vắng mặt), b3 (vắng mặt)") == 2 and thin.startswith("2)</h2>")

    def test_the_unit_page_links_to_it(self, browser: TestClient) -> None:
        assert f'<a href="{path(BIASED)}">Kiểm định tính công bằng' in browser.get("/units/01B1/00").text

    def test_in_english_it_says_the_same(self, browser: TestClient) -> None:
        page = browser.get(path(BIASED), headers=ENGLISH).text
        assert '<html lang="en">' in page and "<h1>Fairness of unit 01B1/00</h1>" in page
        assert "From 2 Jun 2025 to 2 Jun 2025: 120 declarations decided by a turn." in page
        assert section(page, "Per officer</h2>").count("off beyond chance") == 1 and "Poisson-binomial" in page

    def test_the_vietnamese_page_shows_no_english_word_and_asks_for_no_message_the_catalog_lacks(
        self, browser: TestClient, runtime: Runtime
    ) -> None:
        lacking = Unlisted()
        browser.app.state.languages["vi"].translations.add_fallback(lacking)  # type: ignore[attr-defined]
        run_command(runtime, "officer_absent", officer_id="b3", redistribute=False)  # a thin turn's lines too
        late = [declaration(numbers(1, start=700)[0], FAIR)]
        assign_declarations(runtime.unit_of_work(), late, runtime.clock, runtime.policy)
        pages = [shown_text(browser.get(path(unit)).text) for unit in (BIASED, FAIR)]
        pages.append(shown_text(browser.get(f"{path(FAIR)}?from=31/02/2025").text))
        assert [[word for word in ENGLISH_WORDS if re.search(rf"\b{word}\b", page)] for page in pages] == [[]] * 3
        assert lacking.asked == []


class TestWhoMayReadThem:
    def test_another_units_supervisor_is_refused_and_someone_signed_out_is_sent_to_sign_in(
        self, runtime: Runtime
    ) -> None:
        other = TestClient(create_console(runtime), base_url=HTTPS, follow_redirects=False)
        assert other.get(path(BIASED)).headers["location"] == "/sign-in"
        sign_in(other, "sup.p", KEYS["sup.p"])
        refused = other.get(path(BIASED))
        assert refused.status_code == 403 and refused.text == "bạn không phụ trách đơn vị này"
        assert other.get(path(PORT)).status_code == 200


class TestThePeriod:
    def test_today_by_default_written_as_the_form_asks_in_each_language(self, browser: TestClient) -> None:
        assert 'name="from" value="02/06/2025" placeholder="dd/mm/yyyy"' in browser.get(path(BIASED)).text
        english = browser.get(path(BIASED), headers=ENGLISH).text
        assert 'name="to" value="2025-06-02" placeholder="yyyy-mm-dd"' in english

    @pytest.mark.parametrize(
        ("query", "said"),
        [
            ("from=31/02/2025", "“31/02/2025” không phải là ngày viết theo dạng dd/mm/yyyy"),
            (
                "from=02/06/2025&to=01/06/2025",
                "Không thể kiểm định khoảng thời gian này: the period starts (2025-06-02) after it ends (2025-06-01)",
            ),
        ],
    )
    def test_a_period_that_cannot_be_read_is_said_and_kept_in_the_form(
        self, browser: TestClient, query: str, said: str
    ) -> None:
        page = browser.get(f"{path(BIASED)}?{query}").text
        assert re.search(rf'<p class="flash rejected" role="alert">{re.escape(said)}', page)
        typed = query.split("&")[0].removeprefix("from=")
        assert 'class="fairness"' not in page and f'name="from" value="{typed}"' in page

    def test_a_period_read_either_way_and_one_with_no_turn(self, browser: TestClient) -> None:
        assert "120 tờ khai" in browser.get(f"{path(BIASED)}?from=2025-06-01&to=02/06/2025").text
        quiet = browser.get(f"{path(BIASED)}?from=01/06/2025&to=01/06/2025").text
        assert "không có gì để kiểm định" in quiet and 'class="fairness"' not in quiet

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(typed=st.lists(st.text(max_size=60), min_size=2, max_size=2))
    def test_whatever_is_typed_for_the_period_the_page_answers_and_shows_it_back_escaped(
        self, browser: TestClient, typed: list[str]
    ) -> None:
        answer = browser.get(path(BIASED), params={"from": typed[0], "to": typed[1]})
        assert answer.status_code == 200, answer.text[-500:]
        assert "<script" not in answer.text.lower().replace('<script src="/static', "")


class TestATrailOffTheRules:
    def test_is_said_on_the_page_and_not_tested(self, browser: TestClient, runtime: Runtime) -> None:
        with runtime.engine.begin() as connection:
            connection.execute(update(CursorRow).values(position=0))  # a turn out of order next
        assign_declarations(
            runtime.unit_of_work(),
            [declaration(n, BIASED) for n in numbers(2, start=800)],
            runtime.clock,
            runtime.policy,
        )
        answer = browser.get(path(BIASED))
        assert answer.status_code == 200
        said = re.search(r'<p class="flash rejected" role="alert">([^<]+)</p>', answer.text)
        assert said and said.group(1).startswith(
            "Không thể kiểm định tính công bằng: the audit trail does not follow the rotation rules at entry"
        )
        assert "assigner audit verify" in said.group(1) and 'class="fairness"' not in answer.text


class TestTheReplay:
    def test_runs_off_the_event_loop_and_a_reload_reads_it_again_only_once_the_trail_has_grown(
        self, browser: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        replays: list[bool] = []  # for each replay, whether it ran on an event loop
        replay = fairness_cache.fairness_over

        def counted(*args: Any) -> Any:
            try:
                asyncio.get_running_loop()
                replays.append(True)
            except RuntimeError:
                replays.append(False)
            return replay(*args)

        monkeypatch.setattr(fairness_cache, "fairness_over", counted)
        first = browser.get(path(BIASED)).text
        assert browser.get(path(BIASED)).text == first and browser.get(f"{path(BIASED)}?lang=en").status_code == 200
        assert replays == [False]
        browser.get(f"{path(BIASED)}?lang=vi")
        browser.get(f"{path(BIASED)}?from=01/06/2025")  # another period: its own replay
        assert replays == [False, False]
        assign_declarations(
            runtime.unit_of_work(), [declaration(numbers(1, start=990)[0], BIASED)], runtime.clock, runtime.policy
        )
        assert "121 tờ khai" in browser.get(path(BIASED)).text and replays == [False, False, False]
