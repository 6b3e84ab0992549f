"""Supervisor commands on the embedded broker (no server: SQLite and message files in ASSIGNER_HOME).

The embedded broker vouches for nobody, so a command must carry an HMAC-SHA256 signature of its exact
body bytes with its supervisor's key (`x-assigner-signature: sha256=<hex>`). The tests send commands as
`assigner command ...` does, and forged ones as an attacker with access to the files would; they read
events and dead letters through kombu on the embedded broker, and the database directly.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from e2e.embedded import assigner_ok, embedded_env, read_queue
from e2e.support import WorkerProcess, audit_entries, execute, holders, query, run_assigner
from integration.helpers import message, numbers
from kombu.messaging import Producer

from assigner.broker import topology
from assigner.broker.command_keys import SIGNATURE_HEADER, new_key
from assigner.broker.connection import connect
from assigner.domain.authentication import sign
from assigner.schemas.event import EVENT
from assigner.settings import Settings

SUPERVISOR = "sup.e"
KEY = new_key()
EVENTS_QUEUE = "test.command-events"
ROSTER = (
    "officer_id,name,customs_office,department,role\n"
    + "".join(f"o{i},Officer {i},01B1,00,checker\n" for i in (1, 2, 3))
    + f"{SUPERVISOR},Supervisor E,01B1,00,supervisor\n"
)


def home_env(home: Path) -> dict[str, str]:
    """A machine with no servers: a home folder, the supervisor's key in ASSIGNER_COMMAND_KEYS, JSON logs."""
    return embedded_env(home, EVENTS_QUEUE, command_keys=json.dumps({SUPERVISOR: KEY}))


def assigner(home: Path, *args: str) -> str:
    """Run the CLI on the home; it must succeed; returns its output."""
    return assigner_ok(home_env(home), *args)


def read_events(home: Path, count: int) -> list[dict[str, Any]]:
    """The next `count` events, checked against the published schema."""
    events = [json.loads(m.body) for m in read_queue(home, EVENTS_QUEUE, count, binding=True)]
    for event in events:
        EVENT.validate_python(event)
    return events


def publish_command(home: Path, body: bytes, headers: dict[str, Any] | None = None) -> None:
    """Put a command message on the embedded broker as any process with access to the home folder can."""
    with connect(Settings(home=home, broker_url=None)) as connection:
        Producer(connection.default_channel).publish(
            body,
            exchange="",
            routing_key=topology.COMMANDS,
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=2,
            headers=headers or None,
        )


def reassign(number: str, to: str, **extra: Any) -> dict[str, Any]:
    """A reassign command by the supervisor, issued now."""
    return {
        "command_id": str(uuid.uuid4()),
        "command": "reassign",
        "issued_by": SUPERVISOR,
        "issued_at": datetime.now(UTC).isoformat(),
        "declaration_number": number,
        "to_officer_id": to,
        "reason_code": "workload",
        **extra,
    }


def encoded(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A migrated home (SQLite) with three checkers and a supervisor in 01B1/00."""
    home = tmp_path / "home"
    assigner(home, "db", "upgrade")
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    assigner(home, "roster", "import", str(roster))
    return home


@pytest.fixture
def worker(home: Path, tmp_path: Path) -> Iterator[WorkerProcess]:
    """`assigner worker` on the embedded broker, knowing the supervisor's key; killed at the end."""
    process = WorkerProcess(home_env(home), tmp_path / "worker.log").start()
    yield process
    process.kill()


@pytest.mark.slow
class TestSignedCommands:
    def test_a_signed_command_is_carried_out_and_forged_or_unsigned_ones_are_rejected_dead_lettered_and_change_nothing(
        self,
        home: Path,
        worker: WorkerProcess,
        tmp_path: Path,
    ) -> None:
        database_url = f"sqlite:///{home / 'assigner.db'}"
        stream = numbers(3, start=100)
        (tmp_path / "stream.jsonl").write_text("".join(json.dumps(message(n)) + "\n" for n in stream))
        assigner(home, "publish", str(tmp_path / "stream.jsonl"))
        assert [e["officer_id"] for e in read_events(home, 3)] == ["o1", "o2", "o3"]

        # 1. Through the CLI, which signs with the key of --by: carried out.
        out = assigner(
            home,
            "command",
            "reassign",
            stream[0],
            "--to",
            "o3",
            "--reason-code",
            "workload",
            "--by",
            SUPERVISOR,
            "--reason",
            "e2e",
        )
        command_id = out.split()[1]
        moved, accepted = read_events(home, 2)
        assert (moved["event"], moved["officer_id"], moved["previous_officer_id"]) == (
            "declaration.reassigned",
            "o3",
            "o1",
        )
        assert (moved["command_id"], moved["mode"], moved["reason"]) == (command_id, "manual", "e2e")
        assert (accepted["event"], accepted["command_id"]) == ("command.accepted", command_id)
        before = (holders(database_url), query(database_url, "SELECT * FROM assignments ORDER BY id"))
        assert before[0][stream[0]] == ("assigned", "o3")

        # 2. Forged, unsigned, or signed without issued_at: each answered by command.rejected, dead-lettered.
        altered = reassign(stream[1], "o1")
        signature = sign(encoded(altered), KEY)
        altered_body = encoded({**altered, "to_officer_id": "o3"})  # changed after signing
        other_key = reassign(stream[1], "o1")
        unsigned = reassign(stream[1], "o1")
        undated = {k: v for k, v in reassign(stream[1], "o1").items() if k != "issued_at"}
        forged = [
            (altered, altered_body, sign(encoded(altered), KEY), "bad signature"),
            (other_key, encoded(other_key), sign(encoded(other_key), new_key()), "bad signature"),
            (unsigned, encoded(unsigned), None, "not signed"),
            (undated, encoded(undated), sign(encoded(undated), KEY), "issued_at"),
        ]
        assert forged[0][2] == signature
        for _, body, signed, _ in forged:
            publish_command(home, body, {SIGNATURE_HEADER: signed} if signed else None)

        answers = read_events(home, len(forged))
        letters = {
            m.body if isinstance(m.body, bytes) else m.body.encode(): m
            for m in read_queue(home, topology.COMMANDS_DLQ, len(forged))
        }
        for (payload, body, _, words), answer in zip(forged, answers, strict=True):
            assert (answer["event"], answer["command_id"]) == ("command.rejected", payload["command_id"])
            assert words in answer["reason"], answer
            assert body in letters, "a dead letter is not the message as received"
            assert words in letters[body].headers[topology.ERROR_HEADER]
        assert (holders(database_url), query(database_url, "SELECT * FROM assignments ORDER BY id")) == before
        audited = query(database_url, "SELECT actor, command_id FROM audit_log WHERE action = 'command_rejected'")
        assert sorted(row["command_id"] for row in audited) == sorted(p["command_id"] for p, *_ in forged)
        assert {row["actor"] for row in audited} == {"unauthenticated"}
        assert query(database_url, "SELECT count(*) AS n FROM commands") == [{"n": 1}], "a refused forgery was kept"

        # 3. The genuine command with a forged one's id is still carried out: forgeries burn no id.
        assigner(
            home,
            "command",
            "reassign",
            stream[1],
            "--to",
            "o1",
            "--reason-code",
            "workload",
            "--by",
            SUPERVISOR,
            "--id",
            altered["command_id"],
        )
        moved, accepted = read_events(home, 2)
        assert (moved["officer_id"], moved["previous_officer_id"], accepted["event"]) == (
            "o1",
            "o2",
            "command.accepted",
        )
        assert holders(database_url)[stream[1]] == ("assigned", "o1")

        verified = run_assigner(home_env(home), "audit", "verify")
        assert verified.returncode == 0 and verified.stdout.startswith("OK"), verified.stdout + verified.stderr
        worker.assert_running()

    def test_the_cli_waits_for_the_answer_and_prints_accepted_or_the_reason_with_its_exit_code(
        self,
        home: Path,
        worker: WorkerProcess,
        tmp_path: Path,
    ) -> None:
        [number] = numbers(1, start=300)
        (tmp_path / "one.jsonl").write_text(json.dumps(message(number)) + "\n")
        assigner(home, "publish", str(tmp_path / "one.jsonl"))
        read_events(home, 1)
        done = run_assigner(
            home_env(home),
            "command",
            "reassign",
            number,
            "--to",
            "o2",
            "--reason-code",
            "workload",
            "--by",
            SUPERVISOR,
            "--wait",
        )
        assert (done.returncode, done.stdout.splitlines()[-1]) == (0, "accepted"), done.stderr
        unknown = numbers(1, start=900)[0]
        done = run_assigner(home_env(home), "command", "complete", unknown, "--by", SUPERVISOR, "--wait")
        assert done.returncode == 3, done.stderr
        assert done.stdout.splitlines()[-1] == f"rejected: declaration {unknown} is not known"
        command_id = done.stdout.split()[1]
        done = run_assigner(
            home_env(home), "command", "complete", number, "--by", SUPERVISOR, "--id", command_id, "--wait"
        )  # the same id for another command: refused, the first one stays
        assert done.returncode == 3
        assert f"command_id {command_id} was used before for another command (complete)" in done.stdout
        assert not list((home / "broker").rglob("*assigner.answers.*")), "an answer queue was left behind"

    def test_waiting_with_no_worker_running_ends_after_the_timeout_with_exit_4(self, home: Path) -> None:
        done = run_assigner(
            home_env(home), "command", "complete", numbers(1)[0], "--by", SUPERVISOR, "--wait", "--timeout", "2"
        )
        assert done.returncode == 4
        assert done.stderr.strip() == "no answer within 2 s: is a worker running?"

    def test_the_cli_refuses_to_send_for_a_supervisor_whose_key_it_does_not_have(self, home: Path) -> None:
        done = run_assigner(
            home_env(home),
            "command",
            "reassign",
            numbers(1)[0],
            "--to",
            "o2",
            "--reason-code",
            "workload",
            "--by",
            "sup.x",
        )
        assert done.returncode == 1
        assert "no command key for 'sup.x'" in done.stderr
        assert not list((home / "broker").rglob(f"*.{topology.COMMANDS}.msg")), "a command was queued"


def test_tampering_with_the_sqlite_audit_log_is_named_by_audit_verify(home: Path) -> None:
    """On SQLite too: an edited roster-import entry is found (the chain holds only what was written)."""
    database_url = f"sqlite:///{home / 'assigner.db'}"
    assert assigner(home, "audit", "verify").startswith("OK")
    [entry] = audit_entries(database_url, "action = 'roster_import'")
    execute(database_url, "UPDATE audit_log SET actor = 'someone else' WHERE id = :id", id=entry["id"])
    done = run_assigner(home_env(home), "audit", "verify")
    assert done.returncode != 0
    assert done.stderr.startswith(f"FAILED at entry {entry['place']}:"), done.stderr
