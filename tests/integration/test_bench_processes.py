"""A bench worker's process tree and each process's peak memory, read from /proc (Linux)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from assigner.devtools.bench.processes import peak_rss_mib, peak_rss_per_process, process_tree

pytestmark = pytest.mark.slow  # processes of its own
# A parent with two children that keeps running until killed; it says "ready" once both are started.
PARENT = """
import subprocess, sys, time
children = [subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) for _ in range(2)]
print("ready", *(child.pid for child in children), flush=True)
time.sleep(60)
"""


class TestProcessTree:
    def test_a_parent_and_its_children_each_with_its_own_peak(self) -> None:
        parent = subprocess.Popen(
            [sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True, start_new_session=True
        )
        try:
            assert parent.stdout is not None
            words = parent.stdout.readline().split()
            assert words[0] == "ready"
            children = [int(word) for word in words[1:]]
            assert process_tree(parent.pid) == [parent.pid, *sorted(children)]
            peaks = peak_rss_per_process(parent.pid)
            assert len(peaks) == 3 and all(0 < peak < 1024 for peak in peaks)
        finally:
            os.killpg(parent.pid, 9)
            parent.wait()

    def test_a_process_without_children_is_its_own_tree(self) -> None:
        assert process_tree(os.getpid())[0] == os.getpid()

    def test_a_process_gone_has_no_peak(self) -> None:
        gone = subprocess.Popen([sys.executable, "-c", "pass"])
        gone.wait()
        time.sleep(0.01)
        assert peak_rss_mib(gone.pid) is None
