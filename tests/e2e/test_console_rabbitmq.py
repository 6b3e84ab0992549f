"""The console against a real worker on RabbitMQ and PostgreSQL: a supervisor signs in with their RabbitMQ
user, watches the rotation move, and adjusts it; the worker answers within seconds.

The console runs in this process (Starlette's test client speaks HTTP to it); the worker is a process of
its own, as deployed. (A browser drives the same pages in later tests.)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
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
from starlette.testclient import TestClient

from assigner.bootstrap import Runtime
from assigner.console.app import create_console
from assigner.domain.model import Unit
from assigner.settings import Settings

AIRPORT = Unit("01B1", "00")
PORT = Unit("02CI", "01")


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


@pytest.fixture
def browser(database_url: str, home: Path, rabbitmq_url: str) -> TestClient:
    """The console on the same database and broker, answers awaited up to 30 s (liveness only), read in English
    (the browser asks for it; Vietnamese, the default, is the integration tests' and the browser tests')."""
    settings = Settings(database_url=database_url, home=home, broker_url=rabbitmq_url, console_answer_seconds=30)
    # https: the console's cookies are Secure, so a client sends them back over HTTPS only
    return TestClient(
        create_console(Runtime(settings).ready()),
        base_url="https://testserver",
        follow_redirects=False,
        headers={"Accept-Language": "en"},
    )


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(browser: TestClient, user: str, password: str) -> int:
    token = csrf_of(browser.get("/sign-in").text)
    return browser.post("/sign-in", data={"csrf": token, "officer_id": user, "secret": password}).status_code


def open_counts(page: str) -> dict[str, int]:
    """Each checker's open declarations, as the roster table shows them."""
    rows = re.findall(r"<td>\d+</td><td>(\w+)</td><td>[^<]*</td><td>[^<]*</td>\s*<td>(\d+)</td>", page)
    return {officer: int(count) for officer, count in rows}


@pytest.mark.slow
class TestConsoleOnRabbitMQ:
    def test_a_supervisor_signs_in_with_their_broker_user_and_a_wrong_password_is_refused(
        self,
        worker: WorkerProcess,
        browser: TestClient,
        supervisor_users: dict[str, BrokerUser],
    ) -> None:
        user = supervisor_users["a"]
        assert sign_in(browser, user.name, "wrong") == 401
        assert browser.get("/").status_code == 303
        assert sign_in(browser, user.name, user.password) == 303
        page = browser.get("/").text
        assert "Unit 01B1/00" in page and "Unit 02CI/01" not in page
        assert browser.get("/units/02CI/01").status_code == 403

    def test_the_rotation_moves_as_declarations_arrive_and_a_reassignment_and_an_absence_are_answered(
        self,
        worker: WorkerProcess,
        browser: TestClient,
        supervisor_users: dict[str, BrokerUser],
        upstream: Upstream,
        events: EventCollector,
        database_url: str,
    ) -> None:
        user = supervisor_users["a"]
        assert sign_in(browser, user.name, user.password) == 303
        stream = numbers(5, start=8000)
        upstream.send_all([message(n, AIRPORT) for n in stream])
        events.wait_for_declarations(stream, worker=worker)
        page = browser.get("/units/01B1/00").text
        assert open_counts(page) == {"a1": 2, "a2": 2, "a3": 1}
        assert re.search(r'<tr class="active next">\s*<td>3</td><td>a3</td>', page)  # a3's turn is next

        token = csrf_of(page)
        browser.post(
            "/units/01B1/00/commands/reassign",
            data={
                "csrf": token,
                "declaration_number": stream[0],
                "to_officer_id": "a3",
                "reason": "load",
                "reason_code": "workload",
            },
        )
        page = browser.get("/units/01B1/00").text
        assert f"reassign {stream[0]}: accepted" in page
        assert open_counts(page) == {"a1": 1, "a2": 2, "a3": 2}
        assert holders(database_url)[stream[0]] == ("assigned", "a3")

        browser.post(
            "/units/01B1/00/commands/officer_absent",
            data={"csrf": token, "officer_id": "a2", "redistribute": "on", "reason": "sick", "few_confirmed": "on"},
        )
        page = browser.get("/units/01B1/00").text
        assert "officer absent a2: accepted" in page
        assert open_counts(page) == {"a1": 2, "a2": 0, "a3": 3}  # a2's two handed on by rotation
        assert re.search(
            r'<tr class="absent">\s*<td>2</td><td>a2</td><td>[^<]*</td><td>absent until brought back</td>', page
        )

        history = browser.get(f"/declarations/{stream[0]}").text
        assert "reassigned" in history and user.name in history and "load" in history

    def test_a_command_the_worker_refuses_is_shown_with_its_reason(
        self,
        worker: WorkerProcess,
        browser: TestClient,
        supervisor_users: dict[str, BrokerUser],
    ) -> None:
        user = supervisor_users["a"]
        assert sign_in(browser, user.name, user.password) == 303
        token = csrf_of(browser.get("/units/01B1/00").text)
        unknown = numbers(1, start=9900)[0]
        browser.post("/units/01B1/00/commands/complete", data={"csrf": token, "declaration_number": unknown})
        assert f"complete {unknown}: rejected: declaration {unknown} is not known" in browser.get("/units/01B1/00").text
        vietnamese = {"Accept-Language": "vi"}  # the worker's reason as it comes, in a Vietnamese sentence
        browser.post(
            "/units/01B1/00/commands/complete", data={"csrf": token, "declaration_number": unknown}, headers=vietnamese
        )
        said = f"hoàn thành tờ khai {unknown}: bị từ chối: declaration {unknown} is not known"
        assert said in browser.get("/units/01B1/00", headers=vietnamese).text
