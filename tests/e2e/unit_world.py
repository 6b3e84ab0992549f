"""A unit as its leader's page shows it, for the browser tests that need no worker: an embedded home with a
frozen clock (Monday 10:00 in Hanoi) and the console served by a thread of the test's own process."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvicorn
from e2e.support import free_port
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

NOW = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)  # Monday, 10:00 in Hanoi
AIRPORT, NOBODY = Unit("01B1", "00"), Unit("01B1", "07")
TIMEOUT = 30.0


def registered(hour: int, minute: int) -> str:
    """A registration time on the test's Monday, in Hanoi: due two working hours later."""
    return datetime(2025, 6, 2, hour, minute, tzinfo=HANOI).isoformat()


def leaders_unit(home: Path) -> Runtime:
    """An embedded home at 10:00: 01B1/00 (a1, a2, a3; supervisor sup.a) with three overdue, two due within 30
    minutes and 55 later (two pages of open work), a container group, a reassignment and a2 absent; 01B1/07,
    nobody rostered, holds two."""
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'assigner.db'}", broker_url=None)
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
        (
            "reassign",
            {
                "declaration_number": numbers(1)[0],
                "to_officer_id": "a3",
                "reason": "training",
                "reason_code": "workload",
            },
        ),
        ("officer_absent", {"officer_id": "a2", "until": until, "redistribute": False}),
    ):
        body = command_payload(name, "sup.a", NOW, **fields)
        result = carry_out(
            runtime.unit_of_work(), parse_command(body), "sup.a", body, runtime.clock, runtime.policy, timedelta(1)
        )
        assert result.accepted, result.rejected_because
    return runtime


@contextmanager
def served(runtime: Runtime, welcome: dict[str, str]) -> Iterator[str]:
    """The console over `runtime` on a free port of 127.0.0.1, served by a thread; `welcome`'s one-time links
    sign their officers in. Yields its URL."""
    settings = runtime.settings.model_copy(update={"console_insecure_cookies": True, "console_host": "127.0.0.1"})
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
