"""The supervisor of a worker's processes, with stand-in children: stopped by a signal, or giving up on a child
that cannot start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from assigner.bootstrap import Runtime
from assigner.settings import Settings
from workers.supervisor import FAILING_STARTS, METRICS_PREFIX, Supervisor, cgroup_quota, forget_dead_metrics

pytestmark = pytest.mark.slow  # OS processes of its own


def supervisor(tmp_path: Path, code: str, count: int = 2) -> Supervisor:
    """A supervisor whose children run `code` (restarted after 10 ms instead of 1 s)."""
    runtime = Runtime(Settings(home=tmp_path, log_format="json"))
    made = Supervisor(runtime, count, None, "INFO", None)
    for child in made.children:
        child.command = [sys.executable, "-c", code]
        child.pause = 0.01
    return made


class TestSupervisor:
    def test_a_child_that_keeps_dying_young_stops_them_all_and_the_supervisor_exits_1(self, tmp_path: Path) -> None:
        made = supervisor(tmp_path, "import sys; sys.exit(3)")
        assert made.run() == 1
        assert made.failing is not None and made.failing.young_deaths == FAILING_STARTS
        assert not any(child.running() for child in made.children)

    def test_sigterm_stops_every_child_and_the_supervisor_exits_0(self, tmp_path: Path) -> None:
        made = supervisor(tmp_path, "import time; time.sleep(120)")
        threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM)).start()
        assert made.run() == 0
        codes = [child.process.returncode for child in made.children if child.process]
        assert codes == [-signal.SIGTERM, -signal.SIGTERM]  # each was sent SIGTERM, none restarted
        assert all(child.young_deaths == 0 for child in made.children)


class TestQuota:
    @pytest.mark.parametrize(
        ("text", "cpus"), [("max 100000\n", None), ("150000 100000\n", 2), ("50000 100000", 1), ("", None)]
    )
    def test_a_cgroup_quota_in_cpus_rounded_up(self, tmp_path: Path, text: str, cpus: int | None) -> None:
        path = tmp_path / "cpu.max"
        path.write_text(text)
        assert cgroup_quota(path) == cpus

    def test_no_cgroup_file_no_quota(self, tmp_path: Path) -> None:
        assert cgroup_quota(tmp_path / "absent") is None


class TestMetricsFolders:
    def test_the_folders_of_supervisors_no_longer_running_are_removed_and_no_other(self, tmp_path: Path) -> None:
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        gone = tmp_path / f"{METRICS_PREFIX}{dead.stdout.strip()}-abc"
        mine = tmp_path / f"{METRICS_PREFIX}{os.getpid()}-def"
        other = tmp_path / "assigner-metrics-notapid-x"
        for folder in (gone, mine, other):
            folder.mkdir()
            (folder / "counter_1.db").write_bytes(b"")
        forget_dead_metrics(tmp_path)
        assert not gone.exists() and mine.exists() and other.exists()
