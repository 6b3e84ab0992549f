"""The supervisors' console over HTTP, on the embedded broker and SQLite: sign-in, what each page shows and to
whom, the forms' CSRF tokens, and the commands it publishes (signed with the supervisor's key)."""

from __future__ import annotations

import asyncio
import contextlib
import gettext
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx2 as httpx
import pytest
from integration.conftest import FrozenClock as Clock
from integration.helpers import HANOI, declaration, load_roster, numbers, roster
from kombu.entity import Queue
from kombu.messaging import Consumer
from starlette.testclient import TestClient

from assigner.bootstrap import Runtime
from assigner.broker import topology
from assigner.broker.command_keys import SIGNATURE_HEADER
from assigner.broker.command_sender import command_payload
from assigner.broker.connection import BrokerRefused, connect
from assigner.console import sign_in as console_sign_in
from assigner.console.app import create_console
from assigner.console.language import load_languages
from assigner.console.sign_in import REFUSED
from assigner.domain.authentication import is_signed_by
from assigner.domain.commands import ReasonCode
from assigner.domain.errors import InvalidInput
from assigner.domain.model import Unit
from assigner.schemas.command import parse_command
from assigner.services.assign import assign_declarations
from assigner.services.commands import carry_out
from assigner.settings import Settings
from assigner.storage.migrate import upgrade

NOW = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)  # 10:00 in Hanoi
AIRPORT, PORT = Unit("01B1", "00"), Unit("02CI", "00")
KEYS = {"sup.a": "a" * 64, "sup.p": "p" * 64}
HTTPS = "https://testserver"  # the cookies are Secure: a client sends them back over HTTPS only
VI = load_languages()["vi"]  # the pages' language when the browser asks for none


@pytest.fixture
def clock() -> Clock:
    """10:00 in Hanoi, moved by hand: nobody sleeps."""
    return Clock(NOW)


@pytest.fixture
def runtime(tmp_path: Path, clock: Clock) -> Iterator[Runtime]:
    """An embedded home: SQLite with two units, each with its own supervisor, and three declarations assigned."""
    settings = Settings(
        home=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'assigner.db'}",
        broker_url=None,
        command_keys=KEYS,
        console_answer_seconds=0.5,
    )
    runtime = Runtime(settings, clock=clock)
    upgrade(runtime.engine)
    load_roster(runtime, roster(AIRPORT, "a1", "a2", "a3", supervisors=("sup.a",)))
    load_roster(runtime, roster(PORT, "p1", "p2", supervisors=("sup.p",)))
    assign_declarations(
        runtime.unit_of_work(), [declaration(n, AIRPORT) for n in numbers(3)], runtime.clock, runtime.policy
    )
    assign_declarations(
        runtime.unit_of_work(), [declaration(n, PORT) for n in numbers(1, start=50)], runtime.clock, runtime.policy
    )
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def browser(runtime: Runtime) -> TestClient:
    return TestClient(create_console(runtime), base_url=HTTPS, follow_redirects=False)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(browser: TestClient, officer_id: str, secret: str) -> object:
    page = browser.get("/sign-in")
    return browser.post("/sign-in", data={"csrf": csrf_of(page.text), "officer_id": officer_id, "secret": secret})


def run_command(runtime: Runtime, body: dict[str, object]) -> None:
    """Carry a command out as the worker does (the embedded broker's sender is its signature's supervisor)."""
    command = parse_command(body)
    result = carry_out(
        runtime.unit_of_work(),
        command,
        str(body["issued_by"]),
        body,
        runtime.clock,
        runtime.policy,
        timedelta(hours=24),
    )
    assert result.accepted, result.rejected_because


def commands_sent(runtime: Runtime) -> list[tuple[dict[str, object], dict[str, object]]]:
    """The command messages on the embedded broker's assigner.commands (body, headers), taken off it."""
    got: list[tuple[dict[str, object], dict[str, object]]] = []
    queue = Queue(topology.COMMANDS, routing_key=topology.COMMANDS, durable=True)
    with connect(runtime.settings) as connection:

        def take(body: object, message: object) -> None:
            raw = message.body if isinstance(message.body, bytes) else message.body.encode()  # type: ignore[attr-defined]
            assert is_signed_by(raw, message.headers[SIGNATURE_HEADER], KEYS["sup.a"])  # type: ignore[attr-defined]
            got.append((json.loads(raw), message.headers))  # type: ignore[attr-defined]
            message.ack()  # type: ignore[attr-defined]

        with Consumer(connection, [queue], callbacks=[take], accept=["json"]):
            try:
                while True:
                    connection.drain_events(timeout=1)
            except TimeoutError:
                pass
    return got


class TestSignIn:
    def test_nothing_is_shown_to_someone_not_signed_in(self, browser: TestClient) -> None:
        for path in ("/", "/units/01B1/00", f"/declarations/{numbers(1)[0]}"):
            answer = browser.get(path)
            assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in")
            assert numbers(1)[0] not in answer.text

    def test_a_wrong_key_is_refused_and_logged(self, browser: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
        answer = sign_in(browser, "sup.a", "b" * 64)
        assert answer.status_code == 401 and VI.gettext(REFUSED) in answer.text
        logged = capsys.readouterr()
        assert "console.sign_in_failed" in logged.out + logged.err
        assert browser.get("/").status_code == 303

    def test_an_officer_on_no_roster_is_refused_even_with_a_key(self, runtime: Runtime) -> None:
        settings = Settings(**{**runtime.settings.model_dump(), "command_keys": {**KEYS, "x9": KEYS["sup.a"]}})
        browser = TestClient(create_console(Runtime(settings, runtime.clock)), base_url=HTTPS, follow_redirects=False)
        answer = sign_in(browser, "x9", "a" * 64)
        assert answer.status_code == 401 and VI.gettext(REFUSED) in answer.text

    def test_a_sign_in_form_posted_without_its_token_is_refused(self, browser: TestClient) -> None:
        browser.get("/sign-in")
        answer = browser.post("/sign-in", data={"officer_id": "sup.a", "secret": KEYS["sup.a"]})
        assert answer.status_code == 403

    def test_the_session_cookie_is_http_only_and_strict(self, browser: TestClient) -> None:
        answer = sign_in(browser, "sup.a", KEYS["sup.a"])
        assert (answer.status_code, answer.headers["location"]) == (303, "/")
        cookie = [c for c in answer.headers.get_list("set-cookie") if c.startswith("assigner_session=")][0]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Max-Age=28800" in cookie

    def test_every_page_carries_the_security_headers(self, browser: TestClient) -> None:
        headers = browser.get("/sign-in").headers
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["cache-control"] == "no-store"


class TestPages:
    def test_the_units_page_shows_the_supervisors_own_units_with_who_is_next(self, browser: TestClient) -> None:
        sign_in(browser, "sup.a", KEYS["sup.a"])
        page = browser.get("/").text
        assert "Đơn vị 01B1/00" in page and "Đơn vị 02CI/00" not in page
        next_row = re.search(r'<tr class="active next">(.*?)</tr>', page, re.S)
        assert next_row and "<td>a1</td>" in next_row.group(1)  # three assigned to a1, a2, a3: a1 is next again
        assert re.search(r"<dt>tự động</dt><dd>3</dd>", page)

    def test_a_unit_page_shows_todays_checks_in_time_late_overdue_and_their_times(
        self, browser: TestClient, runtime: Runtime, clock: Clock
    ) -> None:
        first, second, _ = numbers(3)  # registered 09:00, due 11:00, with a1, a2, a3
        run_command(
            runtime, {"command_id": "c1", "command": "complete", "issued_by": "a1", "declaration_number": first}
        )
        clock.advance(hours=2)  # 12:00
        run_command(
            runtime, {"command_id": "c2", "command": "complete", "issued_by": "a2", "declaration_number": second}
        )
        sign_in(browser, "sup.a", KEYS["sup.a"])
        page = browser.get("/units/01B1/00?lang=vi").text
        for label, value in [
            ("kiểm tra đúng hạn", "1"),
            ("kiểm tra trễ hạn", "1"),
            ("đang quá hạn", "1"),
            ("trung vị số giờ làm việc để hoàn thành", "1"),  # 1 and 3 hours: the lower middle
            ("phân vị 90 của số giờ làm việc để hoàn thành", "3"),
        ]:
            assert f"<dt>{label}</dt><dd>{value}</dd>" in page, label
        english = browser.get("/units/01B1/00?lang=en").text
        assert "<dt>median working hours to complete</dt><dd>1</dd>" in english

    def test_another_units_page_is_refused(self, browser: TestClient) -> None:
        sign_in(browser, "sup.a", KEYS["sup.a"])
        assert browser.get("/units/02CI/00").status_code == 403
        assert browser.get(f"/declarations/{numbers(1, start=50)[0]}").status_code == 404

    def test_a_unit_page_lists_each_officers_open_declarations_and_a_declarations_history(
        self,
        browser: TestClient,
    ) -> None:
        sign_in(browser, "sup.a", KEYS["sup.a"])
        page = browser.get("/units/01B1/00").text
        for number in numbers(3):
            assert f'href="/declarations/{number}"' in page
        history = browser.get(f"/declarations/{numbers(3)[1]}").text
        assert "giao cho a2" in history and "<td>đã phân công</td>" in history
        assert "(lượt 2, bắt đầu từ vị trí 1)" in history

    def test_a_unit_page_shows_its_held_queue_in_order_and_the_latest_decisions_with_their_why(
        self,
        browser: TestClient,
        runtime: Runtime,
    ) -> None:
        held = [declaration(n, Unit("01B1", "07")) for n in numbers(2, start=70)]  # a department nobody rosters
        assign_declarations(runtime.unit_of_work(), held, runtime.clock, runtime.policy)
        load_roster(runtime, roster(Unit("01B1", "07"), supervisors=("sup.a",)))  # a unit with no checker yet
        sign_in(browser, "sup.a", KEYS["sup.a"])
        page = browser.get("/units/01B1/07").text
        rows = re.findall(r"<tr><td>(\d)</td><td><a href=\"/declarations/(\d+)\">\d+</a></td>\s*<td>([^<]+)</td>", page)
        assert rows == [
            ("1", numbers(2, start=70)[0], "mã bộ phận xử lý không xác định"),
            ("2", numbers(2, start=70)[1], "mã bộ phận xử lý không xác định"),
        ]
        latest = browser.get("/units/01B1/00").text.split("Quyết định gần nhất")[1]
        assert latest.index(numbers(3)[2]) < latest.index(numbers(3)[0])  # newest first
        assert "bỏ qua" not in latest and "(lượt 3, bắt đầu từ vị trí 2)" in latest


def hanoi(hour: int, minute: int) -> str:
    """A registration time on the test's Monday in Hanoi (the page is read at 10:00): due two working hours on."""
    return datetime(2025, 6, 2, hour, minute, tzinfo=HANOI).isoformat()


def section(page: str, heading: str, following: str) -> str:
    """The part of a page from the heading saying `heading` to the next saying `following`."""
    return page.split(heading, 1)[1].split(following, 1)[0]


def linked_numbers(html: str) -> list[str]:
    return re.findall(r'<td><a href="/declarations/(\d{12})">', html)


URGENT, OPEN, HELD = "Quá hạn hoặc sắp đến hạn trong 30 phút</h2>", "Tờ khai đang xử lý (", "Chờ phân công ("


class TestUnitWork:
    def test_what_is_overdue_or_due_within_30_minutes_comes_first_most_urgent_first_with_its_commands(
        self, browser: TestClient, runtime: Runtime, clock: Clock
    ) -> None:
        late, soon, later = numbers(3, start=20)
        assign_declarations(
            runtime.unit_of_work(),
            [
                declaration(soon, AIRPORT, registered_at=hanoi(8, 20)),  # due 10:20
                declaration(late, AIRPORT, registered_at=hanoi(7, 45)),  # due 09:45
                declaration(later, AIRPORT, registered_at=hanoi(8, 45)),  # due 10:45
            ],
            runtime.clock,
            runtime.policy,
        )
        sign_in(browser, "sup.a", KEYS["sup.a"])
        page = browser.get("/units/01B1/00").text
        assert page.index(URGENT) < page.index(OPEN) < page.index(HELD)  # at the top of the work
        urgent = section(page, URGENT, OPEN)
        assert "<strong>1 tờ khai quá hạn, 1 tờ khai sắp đến hạn trong 30 phút.</strong>" in urgent
        assert linked_numbers(urgent) == [late, soon]
        assert '<strong class="late">quá hạn 15 phút</strong>' in urgent  # said in words, not by colour only
        assert '<strong class="soon">sắp đến hạn: còn 20 phút</strong>' in urgent
        assert "<td>02/06/2025 09:45</td>" in urgent  # due, in the office's zone
        row = re.search(rf"<tr class=\"late\">.*?{late}.*?</tr>", urgent, re.S)
        assert row and "Officer a2 <span" in row.group(0)  # with its officer (the rotation gave it to a2)
        assert 'action="/units/01B1/00/commands/reassign"' in row.group(0)
        assert f'<input type="hidden" name="declaration_number" value="{late}">' in row.group(0)
        assert (
            f'<input name="reason" placeholder="lý do" aria-label="Lý do phân công lại tờ khai {late}">' in row.group(0)
        )
        assert 'action="/units/01B1/00/commands/complete"' in row.group(0)
        assert f'name="csrf" value="{csrf_of(page)}"' in row.group(0)
        clock.advance(minutes=20)  # 10:20: the later one is due within 30 minutes, the soon one is due now
        urgent = section(browser.get("/units/01B1/00").text, URGENT, OPEN)
        assert linked_numbers(urgent) == [late, soon, later]
        assert "1 tờ khai quá hạn, 2 tờ khai sắp đến hạn" in urgent  # due now: still in time, not yet overdue
        clock.advance(seconds=1)
        assert "2 tờ khai quá hạn, 1 tờ khai sắp đến hạn" in section(browser.get("/units/01B1/00").text, URGENT, OPEN)

    def test_nothing_urgent_is_said_and_the_units_page_counts_what_is(
        self, browser: TestClient, runtime: Runtime, clock: Clock
    ) -> None:
        sign_in(browser, "sup.a", KEYS["sup.a"])
        assert "Không có tờ khai nào quá hạn hoặc sắp đến hạn trong 30 phút." in browser.get("/units/01B1/00").text
        assert "tờ khai quá hạn" not in browser.get("/").text  # (the day's figures say "đang quá hạn: 0")
        clock.advance(minutes=29)  # 10:29 (a request each half hour: the session stays)
        assert "tờ khai quá hạn" not in browser.get("/").text
        clock.advance(minutes=29)  # 10:58: the three are due at 11:00
        assert "<strong>0 tờ khai quá hạn, 3 tờ khai sắp đến hạn trong 30 phút.</strong>" in browser.get("/").text
        clock.advance(minutes=3)  # 11:01: overdue
        assert "<strong>3 tờ khai quá hạn, 0 tờ khai sắp đến hạn trong 30 phút.</strong>" in browser.get("/").text
        english = browser.get("/units/01B1/00?lang=en").text
        assert '<strong class="late">overdue by 1 min</strong>' in english

    def test_the_open_work_is_one_table_soonest_due_first(self, browser: TestClient, runtime: Runtime) -> None:
        extra = numbers(2, start=30)
        assign_declarations(
            runtime.unit_of_work(),
            [declaration(extra[0], AIRPORT, registered_at=hanoi(8, 50)), declaration(extra[1], AIRPORT)],
            runtime.clock,
            runtime.policy,
        )
        sign_in(browser, "sup.a", KEYS["sup.a"])
        table = section(browser.get("/units/01B1/00").text, OPEN, HELD)
        assert linked_numbers(table) == [extra[0], *numbers(3), extra[1]]  # due 10:50, then the four due at 11:00
        assert "1–5 trong 5 tờ khai, tờ khai đến hạn sớm nhất xếp trước" in table
        assert "còn 50 phút" in table and "còn 1 giờ" in table
        assert table.count("<tr>") == 6  # the head, and one row per declaration: no list per officer

    def test_a_search_by_part_of_a_number_keeps_its_query_in_the_live_part(self, browser: TestClient) -> None:
        sign_in(browser, "sup.a", KEYS["sup.a"])
        wanted = numbers(3)[1]
        part = wanted[-7:]  # 0000010: in this number only
        page = browser.get(f"/units/01B1/00?q={part}").text
        assert linked_numbers(section(page, OPEN, HELD)) == [wanted]
        assert f"1–1 trong 1 tờ khai khớp với “{part}”" in page
        assert f'data-live="/units/01B1/00/live?q={part}"' in page
        assert f'name="q" value="{part}"' in page
        assert linked_numbers(section(browser.get(f"/units/01B1/00/live?q={part}").text, OPEN, HELD)) == [wanted]
        missing = browser.get("/units/01B1/00?q=5555").text
        assert "Không có tờ khai đang xử lý nào khớp với “5555”." in missing

    def test_pages_of_fifty_with_counts_and_links_that_keep_the_search(
        self, browser: TestClient, runtime: Runtime
    ) -> None:
        many = numbers(120, start=1000)
        assign_declarations(
            runtime.unit_of_work(), [declaration(n, AIRPORT) for n in many], runtime.clock, runtime.policy
        )
        sign_in(browser, "sup.a", KEYS["sup.a"])
        first = browser.get("/units/01B1/00").text
        assert "Tờ khai đang xử lý (123)" in first and "1–50 trong 123 tờ khai" in first
        assert len(linked_numbers(section(first, OPEN, HELD))) == 50
        assert '<a href="/units/01B1/00?page=2" rel="next">Trang sau</a>' in first
        assert '<a href="/units/01B1/00" aria-current="page">trang 1</a>' in first
        third = browser.get("/units/01B1/00?page=3").text
        assert "101–123 trong 123 tờ khai" in third and len(linked_numbers(section(third, OPEN, HELD))) == 23
        assert 'data-live="/units/01B1/00/live?page=3"' in third
        assert "101–123 trong 123 tờ khai" in browser.get("/units/01B1/00/live?page=3").text
        assert "101–123 trong 123 tờ khai" in browser.get("/units/01B1/00?page=40").text  # past the last: the last
        assert "1–50 trong 123 tờ khai" in browser.get("/units/01B1/00?page=x").text
        searched = browser.get("/units/01B1/00?q=10000001&page=2").text  # the 120 (100000010000 on), not the 3
        assert "51–100 trong 120 tờ khai khớp với “10000001”" in searched
        assert '<a href="/units/01B1/00?q=10000001" rel="prev">Trang trước</a>' in searched

    def test_the_latest_decisions_are_those_that_moved_a_declaration_unless_all_are_asked_for(
        self, browser: TestClient, runtime: Runtime
    ) -> None:
        green = numbers(1, start=40)[0]
        assign_declarations(
            runtime.unit_of_work(), [declaration(green, AIRPORT, channel="green")], runtime.clock, runtime.policy
        )
        sign_in(browser, "sup.a", KEYS["sup.a"])
        latest = browser.get("/units/01B1/00").text.split("Quyết định gần nhất")[1]
        assert green not in latest and "<td>đã phân công</td>" in latest and "chỉ ghi nhận" not in latest
        assert '<a href="/units/01B1/00?all=1">Hiện tất cả quyết định</a>' in latest
        every = browser.get("/units/01B1/00?all=1").text
        assert green in every.split("Quyết định gần nhất")[1] and "<td>chỉ ghi nhận</td>" in every
        assert (
            'data-live="/units/01B1/00/live?all=1"' in every and green in browser.get("/units/01B1/00/live?all=1").text
        )

    @pytest.mark.parametrize(
        ("back", "location"),
        [
            ("q=1000&page=2&all=1", "/units/01B1/00?q=1000&page=2&all=1"),
            ("", "/units/01B1/00"),
            ("page=-3&next=https://example.org/", "/units/01B1/00"),  # nothing but the page's own query
        ],
    )
    def test_a_command_from_a_row_comes_back_to_the_same_search_and_page(
        self, browser: TestClient, runtime: Runtime, back: str, location: str
    ) -> None:
        sign_in(browser, "sup.a", KEYS["sup.a"])
        token = csrf_of(browser.get("/units/01B1/00").text)
        answer = browser.post(
            "/units/01B1/00/commands/complete",
            data={"csrf": token, "back": back, "declaration_number": numbers(1)[0]},
        )
        assert (answer.status_code, answer.headers["location"]) == (303, location)
        [(body, _)] = commands_sent(runtime)
        assert (body["command"], body["declaration_number"]) == ("complete", numbers(1)[0])
        assert "back" not in body


class TestLiveParts:
    def test_a_pages_moving_part_is_a_fragment_refused_without_a_session_and_for_another_unit(
        self,
        browser: TestClient,
    ) -> None:
        assert browser.get("/units/01B1/00/live").status_code == 401  # not a redirect: the page keeps its part
        sign_in(browser, "sup.a", KEYS["sup.a"])
        part = browser.get("/units/01B1/00/live")
        assert part.status_code == 200 and "<html" not in part.text and 'class="roster"' in part.text
        assert "Quyết định gần nhất" in part.text
        summary = browser.get("/units/01B1/00/summary").text
        assert "Đơn vị 01B1/00" in summary and "<html" not in summary
        assert browser.get("/units/02CI/00/live").status_code == 403

    def test_a_part_leaves_the_message_for_the_next_whole_page(self, browser: TestClient) -> None:
        sign_in(browser, "sup.a", KEYS["sup.a"])
        token = csrf_of(browser.get("/units/01B1/00").text)
        browser.post("/units/01B1/00/commands/complete", data={"csrf": token, "declaration_number": numbers(1)[0]})
        assert 'class="flash pending"' not in browser.get("/units/01B1/00/live").text
        assert 'class="flash pending"' in browser.get("/units/01B1/00").text


class TestCommands:
    def test_a_form_posted_without_its_csrf_token_is_refused_and_sends_nothing(
        self,
        browser: TestClient,
        runtime: Runtime,
    ) -> None:
        sign_in(browser, "sup.a", KEYS["sup.a"])
        answer = browser.post("/units/01B1/00/commands/complete", data={"declaration_number": numbers(1)[0]})
        assert answer.status_code == 403
        assert commands_sent(runtime) == []

    def test_a_command_is_published_signed_as_the_supervisor_and_its_fate_is_said(
        self,
        browser: TestClient,
        runtime: Runtime,
    ) -> None:
        sign_in(browser, "sup.a", KEYS["sup.a"])
        token = csrf_of(browser.get("/units/01B1/00").text)
        answer = browser.post(
            "/units/01B1/00/commands/officer_absent",
            data={
                "csrf": token,
                "officer_id": "a2",
                "until": "02/06/2025 17:00",  # as the form asks in Vietnamese, in the office's time
                "redistribute": "on",
                "reason": "sick",
                "few_confirmed": "on",  # two of three left: fewer than three, and the supervisor knows
            },
        )
        assert (answer.status_code, answer.headers["location"]) == (303, "/units/01B1/00")
        said = "báo công chức a2 vắng mặt: đã gửi, chưa có trả lời sau 0,5 giây (worker có đang chạy không?)"
        assert said in browser.get("/units/01B1/00").text
        [(body, _)] = commands_sent(runtime)
        run_command(runtime, body)  # as the worker would: the page then says until when
        assert "vắng mặt đến 02/06/2025 17:00" in browser.get("/units/01B1/00").text
        assert (body["command"], body["issued_by"], body["officer_id"], body["reason"]) == (
            "officer_absent",
            "sup.a",
            "a2",
            "sick",
        )
        assert body["until"] == "2025-06-02T17:00:00+07:00" and body["redistribute"] is True
        assert body["units"] == [{"customs_office": "01B1", "department": "00"}]

    def test_a_command_for_another_unit_is_refused_before_anything_is_sent(
        self,
        browser: TestClient,
        runtime: Runtime,
    ) -> None:
        sign_in(browser, "sup.a", KEYS["sup.a"])
        token = csrf_of(browser.get("/").text)
        answer = browser.post(
            "/units/02CI/00/commands/complete", data={"csrf": token, "declaration_number": numbers(1, start=50)[0]}
        )
        assert answer.status_code == 403
        assert commands_sent(runtime) == []

    def test_an_invalid_form_is_said_and_sends_nothing(self, browser: TestClient, runtime: Runtime) -> None:
        sign_in(browser, "sup.a", KEYS["sup.a"])
        token = csrf_of(browser.get("/units/01B1/00").text)
        form = {"csrf": token, "declaration_number": "12", "to_officer_id": "a2", "reason_code": "workload"}
        browser.post("/units/01B1/00/commands/reassign", data=form)
        said = browser.get("/units/01B1/00").text
        assert re.search(
            r'class="flash rejected" role="status">lệnh chưa được gửi: .*is not a 12-digit declaration', said
        )
        assert commands_sent(runtime) == []

    def test_an_absence_leaving_fewer_eligible_than_the_settings_ask_is_sent_only_once_confirmed(
        self, browser: TestClient, runtime: Runtime
    ) -> None:
        sign_in(browser, "sup.a", KEYS["sup.a"])
        page = browser.get("/units/01B1/00").text
        assert "để lại ít công chức hơn: vẫn gửi dù khi đó chỉ còn dưới 3 công chức" in page
        form = {"csrf": csrf_of(page), "officer_id": "a2", "redistribute": "on"}
        browser.post("/units/01B1/00/commands/officer_absent", data=form)
        said = browser.get("/units/01B1/00").text
        assert "chưa gửi: nếu công chức a2 vắng mặt, đơn vị chỉ còn 2 công chức có thể nhận lượt, ít hơn 3" in said
        assert commands_sent(runtime) == []
        browser.post("/units/01B1/00/commands/officer_absent", data={**form, "few_confirmed": "on"})
        [(body, _)] = commands_sent(runtime)
        assert (body["command"], body["officer_id"]) == ("officer_absent", "a2") and "few_confirmed" not in body

    def test_a_reassignment_says_why_with_a_code_from_the_letter_and_other_needs_words(
        self, browser: TestClient, runtime: Runtime
    ) -> None:
        sign_in(browser, "sup.a", KEYS["sup.a"])
        page = browser.get("/units/01B1/00").text
        token = csrf_of(page)
        codes = re.findall(r'<option value="([a-z_]+)">', page.split('name="reason_code"', 1)[1].split("</select>")[0])
        assert codes == [code.value for code in ReasonCode]
        assert "xung đột lợi ích" in page and "lý do khác (ghi rõ)" in page
        form = {"csrf": token, "declaration_number": numbers(1)[0], "to_officer_id": "a2", "reason_code": "other"}
        browser.post("/units/01B1/00/commands/reassign", data=form)
        assert "reason_code other needs a reason" in browser.get("/units/01B1/00").text
        assert commands_sent(runtime) == []
        browser.post("/units/01B1/00/commands/reassign", data={**form, "reason_code": "conflict_of_interest"})
        [(body, _)] = commands_sent(runtime)
        assert (body["command"], body["reason_code"]) == ("reassign", "conflict_of_interest")

    def test_signing_out_ends_the_session(self, browser: TestClient) -> None:
        sign_in(browser, "sup.a", KEYS["sup.a"])
        token = csrf_of(browser.get("/").text)
        assert browser.post("/sign-out", data={"csrf": token}).status_code == 303
        assert browser.get("/").status_code == 303


def client_at(runtime: Runtime, address: str, app: object | None = None) -> TestClient:
    """A browser from `address`, on `app` (a new console of `runtime` when not given)."""
    return TestClient(
        app or create_console(runtime),
        base_url=HTTPS,
        follow_redirects=False,  # type: ignore[arg-type]
        client=(address, 50000),
    )


def alert_of(html: str) -> str:
    found = re.search(r'role="alert">([^<]*)<', html)
    assert found, "the page says no refusal"
    return found.group(1)


class TestSignInThrottle:
    def test_after_three_failures_each_attempt_waits_twice_as_long_and_a_right_key_waits_too(
        self,
        browser: TestClient,
        clock: Clock,
    ) -> None:
        for _ in range(3):
            assert sign_in(browser, "sup.a", "b" * 64).status_code == 401
        early = sign_in(browser, "sup.a", KEYS["sup.a"])  # not even checked
        assert (early.status_code, early.headers["retry-after"]) == (429, "2")
        assert "đăng nhập sai quá nhiều lần: hãy thử lại sau 2 giây" in early.text
        clock.advance(seconds=2)
        assert sign_in(browser, "sup.a", "b" * 64).status_code == 401
        assert sign_in(browser, "sup.a", "b" * 64).headers["retry-after"] == "4"
        clock.advance(seconds=4)
        assert sign_in(browser, "sup.a", KEYS["sup.a"]).status_code == 303

    def test_ten_failures_lock_the_account_for_fifteen_minutes_whichever_client_tries(
        self,
        runtime: Runtime,
        clock: Clock,
    ) -> None:
        app = create_console(runtime)
        for attempt in range(10):  # each from another address, each after the longest wait
            assert sign_in(client_at(runtime, f"10.0.0.{attempt}", app), "sup.a", "b" * 64).status_code == 401
            clock.advance(seconds=61)
        clock.advance(seconds=-61)
        locked = sign_in(client_at(runtime, "10.0.1.1", app), "sup.a", KEYS["sup.a"])
        assert (locked.status_code, locked.headers["retry-after"]) == (429, "900")
        assert "hãy thử lại sau 15 phút" in locked.text
        assert sign_in(client_at(runtime, "10.0.1.2", app), "sup.p", KEYS["sup.p"]).status_code == 303  # not sup.p
        clock.advance(minutes=15)
        assert sign_in(client_at(runtime, "10.0.1.3", app), "sup.a", KEYS["sup.a"]).status_code == 303

    def test_a_client_trying_many_accounts_waits_and_other_clients_do_not(self, runtime: Runtime) -> None:
        app = create_console(runtime)
        guesser = client_at(runtime, "192.0.2.7", app)
        for name in ("sup.x", "sup.y", "sup.z"):
            assert sign_in(guesser, name, "b" * 64).status_code == 401
        assert sign_in(guesser, "sup.w", "b" * 64).status_code == 429  # a new account, the same client
        assert sign_in(client_at(runtime, "192.0.2.8", app), "sup.a", KEYS["sup.a"]).status_code == 303

    def test_a_right_key_starts_the_accounts_count_afresh(self, runtime: Runtime) -> None:
        app = create_console(runtime)
        for _ in range(2):
            assert sign_in(client_at(runtime, "10.0.0.1", app), "sup.a", "b" * 64).status_code == 401
        assert sign_in(client_at(runtime, "10.0.0.2", app), "sup.a", KEYS["sup.a"]).status_code == 303
        for _ in range(3):  # 2 + 3 would have made the account wait
            assert sign_in(client_at(runtime, "10.0.0.3", app), "sup.a", "b" * 64).status_code == 401


class TestOneAnswerForEveryRefusal:
    def test_unknown_wrong_key_and_no_roster_read_the_same_and_the_log_says_which(
        self,
        runtime: Runtime,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        settings = Settings(**{**runtime.settings.model_dump(), "command_keys": {**KEYS, "x9": "1" * 64}})
        app = create_console(Runtime(settings, runtime.clock))
        tries = [("nobody", "n" * 64), ("sup.a", "b" * 64), ("x9", "1" * 64), ("sup.a", "")]
        answers = [
            sign_in(client_at(runtime, f"10.0.0.{i}", app), who, secret) for i, (who, secret) in enumerate(tries)
        ]
        assert {(answer.status_code, alert_of(answer.text)) for answer in answers} == {(401, VI.gettext(REFUSED))}
        logged = capsys.readouterr()
        for reason in ("on no roster and supervises no unit", "no command key, or a wrong one", "left empty"):
            assert reason in logged.out + logged.err

    def test_on_rabbitmq_the_broker_is_asked_only_about_an_officer_on_a_roster(
        self,
        runtime: Runtime,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        asked: list[str] = []

        def connect(settings: Settings) -> contextlib.nullcontext[None]:
            asked.append(str(settings.broker_url))
            return contextlib.nullcontext()

        def reach(connection: object, settings: Settings) -> None:
            if "right" not in asked[-1]:
                raise BrokerRefused("the login was refused")

        monkeypatch.setattr(console_sign_in, "connect", connect)
        monkeypatch.setattr(console_sign_in, "reach", reach)
        settings = Settings(**{**runtime.settings.model_dump(), "broker_url": "amqp://console:pw@127.0.0.1:1/"})
        app = create_console(Runtime(settings, runtime.clock))
        tries = [("nobody", "guess"), ("a1", "guess"), ("sup.a", "wrong")]
        answers = [
            sign_in(client_at(runtime, f"10.0.0.{i}", app), who, secret) for i, (who, secret) in enumerate(tries)
        ]
        assert {(answer.status_code, alert_of(answer.text)) for answer in answers} == {(401, VI.gettext(REFUSED))}
        assert [url.split("@")[0] for url in asked] == ["amqp://a1:guess", "amqp://sup.a:wrong"]  # nobody: none
        assert sign_in(client_at(runtime, "10.0.1.1", app), "sup.a", "right").status_code == 303


class TestCookies:
    def test_cookies_are_secure_by_default(self, browser: TestClient) -> None:
        form = browser.get("/sign-in")
        assert "Secure" in form.headers["set-cookie"]
        answer = browser.post(
            "/sign-in", data={"csrf": csrf_of(form.text), "officer_id": "sup.a", "secret": KEYS["sup.a"]}
        )
        session = [c for c in answer.headers.get_list("set-cookie") if c.startswith("assigner_session=")][0]
        assert "Secure" in session

    def test_the_setting_drops_secure_for_plain_http_on_loopback(self, runtime: Runtime) -> None:
        settings = Settings(**{**runtime.settings.model_dump(), "console_insecure_cookies": True})
        browser = TestClient(
            create_console(Runtime(settings, runtime.clock)), base_url="http://127.0.0.1:8080", follow_redirects=False
        )
        answer = sign_in(browser, "sup.a", KEYS["sup.a"])
        assert answer.status_code == 303 and "Secure" not in answer.headers["set-cookie"]
        assert browser.get("/").status_code == 200  # the session cookie comes back over plain HTTP

    def test_the_setting_is_refused_for_a_console_not_on_loopback(self, runtime: Runtime) -> None:
        settings = Settings(
            **{**runtime.settings.model_dump(), "console_insecure_cookies": True, "console_host": "0.0.0.0"}
        )
        with pytest.raises(InvalidInput, match="loopback"):
            create_console(Runtime(settings, runtime.clock))


class TestSessionLife:
    def test_a_supervisor_taken_off_the_roster_is_signed_out_within_a_minute(
        self,
        browser: TestClient,
        runtime: Runtime,
        clock: Clock,
    ) -> None:
        sign_in(browser, "sup.a", KEYS["sup.a"])
        load_roster(runtime, roster(AIRPORT, "a1", "a2", "a3", supervisors=("sup.b",)))
        clock.advance(seconds=59)
        assert browser.get("/").status_code == 200  # units read a minute ago at most are trusted
        clock.advance(seconds=1)
        assert browser.get("/units/01B1/00/live").status_code == 401
        answer = browser.get("/units/01B1/00")
        assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in")

    def test_a_unit_taken_away_is_refused_and_one_given_is_shown_after_the_next_check(
        self,
        browser: TestClient,
        runtime: Runtime,
        clock: Clock,
    ) -> None:
        sign_in(browser, "sup.a", KEYS["sup.a"])
        load_roster(runtime, roster(PORT, "p1", "p2", supervisors=("sup.p", "sup.a")))
        load_roster(runtime, roster(AIRPORT, "a1", "a2", "a3", supervisors=("sup.b",)))
        clock.advance(minutes=1)
        assert browser.get("/units/01B1/00").status_code == 403
        assert browser.get("/units/02CI/00").status_code == 200

    def test_a_session_idle_for_its_idle_minutes_ends_and_a_pages_own_refetches_do_not_keep_it(
        self,
        browser: TestClient,
        clock: Clock,
    ) -> None:
        sign_in(browser, "sup.a", KEYS["sup.a"])
        clock.advance(minutes=29)
        assert browser.get("/").status_code == 200
        clock.advance(minutes=29)
        assert browser.get("/").status_code == 200  # each request of the supervisor's starts the idle time again
        clock.advance(minutes=15)
        assert browser.get("/units/01B1/00/live").status_code == 200  # the page refetching itself
        clock.advance(minutes=15)
        assert browser.get("/units/01B1/00/live").status_code == 401
        assert browser.get("/").status_code == 303

    def test_a_session_ends_at_its_absolute_expiry_however_active(self, runtime: Runtime, clock: Clock) -> None:
        settings = Settings(**{**runtime.settings.model_dump(), "console_session_minutes": 60})
        browser = TestClient(create_console(Runtime(settings, clock)), base_url=HTTPS, follow_redirects=False)
        sign_in(browser, "sup.a", KEYS["sup.a"])
        for _ in range(2):
            clock.advance(minutes=25)
            assert browser.get("/").status_code == 200
        clock.advance(minutes=10)
        assert browser.get("/").status_code == 303

    def test_the_session_store_keeps_at_most_its_maximum_and_ends_the_oldest(self, runtime: Runtime) -> None:
        settings = Settings(**{**runtime.settings.model_dump(), "console_max_sessions": 2})
        app = create_console(Runtime(settings, runtime.clock))
        browsers = [client_at(runtime, f"10.0.0.{i}", app) for i in range(3)]
        for browser in browsers:
            assert sign_in(browser, "sup.a", KEYS["sup.a"]).status_code == 303
        assert [browser.get("/").status_code for browser in browsers] == [303, 200, 200]
        assert len(app.state.sessions) == 2


ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}
# Words of the English pages a Vietnamese page must not show (outside its data: ids, names, numbers).
ENGLISH_WORDS = (
    "Sign in",
    "Sign out",
    "signed in as",
    "Your units",
    "Unit",
    "Today",
    "Declaration",
    "declaration",
    "officer",
    "Officer id",
    "Reassign",
    "Reason",
    "Adjust",
    "Held",
    "held",
    "Nothing",
    "Open",
    "Latest decisions",
    "automatic",
    "by hand",
    "after hours",
    "spread",
    "until",
    "absent",
    "assigned",
    "accepted",
    "rejected",
    "sent",
    "turn",
    "cursor",
    "skipped",
    "with",
    "next",
    "Complete",
    "Mark absent",
    "Bring back",
    "Group",
    "Key",
    "To",
    "active",
    "no answer",
    "rotation",
    "you do not",
    "supervise",
    "system",
)


def command(name: str, **fields: object) -> dict[str, object]:
    """A command of sup.a's, as the worker receives it (a reassignment's reason_code workload unless given)."""
    if name in ("reassign", "reassign_group"):
        fields = {"reason_code": "workload", **fields}
    return command_payload(name, "sup.a", NOW, **fields)


class Unlisted(gettext.NullTranslations):
    """A catalog's fallback that notes each message the catalog did not have."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def gettext(self, message: str) -> str:
        self.asked.append(message)
        return message

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        self.asked.append(msgid1)
        return msgid1 if n == 1 else msgid2


def shown_text(html: str) -> str:
    """What a reader sees of a page: the text between its tags and the attributes shown or read aloud."""
    attributes = re.findall(r'\b(?:placeholder|title|alt|aria-label)="([^"]*)"', html)
    return " ".join([re.sub(r"<[^>]*>", " ", re.sub(r"<script.*?</script>", "", html, flags=re.S)), *attributes])


class TestLanguage:
    def test_the_pages_are_vietnamese_when_the_browser_asks_for_nothing(self, browser: TestClient) -> None:
        answer = browser.get("/sign-in")
        assert answer.headers["content-language"] == "vi"
        page = answer.text
        assert '<html lang="vi">' in page and "<h1>Đăng nhập</h1>" in page and "Mã công chức" in page

    def test_the_browsers_accept_language_picks_english_and_a_language_it_cannot_have_gives_vietnamese(
        self, browser: TestClient
    ) -> None:
        page = browser.get("/sign-in", headers={"Accept-Language": "fr;q=1, en-GB;q=0.8, vi;q=0.5"}).text
        assert '<html lang="en">' in page and "<h1>Sign in</h1>" in page and "Officer id" in page
        assert '<html lang="vi">' in browser.get("/sign-in", headers={"Accept-Language": "de, fr;q=0.5"}).text
        assert '<html lang="vi">' in browser.get("/sign-in", headers={"Accept-Language": "en;q=0, vi"}).text

    def test_the_switch_overrides_accept_language_and_its_cookie_keeps_the_choice(self, browser: TestClient) -> None:
        switched = browser.get("/sign-in?lang=vi", headers=ENGLISH)
        assert '<html lang="vi">' in switched.text
        [cookie] = [c for c in switched.headers.get_list("set-cookie") if c.startswith("assigner_lang=")]
        assert cookie.startswith("assigner_lang=vi;") and "SameSite=strict" in cookie and "HttpOnly" in cookie
        assert '<html lang="vi">' in browser.get("/sign-in", headers=ENGLISH).text  # the cookie, not the header
        assert '<html lang="en">' in browser.get("/sign-in?lang=en").text
        assert '<html lang="en">' in browser.get("/sign-in").text

    def test_a_switch_to_a_language_the_console_lacks_changes_nothing(self, browser: TestClient) -> None:
        answer = browser.get("/sign-in?lang=fr", headers=ENGLISH)
        assert '<html lang="en">' in answer.text
        assert not [c for c in answer.headers.get_list("set-cookie") if c.startswith("assigner_lang=")]

    def test_every_page_offers_the_switch_and_it_keeps_the_page(self, browser: TestClient) -> None:
        sign_in(browser, "sup.a", KEYS["sup.a"])
        for path in ("/", "/units/01B1/00", f"/declarations/{numbers(1)[0]}"):
            page = browser.get(path).text
            assert 'href="?lang=vi"' in page and 'href="?lang=en"' in page
            english = browser.get(f"{path}?lang=en")
            assert english.status_code == 200 and '<html lang="en">' in english.text
            browser.get(f"{path}?lang=vi")

    def test_a_unit_page_writes_its_day_times_and_numbers_the_readers_way(
        self, browser: TestClient, runtime: Runtime
    ) -> None:
        run_command(runtime, command("reassign", declaration_number=numbers(3)[0], to_officer_id="a3"))
        sign_in(browser, "sup.a", KEYS["sup.a"])
        page = browser.get("/units/01B1/00").text
        assert "Hôm nay, 02/06/2025 (Asia/Ho_Chi_Minh)" in page
        by_hand = '<dt>thủ công</dt><dd>1 (33,3%) <strong class="late">vượt mức chuẩn 15,4%</strong>'
        assert by_hand + " · cân đối khối lượng công việc 1</dd>" in page  # 1 of 3 by hand, over the baseline
        assert "<td>02/06/2025 10:00:00</td>" in page  # 03:00 UTC, in Hanoi's time
        english = browser.get("/units/01B1/00?lang=en").text
        assert "Today, 2 Jun 2025 (Asia/Ho_Chi_Minh)" in english
        assert "<dt>by hand</dt><dd>1 (33.3%) <strong" in english and "<td>2 Jun 2025 10:00:00</td>" in english
        assert "over the 15.4% baseline</strong> · workload 1</dd>" in english

    def test_the_absence_form_asks_for_a_date_the_readers_way(self, browser: TestClient) -> None:
        sign_in(browser, "sup.a", KEYS["sup.a"])
        assert 'name="until" placeholder="dd/mm/yyyy hh:mm"' in browser.get("/units/01B1/00").text
        assert 'name="until" placeholder="yyyy-mm-dd hh:mm"' in browser.get("/units/01B1/00?lang=en").text
        assert 'type="datetime-local"' not in browser.get("/units/01B1/00").text

    @pytest.mark.parametrize(
        ("lang", "typed", "said"),
        [
            ("vi", "31/02/2025 17:00", "vắng mặt đến: “31/02/2025 17:00” không phải là ngày giờ viết theo dạng "),
            ("en", "06/02/2025 17:00", "until: “06/02/2025 17:00” is not a date and time written yyyy-mm-dd hh:mm"),
        ],
    )
    def test_a_date_the_absence_form_cannot_read_is_said_and_sends_nothing(
        self, browser: TestClient, runtime: Runtime, lang: str, typed: str, said: str
    ) -> None:
        sign_in(browser, "sup.a", KEYS["sup.a"])
        token = csrf_of(browser.get(f"/units/01B1/00?lang={lang}").text)
        answer = browser.post(
            "/units/01B1/00/commands/officer_absent", data={"csrf": token, "officer_id": "a2", "until": typed}
        )
        assert (answer.status_code, answer.headers["location"]) == (303, "/units/01B1/00")
        assert re.search(
            rf'class="flash rejected" role="status">{re.escape(said)}', browser.get(answer.headers["location"]).text
        )
        assert commands_sent(runtime) == []

    def test_concurrent_readers_each_get_their_own_language(self, browser: TestClient, runtime: Runtime) -> None:
        sign_in(browser, "sup.a", KEYS["sup.a"])
        cookie = browser.cookies.get("assigner_session")
        wanted = ["vi", "en"] * 10

        async def read_all() -> list[str]:
            transport = httpx.ASGITransport(app=browser.app)  # type: ignore[arg-type]
            async with httpx.AsyncClient(transport=transport, base_url=HTTPS) as client:

                async def read(lang: str) -> str:
                    headers = {"Accept-Language": lang, "Cookie": f"assigner_session={cookie}"}
                    return (await client.get("/units/01B1/00", headers=headers)).text

                return list(await asyncio.gather(*(read(lang) for lang in wanted)))

        pages = asyncio.run(read_all())  # each page reads the database off the event loop: they interleave
        headings = {"vi": "<h1>Đơn vị 01B1/00</h1>", "en": "<h1>Unit 01B1/00</h1>"}
        assert [f'<html lang="{lang}">' in page and headings[lang] in page for lang, page in zip(wanted, pages)] == [
            True
        ] * len(wanted)

    def test_a_refusal_shown_as_text_is_in_the_readers_language(self, browser: TestClient) -> None:
        sign_in(browser, "sup.a", KEYS["sup.a"])
        assert browser.get("/units/02CI/00").text == "bạn không phụ trách đơn vị này"
        assert browser.get("/units/02CI/00?lang=en").text == "you do not supervise this unit"
        missing = browser.get(f"/declarations/{numbers(1, start=50)[0]}").text
        assert missing == f"no declaration {numbers(1, start=50)[0]} in your units"  # English is kept now

    def test_the_vietnamese_pages_show_no_english_word_of_the_english_pages_and_ask_for_no_message_the_catalog_lacks(
        self, browser: TestClient, runtime: Runtime
    ) -> None:
        lacking = Unlisted()
        browser.app.state.languages["vi"].translations.add_fallback(lacking)  # type: ignore[attr-defined]
        assign_declarations(
            runtime.unit_of_work(),
            [declaration(numbers(1, start=70)[0], Unit("01B1", "07"))],
            runtime.clock,
            runtime.policy,
        )
        load_roster(runtime, roster(Unit("01B1", "07"), "b1", supervisors=("sup.a",)))  # held, then released
        run_command(runtime, command("reassign", declaration_number=numbers(3)[0], to_officer_id="a3"))
        until = (NOW + timedelta(hours=8)).isoformat()
        run_command(runtime, command("officer_absent", officer_id="a2", until=until, redistribute=True))
        english_pages = [shown_text(browser.get("/sign-in", headers=ENGLISH).text)]
        vietnamese_pages = [shown_text(browser.get("/sign-in").text)]
        sign_in(browser, "sup.a", KEYS["sup.a"])
        token = csrf_of(browser.get("/").text)
        browser.post("/units/01B1/00/commands/complete", data={"csrf": token, "declaration_number": numbers(3)[2]})
        for path in ("/", "/units/01B1/00", "/units/01B1/07", f"/declarations/{numbers(3)[0]}", "/units/02CI/00"):
            vietnamese_pages.append(shown_text(browser.get(path).text))
            english_pages.append(shown_text(browser.get(path, headers=ENGLISH).text))
        assert "hoàn thành tờ khai" in vietnamese_pages[1]  # the command's message, on the next whole page

        def english_words(page: str) -> list[str]:
            for value in ("Officer a1", "Officer a2", "Officer a3", "Officer b1", "Asia/Ho_Chi_Minh"):  # data
                page = page.replace(value, "")
            return [word for word in ENGLISH_WORDS if re.search(rf"\b{word}\b", page)]

        assert [english_words(page) for page in vietnamese_pages] == [[]] * len(vietnamese_pages)
        assert lacking.asked == []  # e.g. an f-string given to gettext: extracted as nothing, never translated
        assert all(english_words(page) for page in english_pages)  # the same check finds them on English pages
