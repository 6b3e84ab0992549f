"""What a browser test of the console needs: `assigner console` in a process of its own, a headless Chromium
(Debian's, driven by Playwright), and the screenshots README shows (the approach of test_console_browser.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from e2e.support import free_port, process_env, worker_env

CHROMIUM = os.environ.get("ASSIGNER_TEST_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = os.environ.get("ASSIGNER_TEST_SCREENSHOTS")  # a folder: the main pages are saved there as PNG
BROWSER_LOCALES = {"vi": "vi-VN", "en": "en-US"}  # what each browser asks for (Accept-Language)
SHOT = {"vi": "", "en": ".en"}  # the screenshots' names: README shows the default language's
TIMEOUT = 60.0  # liveness only


@contextmanager
def console_process(database_url: str, home: Path, rabbitmq_url: str, logs: Path) -> Iterator[str]:
    """`assigner console` on a free port, answers awaited up to 30 s; yields its URL once it answers."""
    port = free_port()
    # Plain HTTP on loopback, as the demo serves it: the cookies cannot be Secure there.
    env = process_env(
        {
            **worker_env(database_url, home, rabbitmq_url),
            "ASSIGNER_CONSOLE_ANSWER_SECONDS": "30",
            "ASSIGNER_CONSOLE_INSECURE_COOKIES": "true",
        }
    )
    log_path = logs / "console.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "assigner", "console", "--port", str(port)], env=env, stdout=log, stderr=log
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_it_answers(process, url, log_path)
            yield url
        finally:
            process.terminate()
            process.wait(TIMEOUT)


def _wait_until_it_answers(process: subprocess.Popen[bytes], url: str, log_path: Path) -> None:
    deadline = time.monotonic() + TIMEOUT
    while True:
        assert process.poll() is None, log_path.read_text()
        try:
            urllib.request.urlopen(f"{url}/sign-in", timeout=1).close()
            return
        except OSError:
            assert time.monotonic() < deadline, "the console did not start"
            time.sleep(0.2)


@contextmanager
def headless_chromium() -> Iterator[object]:
    """Debian's Chromium, headless; the test is skipped where there is none (failed on CI)."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's chromium (.ci/run does)")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def shoot(page: object, name: str) -> None:
    """Save the whole page as `name`.png in ASSIGNER_TEST_SCREENSHOTS, if set."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def sign_in(page: object, url: str, user: str, password: str) -> None:
    """Fill and send the sign-in form."""
    page.goto(f"{url}/sign-in")  # type: ignore[attr-defined]
    page.fill("input[name=officer_id]", user)  # type: ignore[attr-defined]
    page.fill("input[name=secret]", password)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]


def quoted(text: str) -> str:
    """`text` inside a Playwright :text('...') selector."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
