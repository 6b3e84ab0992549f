"""The supervisors' console over HTTP, on the embedded broker and SQLite: sign-in, what each page shows and to
whom, the forms' CSRF tokens, and the commands it publishes (signed with the supervisor's key)."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from integration.conftest import FrozenClock as Clock
from integration.helpers import declaration, load_roster, numbers, roster
from kombu.entity import Queue
from kombu.messaging import Consumer
from starlette.testclient import TestClient

from assigner.bootstrap import Runtime
from assigner.broker import topology
from assigner.broker.command_keys import SIGNATURE_HEADER
from assigner.broker.connection import BrokerRefused, connect
from assigner.console import sign_in as console_sign_in
from assigner.console.app import create_console
from assigner.console.sign_in import REFUSED
from assigner.domain.authentication import is_signed_by
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
        assert answer.status_code == 401 and REFUSED in answer.text
        logged = capsys.readouterr()
        assert "console.sign_in_failed" in logged.out + logged.err
        assert browser.get("/").status_code == 303

    def test_an_officer_who_supervises_nothing_is_refused(self, runtime: Runtime) -> None:
        settings = Settings(**{**runtime.settings.model_dump(), "command_keys": {**KEYS, "a1": KEYS["sup.a"]}})
        browser = TestClient(create_console(Runtime(settings, runtime.clock)), base_url=HTTPS, follow_redirects=False)
        answer = sign_in(browser, "a1", "a" * 64)
        assert answer.status_code == 401 and REFUSED in answer.text

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
        assert "Unit 01B1/00" in page and "Unit 02CI/00" not in page
        next_row = re.search(r'<tr class="active next">(.*?)</tr>', page, re.S)
        assert next_row and "<td>a1</td>" in next_row.group(1)  # three assigned to a1, a2, a3: a1 is next again
        assert re.search(r"<dt>automatic</dt><dd>3</dd>", page)

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
        page = browser.get("/units/01B1/00").text
        for label, value in [
            ("checks in time", "1"),
            ("checks late", "1"),
            ("overdue now", "1"),
            ("median working hours to complete", "1.00"),  # 1 and 3 hours: the lower middle
            ("90th percentile working hours", "3.00"),
        ]:
            assert f"<dt>{label}</dt><dd>{value}</dd>" in page, label

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
        assert "with a2" in history and "assigned" in history and "from cursor" in history

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
        rows = re.findall(r"<tr><td>(\d)</td><td><a href=\"/declarations/(\d+)\">\d+</a></td>\s*<td>(\w+)</td>", page)
        assert [(position, number) for position, number, _ in rows] == [
            ("1", numbers(2, start=70)[0]),
            ("2", numbers(2, start=70)[1]),
        ]
        latest = browser.get("/units/01B1/00").text.split("Latest decisions")[1]
        assert latest.index(numbers(3)[2]) < latest.index(numbers(3)[0])  # newest first
        assert "skipped" not in latest and "(turn 3, from cursor 2)" in latest


class TestLiveParts:
    def test_a_pages_moving_part_is_a_fragment_refused_without_a_session_and_for_another_unit(
        self,
        browser: TestClient,
    ) -> None:
        assert browser.get("/units/01B1/00/live").status_code == 401  # not a redirect: the page keeps its part
        sign_in(browser, "sup.a", KEYS["sup.a"])
        part = browser.get("/units/01B1/00/live")
        assert part.status_code == 200 and "<html" not in part.text and 'class="roster"' in part.text
        assert "Latest decisions" in part.text
        summary = browser.get("/units/01B1/00/summary").text
        assert "Unit 01B1/00" in summary and "<html" not in summary
        assert browser.get("/units/02CI/00/live").status_code == 403

    def test_a_part_leaves_the_message_for_the_next_whole_page(self, browser: TestClient) -> None:
        sign_in(browser, "sup.a", KEYS["sup.a"])
        token = csrf_of(browser.get("/units/01B1/00").text)
        browser.post("/units/01B1/00/commands/complete", data={"csrf": token, "declaration_number": numbers(1)[0]})
        assert "no answer within" not in browser.get("/units/01B1/00/live").text
        assert "no answer within" in browser.get("/units/01B1/00").text


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
                "until": "2025-06-02T17:00",
                "redistribute": "on",
                "reason": "sick",
            },
        )
        assert (answer.status_code, answer.headers["location"]) == (303, "/units/01B1/00")
        assert "no answer within 0.5 s (is a worker running?)" in browser.get("/units/01B1/00").text
        [(body, _)] = commands_sent(runtime)
        run_command(runtime, body)  # as the worker would: the page then says until when
        assert "absent until 2025-06-02 17:00" in browser.get("/units/01B1/00").text
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
        browser.post(
            "/units/01B1/00/commands/reassign", data={"csrf": token, "declaration_number": "12", "to_officer_id": "a2"}
        )
        assert "is not a 12-digit declaration number" in browser.get("/units/01B1/00").text
        assert commands_sent(runtime) == []

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
        assert "too many failed sign-ins: try again in 2 s" in early.text
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
        assert "try again in 15 minutes" in locked.text
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
    def test_unknown_wrong_key_and_no_unit_read_the_same_and_the_log_says_which(
        self,
        runtime: Runtime,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        settings = Settings(**{**runtime.settings.model_dump(), "command_keys": {**KEYS, "a1": "1" * 64}})
        app = create_console(Runtime(settings, runtime.clock))
        tries = [("nobody", "n" * 64), ("sup.a", "b" * 64), ("a1", "1" * 64), ("sup.a", "")]
        answers = [
            sign_in(client_at(runtime, f"10.0.0.{i}", app), who, secret) for i, (who, secret) in enumerate(tries)
        ]
        assert {(answer.status_code, alert_of(answer.text)) for answer in answers} == {(401, REFUSED)}
        logged = capsys.readouterr()
        for reason in ("supervises no unit", "no command key, or a wrong one", "left empty"):
            assert reason in logged.out + logged.err

    def test_on_rabbitmq_the_broker_is_asked_only_about_a_supervisor(
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
        assert {(answer.status_code, alert_of(answer.text)) for answer in answers} == {(401, REFUSED)}
        assert [url.split("@")[0] for url in asked] == ["amqp://sup.a:wrong"]  # nobody and a1: no connection
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
