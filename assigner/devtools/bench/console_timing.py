"""`assigner bench console`: the console's pages on a demo's data, timed in process (median of ROUNDS requests).

Run `assigner demo --home DIR` first; the pages are asked for as an officer (their own page) and as a supervisor
(the units page, a unit's page and their live parts), each signed in by a one-time link."""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

from assigner.bootstrap import Runtime
from assigner.console.app import create_console
from assigner.domain.errors import InvalidInput
from assigner.settings import Settings


def console_pages(home: Path, officer: str, supervisor: str, unit: str, rounds: int) -> dict[str, Any]:
    """Each page's median time, size and table rows, for `officer` and `supervisor` on the data in `home`."""
    try:
        from starlette.testclient import TestClient
    except ImportError as error:  # httpx: in the test extra
        raise InvalidInput("assigner bench console needs the test extra: pip install 'assigner[test]'") from error
    settings = Settings(home=home, console_insecure_cookies=True)
    if settings.missing_database():
        raise InvalidInput(f"no database in {home}: run `assigner demo --home {home}` first")
    runtime = Runtime(settings).ready()
    asked = {officer: ["/my-work", "/my-work/live"], supervisor: ["/", f"/units/{unit}", f"/units/{unit}/live"]}
    pages: list[dict[str, Any]] = []
    for who, paths in asked.items():
        with TestClient(create_console(runtime, welcome={"t": who}), base_url="http://127.0.0.1") as client:
            client.get("/welcome/t")
            for path in paths:
                pages.append({"as": who, **_timed(client, path, rounds)})
    runtime.engine.dispose()
    return {"home": str(home), "rounds": rounds, "pages": pages}


def _timed(client: Any, path: str, rounds: int) -> dict[str, Any]:
    answer = client.get(path)  # warm
    if answer.status_code != 200:
        raise InvalidInput(f"GET {path} answered {answer.status_code}: is the officer on a roster of the demo?")
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        answer = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
    return {
        "page": path,
        "median_ms": round(statistics.median(times), 1),
        "max_ms": round(max(times), 1),
        "kib": round(len(answer.content) / 1024, 1),
        "table_rows": answer.text.count("<tr"),
    }
