"""The layer rules of README's Layout, as import-linter contracts (pyproject.toml), run with the suite."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout (assigner may be installed elsewhere)


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """import-linter on the packages under `root`, with the contracts of `root`'s pyproject.toml."""
    environment = {**os.environ, "PYTHONPATH": str(root)}
    command = [
        sys.executable,
        "-c",
        "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())",
        "--no-cache",
    ]
    return subprocess.run(command, cwd=root, env=environment, capture_output=True, text=True, timeout=300)


def copy_of_the_project(target: Path) -> Path:
    for package in ("assigner", "workers"):
        shutil.copytree(ROOT / package, target / package, ignore=shutil.ignore_patterns("__pycache__", "_bundled"))
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


class TestLayers:
    def test_every_contract_is_kept(self) -> None:
        run = lint_imports(ROOT)
        assert run.returncode == 0, run.stdout + run.stderr
        assert "0 broken" in run.stdout

    def test_a_domain_module_importing_sqlalchemy_breaks_a_contract(self, tmp_path: Path) -> None:
        copy = copy_of_the_project(tmp_path)
        model = copy / "assigner" / "domain" / "model.py"
        model.write_text(model.read_text() + "\nimport sqlalchemy  # noqa\n")
        run = lint_imports(copy)
        assert run.returncode == 1
        assert "the domain is plain Python: no framework, no other layer BROKEN" in " ".join(run.stdout.split())

    def test_a_worker_importing_the_demo_breaks_a_contract(self, tmp_path: Path) -> None:
        copy = copy_of_the_project(tmp_path)
        step = copy / "workers" / "step.py"
        step.write_text(step.read_text() + "\nimport assigner.devtools.demo.session  # noqa\n")
        run = lint_imports(copy)
        assert run.returncode == 1
        assert "is imported by no production path BROKEN" in " ".join(run.stdout.split())
