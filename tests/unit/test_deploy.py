"""The operator's kit in deploy/: Prometheus rules that promtool accepts and whose tests pass, metric names
the worker really serves, systemd units whose commands the CLI really takes, env examples of real settings, and
a cluster's files (RabbitMQ, Patroni, the worker's settings) naming the same nodes."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from environment import tool_missing
from sqlalchemy.engine import make_url

from assigner.broker.connection import broker_nodes
from assigner.cli import run
from assigner.settings import Settings
from assigner.storage.postgres_hosts import postgres_hosts

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SUFFIXES = {"Counter": ("_total",), "Gauge": ("",), "Histogram": ("_bucket", "_sum", "_count")}


def served_metrics() -> set[str]:
    """The series names workers/metrics.py defines, as Prometheus sees them."""
    source = (ROOT / "workers" / "metrics.py").read_text()
    names = set()
    for kind, name in re.findall(r"\b(Counter|Gauge|Histogram)\(\s*\"(\w+)\"", source):
        names.update(name + suffix for suffix in SUFFIXES[kind])
    return names


def metrics_in(text: str) -> set[str]:
    return set(re.findall(r"\bassigner_\w+", text))


def promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("promtool is missing: install Debian's prometheus (.ci/run does)")
        pytest.skip("promtool is missing (apt-get install prometheus)")
    return found


class TestPrometheusRules:
    def test_promtool_accepts_the_rules(self) -> None:
        done = subprocess.run(
            [promtool(), "check", "rules", str(DEPLOY / "prometheus" / "assigner-alerts.yml")],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        assert "SUCCESS: 9 rules found" in done.stdout

    def test_each_alert_fires_when_it_must_and_only_then(self) -> None:
        done = subprocess.run(
            [promtool(), "test", "rules", "assigner-alerts.test.yml"],
            cwd=DEPLOY / "prometheus",
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stdout + done.stderr

    def test_the_rules_and_the_dashboard_name_only_metrics_the_worker_serves(self) -> None:
        served = served_metrics()
        assert {"assigner_declarations_total", "assigner_batch_seconds_bucket", "assigner_held_declarations"} <= served
        rules = (DEPLOY / "prometheus" / "assigner-alerts.yml").read_text()
        dashboard = json.loads((DEPLOY / "grafana" / "assigner-dashboard.json").read_text())
        exprs = " ".join(target["expr"] for panel in dashboard["panels"] for target in panel["targets"])
        assert metrics_in(rules) - served == set()
        assert metrics_in(exprs) - served == set()
        assert len(dashboard["panels"]) >= 8


class TestSystemdUnits:
    @pytest.mark.parametrize(
        "unit", ["assigner-worker@.service", "assigner-console.service", "assigner-health.service"]
    )
    def test_each_command_is_one_the_cli_takes(self, unit: str, capsys: pytest.CaptureFixture[str]) -> None:
        text = (DEPLOY / "systemd" / unit).read_text()
        [command] = re.findall(r"^ExecStart=(.+)$", text, re.M)
        binary, subcommand, *options = shlex.split(command)
        assert binary.endswith("/assigner")
        assert run([subcommand, "--help"]) == 0
        help_text = capsys.readouterr().out
        for option in [o for o in options if o.startswith("--")]:
            assert option in help_text, f"{unit}: `assigner {subcommand}` has no option {option}"
        assert "Restart=always" in text or unit == "assigner-health.service"

    def test_the_health_timer_runs_the_health_service(self) -> None:
        timer = (DEPLOY / "systemd" / "assigner-health.timer").read_text()
        assert "OnUnitActiveSec=1min" in timer and (DEPLOY / "systemd" / "assigner-health.service").is_file()


# --- Past one machine: deploy/cluster ---------------------------------------------------------------

CLUSTER = DEPLOY / "cluster"
ENV_EXAMPLES = [DEPLOY / "systemd" / "assigner.env.example", CLUSTER / "assigner.env.example"]


def env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile reads them: comments and blank lines skipped, quotes removed."""
    values = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith(("#", ";")):
            continue
        key, separator, value = line.partition("=")
        assert separator and re.fullmatch(r"[A-Z_][A-Z0-9_]*", key), f"{path.name}:{number}: not KEY=VALUE: {line}"
        assert key not in values, f"{path.name}:{number}: {key} given twice"
        values[key] = value[1:-1] if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"" else value
    return values


def rabbitmq_conf(path: Path) -> dict[str, str]:
    """rabbitmq.conf's `key = value` lines (sysctl format), each key once."""
    values = {}
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        found = re.fullmatch(r"([a-z0-9_]+(?:\.[A-Za-z0-9_$]+)*) = (\S+)", line)
        assert found, f"{path.name}:{number}: not `key = value`: {line}"
        assert found[1] not in values, f"{path.name}:{number}: {found[1]} given twice"
        values[found[1]] = found[2]
    return values


def rabbitmq_schema_keys() -> list[re.Pattern[str]]:
    """Every key the installed RabbitMQ (server and plugins) accepts in rabbitmq.conf, `$name` parts as wildcards."""
    roots = [Path(os.environ["RABBITMQ_HOME"])] if "RABBITMQ_HOME" in os.environ else []
    schemas = [
        schema for root in [*roots, Path("/usr/lib/rabbitmq/lib")] for schema in root.glob("**/priv/schema/*.schema")
    ]
    if not schemas:
        tool_missing("RabbitMQ's schema files are missing: install Debian's rabbitmq-server (the suite needs it)")
    keys = set()
    for schema in schemas:
        keys.update(re.findall(r'\{mapping,\s*"([^"]+)"', schema.read_text(errors="replace")))
    return [
        re.compile(r"\.".join(r"[^.]+" if part.startswith("$") else re.escape(part) for part in key.split(".")))
        for key in keys
    ]


def cluster_env() -> dict[str, str]:
    return env_file(CLUSTER / "assigner.env.example")


class TestEnvExamples:
    @pytest.mark.parametrize("path", ENV_EXAMPLES, ids=lambda path: str(path.relative_to(DEPLOY)))
    def test_every_name_is_a_setting_and_every_value_is_taken(
        self, path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        values = env_file(path)
        assert values and all(name.startswith("ASSIGNER_") for name in values), values
        unknown = {name for name in values if name.removeprefix("ASSIGNER_").lower() not in Settings.model_fields}
        assert unknown == set(), f"{path.name} sets what is no setting"
        for name in [name for name in os.environ if name.startswith("ASSIGNER_")]:
            monkeypatch.delenv(name)
        for name, value in values.items():
            monkeypatch.setenv(name, value)
        settings = Settings()  # each value as the settings read it: URLs' schemes, the queue type, ...
        assert settings.home == Path(values["ASSIGNER_HOME"])

    def test_the_cluster_env_names_three_broker_nodes_three_database_hosts_and_quorum_queues(self) -> None:
        values = cluster_env()
        settings = Settings.model_validate({name.removeprefix("ASSIGNER_").lower(): v for name, v in values.items()})
        assert settings.queue_type == "quorum"
        assert [urlsplit(node).hostname for node in broker_nodes(settings)] == ["rabbit1", "rabbit2", "rabbit3"]
        assert [host.name for host in postgres_hosts(settings.database_url or "")] == [
            "db1:5432",
            "db2:5432",
            "db3:5432",
        ]
        assert make_url(settings.database_url or "").query.get("target_session_attrs") == "read-write"


class TestRabbitmqConf:
    def test_the_three_nodes_form_one_cluster_by_classic_config_and_pause_a_minority(self) -> None:
        conf = rabbitmq_conf(CLUSTER / "rabbitmq.conf")
        assert conf["cluster_formation.peer_discovery_backend"] == "classic_config"
        assert conf["cluster_partition_handling"] == "pause_minority"
        nodes = {key: value for key, value in conf.items() if key.startswith("cluster_formation.classic_config.nodes.")}
        assert list(nodes.values()) == ["rabbit@rabbit1", "rabbit@rabbit2", "rabbit@rabbit3"]
        assert sorted(key.rsplit(".", 1)[1] for key in nodes) == ["1", "2", "3"]
        assert conf.get("cluster_formation.target_cluster_size_hint", "3") == "3"

    def test_the_nodes_are_the_hosts_the_worker_connects_to(self) -> None:
        conf = rabbitmq_conf(CLUSTER / "rabbitmq.conf")
        hosts = [value.split("@", 1)[1] for key, value in conf.items() if ".classic_config.nodes." in key]
        urls = cluster_env()["ASSIGNER_BROKER_URL"].split(";")
        assert [urlsplit(url).hostname for url in urls] == hosts
        assert {urlsplit(url).port for url in urls} == {int(conf["listeners.tcp.default"])}

    def test_rabbitmq_knows_every_key(self) -> None:
        known = rabbitmq_schema_keys()
        conf = rabbitmq_conf(CLUSTER / "rabbitmq.conf")
        unknown = [key for key in conf if not any(pattern.fullmatch(key) for pattern in known)]
        assert unknown == [], "keys the installed RabbitMQ would refuse to start with"


class TestPatroni:
    def test_it_parses_and_replicates_synchronously(self) -> None:
        patroni = yaml.safe_load((CLUSTER / "patroni.yml").read_text())
        dcs = patroni["bootstrap"]["dcs"]
        assert dcs["synchronous_mode"] is True
        assert isinstance(dcs["synchronous_mode_strict"], bool)
        assert dcs["postgresql"]["parameters"]["synchronous_commit"] == "on"
        assert isinstance(dcs["maximum_lag_on_failover"], int)
        assert dcs["loop_wait"] + 2 * dcs["retry_timeout"] <= dcs["ttl"]  # Patroni's rule

    def test_the_replication_user_may_stream_and_the_member_is_one_of_the_workers_hosts(self) -> None:
        patroni = yaml.safe_load((CLUSTER / "patroni.yml").read_text())
        replicator = patroni["postgresql"]["authentication"]["replication"]["username"]
        hba = [line.split() for line in patroni["bootstrap"]["dcs"]["postgresql"]["pg_hba"]]
        assert any(line[:3] == ["host", "replication", replicator] for line in hba), hba
        member = patroni["name"]
        assert patroni["postgresql"]["connect_address"] == f"{member}:5432"
        assert patroni["restapi"]["connect_address"].split(":")[0] == member
        hosts = [host.name for host in postgres_hosts(cluster_env()["ASSIGNER_DATABASE_URL"])]
        assert f"{member}:5432" in hosts
        assert [etcd.split(":")[0] for etcd in patroni["etcd3"]["hosts"]] == [host.split(":")[0] for host in hosts]


class TestReadme:
    def test_every_file_in_deploy_is_listed_in_its_readme(self) -> None:
        readme = (DEPLOY / "README.md").read_text()
        files = [path for path in DEPLOY.rglob("*") if path.is_file() and path.name != "README.md"]
        unlisted = [str(path.relative_to(DEPLOY)) for path in files if path.name not in readme]
        assert unlisted == []
