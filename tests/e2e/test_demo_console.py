"""`assigner demo --console`: after the stream, the demo's console and worker stay up, and a one-time link
signs a newcomer in as the demo's supervisor, who can reassign a declaration from the page."""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx2 as httpx
import pytest
from e2e.embedded import embedded_env
from e2e.support import free_port, process_env

TIMEOUT = 120.0  # liveness only


class Output:
    """A process's output lines, read by a thread of their own (a pipe's buffer must not hide a line)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)

    def until(self, pattern: str) -> re.Match[str]:
        """The first line from now on matching `pattern`; fails if none comes in time."""
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                assert self.process.poll() is None or not self.lines.empty(), "".join(self.seen)
                continue
            self.seen.append(line)
            found = re.search(pattern, line)
            if found:
                return found
        raise AssertionError(f"no line matching {pattern!r} within {TIMEOUT} s:\n{''.join(self.seen)}")


@pytest.mark.slow
def test_the_demo_leaves_its_console_up_and_a_newcomer_reassigns_a_declaration_from_it(tmp_path: Path) -> None:
    port = free_port()
    env = process_env(embedded_env(tmp_path / "unused", "unused"))
    demo = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "assigner",
            "demo",
            "--home",
            str(tmp_path / "demo"),
            "--console",
            "--console-port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = Output(demo)
        link = output.until(r"console: (http://127\.0\.0\.1:\d+/welcome/\S+)").group(1)
        with httpx.Client(follow_redirects=True, timeout=60) as browser:
            deadline = time.monotonic() + TIMEOUT
            while True:  # the link is printed as the server starts listening
                try:
                    browser.get(f"http://127.0.0.1:{port}/sign-in")
                    break
                except httpx.ConnectError:
                    assert time.monotonic() < deadline and demo.poll() is None, "".join(output.seen)
                    time.sleep(0.1)
            units = browser.get(link)
            # Vietnamese: the browser asks for no language
            assert units.status_code == 200 and "đăng nhập: <strong>sup.01b1</strong>" in units.text
            assert "Đơn vị 01B1/01" in units.text and "Đơn vị 02CI/01" not in units.text
            assert browser.get(link).status_code == 404  # once only
            page = browser.get(f"http://127.0.0.1:{port}/units/01B1/01").text
            number = re.search(r'href="/declarations/(\d{12})"', page).group(1)  # type: ignore[union-attr]
            token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
            after = browser.post(
                f"http://127.0.0.1:{port}/units/01B1/01/commands/reassign",
                data={
                    "csrf": token,
                    "declaration_number": number,
                    "to_officer_id": "off.0104",
                    "reason_code": "workload",
                },
            )
            assert f"phân công lại tờ khai {number}: đã được chấp nhận" in after.text
            history = browser.get(f"http://127.0.0.1:{port}/declarations/{number}").text
            assert "đã phân công lại" in history and "sup.01b1" in history
        demo.send_signal(signal.SIGINT)
        output.until(r"worker stopped \(exit 0\)")
        assert demo.wait(TIMEOUT) == 0
    finally:
        if demo.poll() is None:
            demo.kill()
