"""The command line imports only the subcommand it runs: the production worker loads no devtools module."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import typer

from assigner.cli import SUBCOMMANDS, build_app, needed

ROOT = Path(__file__).resolve().parents[2]
# The worker's start path, short of starting Celery: the CLI resolves `worker`, builds the Celery app and its
# steps, as `assigner worker` does; then lists what it imported.
WORKER_PATH = """
import json, sys
import typer
from assigner.cli import build_app, needed
command = typer.main.get_command(build_app(needed(["worker", "--help"])))
assert list(command.commands) == ["worker"], command.commands
from workers.factory import create_app
from workers import consumer, nodes, step
from workers.handlers import commands, declarations
print(json.dumps(sorted(name for name in sys.modules if name.startswith(("assigner.devtools", "assigner.cli.")))))
"""


class TestCliLoading:
    def test_the_worker_path_imports_no_devtools_module_and_no_other_subcommand(self, tmp_path: Path) -> None:
        done = subprocess.run(
            [sys.executable, "-c", WORKER_PATH],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            env={"PATH": "/usr/bin:/bin", "ASSIGNER_HOME": str(tmp_path)},
        )
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == ["assigner.cli.worker"]

    def test_a_command_line_naming_a_subcommand_needs_only_it(self) -> None:
        assert needed(["worker", "-n", "w1"]) == ["worker"]
        assert needed(["command", "reassign", "--help"]) == ["command"]

    def test_the_help_and_an_unknown_command_need_them_all(self) -> None:
        assert needed([]) is None
        assert needed(["--help"]) is None
        assert needed(["bogus"]) is None

    def test_every_subcommand_is_listed_in_the_full_command_line(self) -> None:
        command = typer.main.get_command(build_app())
        assert sorted(command.commands) == sorted(SUBCOMMANDS)  # type: ignore[attr-defined]
