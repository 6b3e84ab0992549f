"""The pipeline on the embedded default: no server at all, a worker process and `assigner publish` sharing files."""

from __future__ import annotations

import fcntl
import json
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e.embedded import TIMEOUT, assigner_ok, embedded_env, read_queue
from e2e.support import WorkerProcess, process_env
from integration.helpers import message, numbers
from sqlalchemy import func, select

from assigner.broker import topology
from assigner.schemas.event import EVENT
from assigner.storage.engine import make_engine
from assigner.storage.tables import AssignmentRow

EVENTS_QUEUE = "test.events"
ROSTER = "officer_id,name,customs_office,department,role\n" + "".join(
    f"o{i},Officer {i},01B1,00,checker\n" for i in range(1, 5)
)
MALFORMED = [b"<xml/>", b"[1, 2]", json.dumps({"declaration_number": "1"}).encode()]


def cli_env(home: Path) -> dict[str, str]:
    """The environment of a machine with no servers: only a home folder."""
    return process_env(embedded_env(home, EVENTS_QUEUE))


def assigner(home: Path, *args: str) -> str:
    return assigner_ok(cli_env(home), *args)


def start_worker(home: Path) -> WorkerProcess:
    """`assigner worker` in its own process, on the embedded broker in `home`, once consuming."""
    return WorkerProcess(cli_env(home), home / f"worker-{time.monotonic_ns()}.log").start(TIMEOUT)


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """A migrated home with a roster of four officers in 01B1/00."""
    assigner(tmp_path, "db", "upgrade")
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    assigner(tmp_path, "roster", "import", str(roster))
    yield tmp_path


def write_stream(path: Path, bodies: list[bytes]) -> Path:
    path.write_bytes(b"".join(body + b"\n" for body in bodies))
    return path


def in_flight(home: Path) -> list[Path]:
    """Message files workers fetched and have not acknowledged."""
    return list((home / "broker" / "inflight").glob("*/*.msg"))


def assignments_per_key(home: Path) -> Counter[str]:
    engine = make_engine(f"sqlite:///{home / 'assigner.db'}")
    with engine.connect() as connection:
        rows = connection.execute(
            select(AssignmentRow.declaration_key, func.count()).group_by(AssignmentRow.declaration_key)
        )
        counts = Counter({key: count for key, count in rows})
    engine.dispose()
    return counts


@pytest.mark.slow
class TestEmbeddedPipeline:
    def test_a_published_file_is_assigned_by_the_worker_and_malformed_lines_are_dead_lettered(self, home: Path) -> None:
        valid = [json.dumps(message(n)).encode() for n in numbers(40)]
        stream = write_stream(home / "stream.jsonl", valid[:20] + MALFORMED + valid[20:])
        worker = start_worker(home)
        assert "published 43 messages" in assigner(home, "publish", str(stream))
        events = [json.loads(m.body) for m in read_queue(home, EVENTS_QUEUE, 40, binding=True)]
        letters = read_queue(home, topology.DECLARATIONS_DLQ, 3)
        assert worker.terminate() == 0
        assert [EVENT.validate_python(e).event for e in events] == ["declaration.assigned"] * 40
        assert [e["officer_id"] for e in events] == [f"o{i % 4 + 1}" for i in range(40)]
        assert sorted(m.body for m in letters) == sorted(MALFORMED)
        assert all(m.headers[topology.ERROR_HEADER] for m in letters)
        assert worker.logged("worker.stopped")

    def test_a_worker_killed_mid_stream_loses_nothing_and_assigns_nothing_twice(self, home: Path) -> None:
        stream = write_stream(home / "stream.jsonl", [json.dumps(message(n)).encode() for n in numbers(3000)])
        assigner(home, "publish", str(stream))
        first = start_worker(home)
        deadline = time.monotonic() + TIMEOUT
        while len(assignments_per_key(home)) < 300 or not in_flight(home):  # killed holding unacked messages
            assert time.monotonic() < deadline
            time.sleep(0.005)
        first.kill()
        assert in_flight(home) and len(assignments_per_key(home)) < 3000
        second = start_worker(home)
        while len(assignments_per_key(home)) < 3000:
            assert time.monotonic() < deadline, f"{len(assignments_per_key(home))} of 3000 assigned"
            time.sleep(0.2)
        assert second.terminate() == 0
        assert second.logged("worker.restored_in_flight")
        assert set(assignments_per_key(home).values()) == {1}
        assert len(assignments_per_key(home)) == 3000


class TestDemo:
    def test_the_demo_runs_on_a_machine_with_no_servers_and_reads_like_the_pilot(self, tmp_path: Path) -> None:
        env = cli_env(tmp_path / "unused")
        env["ASSIGNER_DATABASE_URL"] = "postgresql+psycopg://nobody@127.0.0.1:9/none"  # the demo ignores these
        env["ASSIGNER_BROKER_URL"] = "amqp://nobody@127.0.0.1:9//"
        result = subprocess.run(
            [sys.executable, "-m", "assigner", "demo", "--home", str(tmp_path / "demo")],
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        assert result.returncode == 0, result.stderr
        out = result.stdout
        assert re.search(r"yellow, assigned\s+718 \(61 registered after working hours", out)
        assert re.search(r"held\s+2 \(unknown_department 2\)", out)
        assert re.search(r"dead-lettered\s+6 ", out)
        assert "worker stopped (exit 0)" in out
        turns: dict[str, list[int]] = {}
        grouped = 0
        for unit, by_turn, with_group in re.findall(  # the report's per-officer table: ... turns │ group │ share
            r"│ (\d{2}[A-Z0-9]{2}/\d{2}) │ off\.\S+\s+│ [^│]+│[^│]+│[^│]+│[^│]+│ +(\d+) +│ +(\d+) +│ [\d.]+% │", out
        ):
            turns.setdefault(unit, []).append(int(by_turn))
            grouped += int(with_group)
        assert sorted(turns) == ["01B1/01", "01B1/02", "02CI/01", "02CI/02"]
        assert sum(map(sum, turns.values())) + grouped == 718
        assert grouped > 0  # the stream's branch lots and shared containers stay together
        assert re.search(rf"kept with a group\s+{grouped} ", out)
        assert all(max(c) - min(c) <= 1 for c in turns.values())  # rule 2 is about turns
        # The report's total, like the pilot's: 720 yellow, 61 after hours, the 2 of an unknown department held.
        assert re.search(r"│ total +│ 1,400 +│ 720 +│ 140 +│ 720 +│ 718 +│ +\d+ +│ 0 \(0\.0%\) +│ 0 +│ 2 +│ 61 +│", out)

    def test_a_second_demo_in_the_same_folder_starts_clean_and_reads_the_same(self, tmp_path: Path) -> None:
        home = tmp_path / "demo"
        outputs = []
        for _ in range(2):
            result = subprocess.run(
                [sys.executable, "-m", "assigner", "demo", "--home", str(home)],
                env=cli_env(tmp_path / "unused"),
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
            )
            assert result.returncode == 0, result.stderr
            outputs.append(result.stdout)
        for out in outputs:
            assert re.search(r"yellow, assigned\s+718 \(61 registered after working hours", out)
            assert re.search(r"dead-lettered\s+6 ", out)

    def test_a_folder_in_use_by_another_demo_is_refused_in_one_line(self, tmp_path: Path) -> None:
        home = tmp_path / "demo"
        home.mkdir()
        with (home / ".assigner-demo.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # as a running demo holds it
            result = subprocess.run(
                [sys.executable, "-m", "assigner", "demo", "--home", str(home)],
                env=cli_env(tmp_path / "unused"),
                capture_output=True,
                text=True,
                timeout=60,
            )
        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == [
            f"error: {home} is in use by another assigner demo: wait for it, or give another --home"
        ]

    def test_a_folder_holding_other_files_is_refused_and_left_as_it_was(self, tmp_path: Path) -> None:
        home = tmp_path / "mine"
        home.mkdir()
        (home / "assigner.db").write_bytes(b"someone's real database")
        result = subprocess.run(
            [sys.executable, "-m", "assigner", "demo", "--home", str(home)],
            env=cli_env(tmp_path / "unused"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1
        assert "holds files that are not a demo's" in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert (home / "assigner.db").read_bytes() == b"someone's real database"
