"""The operator's kit in deploy/: Prometheus rules that promtool accepts and whose tests pass, metric names
the worker really serves, and systemd units whose commands the CLI really takes."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from assigner.cli import run

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
        assert "SUCCESS: 8 rules found" in done.stdout

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
