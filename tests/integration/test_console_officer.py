"""An officer's own page in the console over HTTP, on the embedded broker, on SQLite and PostgreSQL: an officer
signs in with their command key and sees only their own work, soonest due first with the time left on each
legal clock, why each came to them and their share against the unit's median; completes their own declaration
through a real worker's command consumer; another officer's declaration is not found, and the units' pages
stay the supervisors'."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import datetime

import httpx2 as httpx
import pytest
from integration.conftest import FrozenClock
from integration.helpers import (
    HANOI,
    UNIT,
    assign,
    command_body,
    declaration,
    load_roster,
    numbers,
    roster,
    send_command,
)
from integration.test_console_http import ENGLISH_WORDS, Unlisted, shown_text
from starlette.testclient import TestClient

from assigner.bootstrap import Runtime
from assigner.broker import topology
from assigner.broker.connection import connect
from assigner.console.app import create_console
from assigner.domain.draws import RotationMode
from assigner.services.draw_keys import set_rotation_mode
from assigner.settings import Settings
from workers.consumer import Batching, QueueConsumer
from workers.handlers.commands import CommandHandler

KEYS = {"a": "a" * 64, "b": "b" * 64, "sup": "s" * 64, "nobody": "n" * 64}
HTTPS = "https://testserver"  # the cookies are Secure: a client sends them back over HTTPS only
ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}
FIRST, SECOND, THIRD = "100000000010", "100000000020", "100000000030"


@pytest.fixture
def console_runtime(runtime: Runtime, clock: FrozenClock) -> Iterator[Runtime]:
    """Officers a and b on UNIT's roster, sup its supervisor, each with a command key; FIRST and THIRD are a's
    (THIRD's dossier came an hour earlier: due first), SECOND is b's. 09:00 in Hanoi."""
    # Idle for hours: the tests move the clock past due times.
    changed = {"command_keys": KEYS, "console_answer_seconds": 30, "console_idle_minutes": 240}
    settings = Settings(**{**runtime.settings.model_dump(), **changed})
    keyed = Runtime(settings, clock=clock)
    load_roster(keyed, roster(UNIT, "a", "b", supervisors=("sup",)))
    dossier = datetime(2025, 6, 2, 8, 0, tzinfo=HANOI).isoformat()
    assign(keyed, [declaration(FIRST), declaration(SECOND), declaration(THIRD, documents_received_at=dossier)])
    yield keyed
    keyed.engine.dispose()


@pytest.fixture
def browser(console_runtime: Runtime) -> TestClient:
    return TestClient(create_console(console_runtime), base_url=HTTPS, follow_redirects=False)


@pytest.fixture
def worker(console_runtime: Runtime) -> Iterator[None]:
    """A worker's command consumer on the embedded broker, in a thread: it answers what the console publishes."""
    stopping = threading.Event()
    consumer = QueueConsumer(
        console_runtime, stopping, topology.COMMANDS, CommandHandler, Batching(size=1, wait=0.0, max_bytes=1 << 20)
    )
    thread = threading.Thread(target=consumer.run, name="test-commands", daemon=True)
    thread.start()
    yield
    stopping.set()
    thread.join(timeout=30)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(browser: TestClient, officer_id: str) -> httpx.Response:
    form = {"csrf": csrf_of(browser.get("/sign-in").text), "officer_id": officer_id, "secret": KEYS[officer_id]}
    return browser.post("/sign-in", data=form)


def open_rows(html: str) -> list[str]:
    """The open declarations' rows of the officer's page, in the order shown."""
    table = html.split('<table class="own-open">')[1].split("</table>")[0]
    return re.findall(r"<tr class=\"(?:open|overdue)\">(.*?)</tr>", table, re.S)


def text_of(row: str) -> str:
    return " ".join(re.sub(r"<[^>]*>", " ", row).split())


def commands_waiting(runtime: Runtime) -> int:
    with connect(runtime.settings) as connection:
        return topology.depth(connection, topology.COMMANDS)


class TestSignIn:
    def test_an_officer_on_a_roster_signs_in_with_their_key_and_lands_on_their_own_page(
        self, browser: TestClient
    ) -> None:
        answer = sign_in(browser, "a")
        assert (answer.status_code, answer.headers["location"]) == (303, "/my-work")
        page = browser.get("/my-work").text
        assert "<h1>Tờ khai của bạn</h1>" in page and 'href="/my-work/declarations/' in page

    def test_a_supervisor_lands_on_the_units_page_and_an_id_on_no_roster_is_refused(self, browser: TestClient) -> None:
        assert sign_in(browser, "nobody").status_code == 401
        answer = sign_in(browser, "sup")
        assert (answer.status_code, answer.headers["location"]) == (303, "/")
        assert 'href="/my-work"' not in browser.get("/").text  # no roster lists sup as a checker

    def test_a_supervisor_who_also_checks_has_a_link_to_their_own_page(
        self, browser: TestClient, console_runtime: Runtime
    ) -> None:
        load_roster(console_runtime, roster(UNIT, "a", "b", "sup", supervisors=("sup",)))
        sign_in(browser, "sup")
        assert '<a class="own" href="/my-work">Tờ khai của bạn</a>' in browser.get("/").text
        assert browser.get("/my-work").status_code == 200

    def test_an_officer_taken_off_every_roster_is_signed_out_within_a_minute(
        self, browser: TestClient, console_runtime: Runtime, clock: FrozenClock
    ) -> None:
        sign_in(browser, "a")
        load_roster(console_runtime, roster(UNIT, "b", supervisors=("sup",)))
        clock.advance(seconds=59)
        assert browser.get("/my-work").status_code == 200
        clock.advance(seconds=1)
        assert browser.get("/my-work/live").status_code == 401
        assert browser.get("/my-work").headers["location"] == "/sign-in"

    def test_nothing_of_the_page_is_shown_to_someone_not_signed_in(self, browser: TestClient) -> None:
        for path in ("/my-work", f"/my-work/declarations/{FIRST}"):
            answer = browser.get(path)
            assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in")
        assert browser.get("/my-work/live").status_code == 401


class TestOwnWork:
    def test_only_their_own_open_work_soonest_due_first_with_the_time_left_and_why(self, browser: TestClient) -> None:
        sign_in(browser, "a")
        page = browser.get("/my-work").text
        rows = [text_of(row) for row in open_rows(page)]
        assert [row.split()[0] for row in rows] == [THIRD, FIRST]  # due 10:00, then 11:00
        assert SECOND not in page  # b's
        assert "02/06/2025 10:00 còn 1 giờ giờ làm việc còn lại: 1 giờ" in rows[0]
        assert "02/06/2025 11:00 còn 2 giờ" in rows[1]
        assert "theo vòng phân công (lượt 3, bắt đầu từ vị trí 2)" in rows[0]
        english = [text_of(row) for row in open_rows(browser.get("/my-work", headers=ENGLISH).text)]
        assert "2 Jun 2025 10:00 1 h left working time left: 1 h" in english[0]
        assert "by rotation (turn 3, from cursor 2)" in english[0]

    def test_a_unit_that_draws_its_order_says_so_shows_no_next_and_each_turn_says_among_how_many(
        self, browser: TestClient, console_runtime: Runtime
    ) -> None:
        runtime = console_runtime
        set_rotation_mode(runtime.unit_of_work(), UNIT, RotationMode.DRAWN, runtime.clock, "t")
        # a had turn 3 of the round in roster order: turn 4 is b's, drawn alone; turns 5 and 6, a new round of two
        assign(runtime, [declaration(n) for n in numbers(3, start=500)])
        sign_in(browser, "a")
        drawn = [
            re.search(r"lượt (\d), chọn ngẫu nhiên trong (\d) công chức", text_of(row))
            for row in open_rows(browser.get("/my-work").text)
        ]
        assert [m.groups() for m in drawn if m] in ([("5", "2")], [("6", "1")])
        browser.cookies.clear()
        sign_in(browser, "sup")
        for page in (browser.get("/").text, browser.get(f"/units/{UNIT.customs_office}/{UNIT.department}").text):
            assert "Đơn vị này phân công theo thứ tự ngẫu nhiên trong từng vòng" in page
            assert "<th>kế tiếp</th>" not in page and "▶" not in page and " next" not in page

    def test_work_past_its_due_time_is_said_overdue_in_words_not_colour_alone(
        self, browser: TestClient, clock: FrozenClock
    ) -> None:
        sign_in(browser, "a")
        clock.advance(minutes=80)  # 10:20 in Hanoi
        rows = open_rows(browser.get("/my-work/live").text)
        assert "⚠ quá hạn 20 phút" in text_of(rows[0]) and "còn 40 phút" in text_of(rows[1])
        english = browser.get("/my-work/live", headers=ENGLISH).text
        assert '<tr class="overdue">' in english and "⚠ overdue by 20 min" in text_of(open_rows(english)[0])

    def test_why_says_who_moved_a_declaration_to_them_and_why(
        self, browser: TestClient, console_runtime: Runtime
    ) -> None:
        result = send_command(
            console_runtime,
            command_body("reassign", issued_by="sup", declaration_number=SECOND, to_officer_id="a", reason="b ốm"),
        )
        assert result.accepted
        sign_in(browser, "a")
        [moved] = [text_of(row) for row in open_rows(browser.get("/my-work").text) if SECOND in row]
        assert "được sup chuyển cho bạn (từ b): b ốm" in moved

    def test_their_share_of_the_day_against_the_units_median(self, browser: TestClient) -> None:
        sign_in(browser, "a")
        shares = browser.get("/my-work").text.split('<table class="shares">')[1].split("</table>")[0]
        assert text_of(shares).endswith("01B1/00 02/06/2025 2 1,5 2")  # a 2, b 1: median 1.5 of 2 checkers


class TestOwnDeclaration:
    def test_their_own_declaration_shows_its_history(self, browser: TestClient) -> None:
        sign_in(browser, "a")
        page = browser.get(f"/my-work/declarations/{FIRST}").text
        assert f"<h1>Tờ khai {FIRST}</h1>" in page and "hạn xử lý 02/06/2025 11:00" in page
        assert "<td>đã phân công</td>" in page and f'href="/my-work/declarations/{FIRST}"' in page

    def test_another_officers_declaration_is_not_found_as_an_unknown_one_is(self, browser: TestClient) -> None:
        sign_in(browser, "a")
        for number in (SECOND, "109999999990"):
            answer = browser.get(f"/my-work/declarations/{number}")
            assert answer.status_code == 404
            assert answer.text == f"không tìm thấy tờ khai {number} trong các tờ khai của bạn"

    def test_a_plain_officer_sees_no_units_page_no_unit_and_no_supervisors_declaration_page(
        self, browser: TestClient
    ) -> None:
        sign_in(browser, "a")
        assert browser.get("/").status_code == 403
        assert browser.get("/units/01B1/00").status_code == 403
        assert browser.get("/units/01B1/00/live").status_code == 403
        assert browser.get(f"/declarations/{FIRST}").status_code == 404
        token = csrf_of(browser.get("/my-work").text)
        refused = browser.post("/units/01B1/00/commands/complete", data={"csrf": token, "declaration_number": FIRST})
        assert refused.status_code == 403


class TestComplete:
    def test_completing_their_own_declaration_is_accepted_and_it_moves_to_completed_in_time(
        self, browser: TestClient, worker: None
    ) -> None:
        sign_in(browser, "a")
        token = csrf_of(browser.get("/my-work").text)
        answer = browser.post("/my-work/complete", data={"csrf": token, "declaration_number": THIRD})
        assert (answer.status_code, answer.headers["location"]) == (303, "/my-work")
        page = browser.get("/my-work").text
        assert f'class="flash accepted" role="status">hoàn thành tờ khai {THIRD}: đã được chấp nhận' in page
        assert [text_of(row).split()[0] for row in open_rows(page)] == [FIRST]
        done = text_of(page.split('<table class="own-done">')[1].split("</table>")[0])
        assert f"{THIRD} 01B1/00 02/06/2025 09:00 02/06/2025 10:00 đúng hạn" in done
        history = browser.get(f"/my-work/declarations/{THIRD}").text
        assert "<td>đã hoàn thành</td>" in history and "<td>a</td>" in history

    def test_another_officers_declaration_cannot_be_completed_and_nothing_is_sent(
        self, browser: TestClient, console_runtime: Runtime
    ) -> None:
        sign_in(browser, "a")
        token = csrf_of(browser.get("/my-work").text)
        answer = browser.post("/my-work/complete", data={"csrf": token, "declaration_number": SECOND})
        assert answer.status_code == 404
        assert commands_waiting(console_runtime) == 0

    def test_a_complete_form_without_its_csrf_token_is_refused(
        self, browser: TestClient, console_runtime: Runtime
    ) -> None:
        sign_in(browser, "a")
        assert browser.post("/my-work/complete", data={"declaration_number": FIRST}).status_code == 403
        assert commands_waiting(console_runtime) == 0


class TestLanguage:
    def test_the_vietnamese_pages_show_no_english_word_and_ask_for_no_message_the_catalog_lacks(
        self, browser: TestClient, console_runtime: Runtime, clock: FrozenClock, worker: None
    ) -> None:
        lacking = Unlisted()
        browser.app.state.languages["vi"].translations.add_fallback(lacking)
        reassigned = command_body("reassign", issued_by="sup", declaration_number=SECOND, to_officer_id="a")
        assert send_command(console_runtime, reassigned).accepted
        sign_in(browser, "a")
        token = csrf_of(browser.get("/my-work").text)
        browser.post("/my-work/complete", data={"csrf": token, "declaration_number": FIRST})
        clock.advance(minutes=80)  # THIRD overdue
        pages = [browser.get(path).text for path in ("/my-work", f"/my-work/declarations/{FIRST}")]
        assert "hoàn thành tờ khai" in pages[0] and "quá hạn" in pages[0] and "đúng hạn" in pages[0]

        def english_words(page: str) -> list[str]:
            return [word for word in ENGLISH_WORDS if re.search(rf"\b{word}\b", shown_text(page))]

        assert [english_words(page) for page in pages] == [[], []]
        assert lacking.asked == []
        assert english_words(browser.get("/my-work", headers=ENGLISH).text)  # the check finds them in English
