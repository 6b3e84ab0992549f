"""The legal clock end to end on RabbitMQ and PostgreSQL, fed by an upstream system that is not Python (Node.js,
amqplib): due times on the events, the check-completed message, and each overdue declaration flagged once
however many workers run (docs/rules.md rule 8)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from e2e.support import EventCollector, StartWorker, events_by_declaration, import_rosters, take_messages
from environment import tool_missing
from integration.helpers import HANOI, UNIT, message, numbers
from pika.adapters.blocking_connection import BlockingChannel

from assigner.broker.topology import DECLARATIONS, DECLARATIONS_DLQ, ERROR_HEADER
from assigner.schemas.completion import COMPLETION_TYPE

pytestmark = pytest.mark.slow
NODE_CLIENT = Path(__file__).resolve().parents[1] / "amqp_node"


def node_publish(url: str, messages: list[dict[str, Any]], queue: str = DECLARATIONS) -> None:
    """Publish with Node.js and amqplib (tests/amqp_node/publish.mjs), confirmed by the broker."""
    node = shutil.which("node")
    if node is None:
        tool_missing("node is not installed (Debian: apt-get install nodejs npm)")
    if not (NODE_CLIENT / "node_modules" / "amqplib").exists():
        tool_missing("amqplib is not installed: npm ci --prefix tests/amqp_node --ignore-scripts")
    lines = "\n".join(json.dumps(m) for m in messages)
    done = subprocess.run(
        [str(node), "publish.mjs", url, queue], cwd=NODE_CLIENT, input=lines, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == f"published {len(messages)}"


def completion(number: str, **fields: Any) -> dict[str, Any]:
    body = {"declaration_number": number, "customs_office": UNIT.customs_office, "department": UNIT.department}
    return {"body": {**body, **fields}, "type": COMPLETION_TYPE}


def named(events: list[Any], name: str) -> list[dict[str, Any]]:
    return [e.payload() for e in events if e.payload()["event"] == name]


class TestLegalClock:
    def test_due_times_completion_from_upstream_and_overdue_flagged_once_by_two_workers(
        self,
        database_url: str,
        home: Path,
        rabbitmq_url: str,
        start_worker: StartWorker,
        events: EventCollector,
        broker: BlockingChannel,
    ) -> None:
        import_rosters(database_url, home, {UNIT: ["a", "b"]})
        workers = [start_worker(overdue_check_seconds=0.5) for _ in range(2)]
        # Registered long ago: overdue as soon as assigned. The last has its dossier complete two years on, a
        # Monday at 16:30 in Hanoi: due the next morning at 09:00.
        late = numbers(6)
        received = datetime(2027, 6, 7, 16, 30, tzinfo=HANOI)
        future = numbers(1, start=50)[0]
        bodies = [{"body": message(n)} for n in late]
        bodies.append({"body": message(future, documents_received_at=received.isoformat())})
        node_publish(rabbitmq_url, bodies)
        wanted = Counter({"declaration.assigned": 7, "declaration.overdue": 6})
        got = events.wait_until(
            lambda seen: Counter(e.payload()["event"] for e in seen) >= wanted, "assignments and overdue flags"
        )
        due = {body["declaration_number"]: body["due_at"] for body in named(got, "declaration.assigned")}
        assert due[late[0]] == "2025-06-02T11:00:00+07:00"
        assert due[future] == (received + timedelta(hours=16, minutes=30)).isoformat()  # Tuesday 09:00

        node_publish(rabbitmq_url, [completion(late[0], completed_at="2025-06-02T10:30:00+07:00")])
        node_publish(rabbitmq_url, [completion("109999999990")])  # no such declaration: dead-lettered
        got = events.wait_until(lambda seen: named(seen, "declaration.completed"), "declaration.completed")
        [completed] = named(got, "declaration.completed")
        assert (completed["declaration_number"], completed["completed_by"], completed["in_time"]) == (
            late[0],
            "upstream",
            True,
        )
        events.pump(3.0)  # several more rounds of both workers' watch
        flagged = Counter(body["declaration_number"] for body in named(events.received, "declaration.overdue"))
        assert flagged == Counter(late)  # each once; the future one not at all
        for body in named(events.received, "declaration.overdue"):
            assert body["due_at"] == "2025-06-02T11:00:00+07:00" and body["status"] == "assigned"
        assert all(worker.running for worker in workers)
        assert events_by_declaration(events.received)[late[0]][-1]["event"] == "declaration.completed"
        [letter] = take_messages(broker, DECLARATIONS_DLQ, 1)
        assert letter.header(ERROR_HEADER) == "declaration 109999999990 is not known"
        assert letter.properties.type == COMPLETION_TYPE
