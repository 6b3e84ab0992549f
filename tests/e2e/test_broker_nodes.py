"""Several broker nodes in ASSIGNER_BROKER_URL (kombu's failover form, a RabbitMQ cluster's nodes): with the first
two away, the worker, `assigner publish` and `assigner command` go to the next, and `assigner health` reports each
node. (Issue 23's first item; the three-node cluster itself comes with `assigner chaos --cluster`.)"""

from __future__ import annotations

import json
from pathlib import Path

from e2e.support import (
    EventCollector,
    WorkerProcess,
    free_port,
    import_roster_entries,
    run_assigner,
    worker_env,
)
from integration.helpers import SUPERVISOR, UNIT, message, numbers, roster

AWAY = 2  # nodes named first that nothing listens on


def several_nodes(rabbitmq_url: str) -> str:
    """The test's vhost on nodes away (free ports), then on the real node."""
    real = rabbitmq_url.split("@", 1)
    away = [f"{real[0]}@127.0.0.1:{free_port()}/{real[1].split('/', 1)[1]}" for _ in range(AWAY)]
    return ";".join([*away, rabbitmq_url])


class TestSeveralNodes:
    def test_every_client_goes_to_the_node_that_answers_and_health_reports_each(
        self,
        database_url: str,
        home: Path,
        rabbitmq_url: str,
        events: EventCollector,
        tmp_path: Path,
    ) -> None:
        import_roster_entries(database_url, home, roster(UNIT, "a", "b", supervisors=(SUPERVISOR,)))
        nodes = several_nodes(rabbitmq_url)
        env = worker_env(database_url, home, nodes)
        worker = WorkerProcess(env, tmp_path / "worker.log").start()
        try:
            self.check(env, worker, events, tmp_path)
        finally:
            worker.kill()

    def check(self, env: dict[str, str], worker: WorkerProcess, events: EventCollector, tmp_path: Path) -> None:
        stream = tmp_path / "stream.jsonl"
        stream.write_text("".join(json.dumps(message(n)) + "\n" for n in numbers(4)))
        published = run_assigner(env, "publish", str(stream))
        assert published.returncode == 0, published.stderr
        got = events.wait_for_declarations(numbers(4), worker=worker)
        assert sorted(e.payload()["officer_id"] for e in got) == ["a", "a", "b", "b"]

        checked = run_assigner(env, "health")
        lines = checked.stdout.splitlines()
        node_lines = [line for line in lines if " broker node " in f" {line}"]
        assert [line.split()[0] for line in node_lines] == ["warn"] * AWAY + ["ok"], checked.stdout
        assert all("unreachable" in line for line in node_lines[:AWAY]) and "guest:**@" in node_lines[-1]
        assert any(line.startswith("ok   broker: ") for line in lines), checked.stdout
        # The management API of a node that answers, asked for the vhost alone, tells the unacknowledged messages.
        declarations = next(line for line in lines if line.startswith("ok   queue assigner.declarations: "))
        assert "unacknowledged)" in declarations and "unknown" not in declarations, checked.stdout
