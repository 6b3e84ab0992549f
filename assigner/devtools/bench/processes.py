"""A bench worker's processes and their peak memory, from /proc (Linux): a worker may be a parent that supervises
one consumer process per CPU, so its memory is judged per process, not as one figure for the tree."""

from __future__ import annotations

from pathlib import Path

PROC = Path("/proc")


def process_tree(root: int) -> list[int]:
    """`root` and every process descended from it that is alive now, root first."""
    children: dict[int, list[int]] = {}
    for pid, parent in _parents():
        children.setdefault(parent, []).append(pid)
    tree, pending = [], [root]
    while pending:
        pid = pending.pop(0)
        tree.append(pid)
        pending.extend(sorted(children.get(pid, [])))
    return tree


def peak_rss_mib(pid: int) -> float | None:
    """The kernel's high-water mark of the process's resident memory (VmHWM), in MiB; None once it is gone."""
    try:
        status = (PROC / str(pid) / "status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def peak_rss_per_process(root: int) -> list[float]:
    """The peak RSS (MiB) of each process of `root`'s tree still alive."""
    found = []
    for pid in process_tree(root):
        peak = peak_rss_mib(pid)
        if peak is not None:
            found.append(peak)
    return found


def _parents() -> list[tuple[int, int]]:
    """(pid, parent pid) of every process; one that ends while being read is left out."""
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name, in parentheses, may hold spaces and parentheses: the fields after its last ')' are
        # state, then the parent's pid.
        fields = stat.rsplit(")", 1)[1].split()
        found.append((int(entry.name), int(fields[1])))
    return found
