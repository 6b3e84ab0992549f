"""The domain is plain Python: it imports only the standard library and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import assigner.domain

DOMAIN = Path(assigner.domain.__file__).parent
MODULES = sorted(DOMAIN.glob("*.py"))


def imported_modules(path: Path) -> list[str]:
    """Every module a file imports, relative imports resolved within the domain package."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.append("assigner.domain" if node.level else node.module or "")
    return names


def allowed(module: str) -> bool:
    top = module.split(".")[0]
    return top in sys.stdlib_module_names or module == "assigner.domain" or module.startswith("assigner.domain.")


class TestDomainIsPure:
    def test_the_domain_has_modules_to_check(self) -> None:
        assert {"model.py", "rotation.py", "decisions.py", "batch.py"} <= {path.name for path in MODULES}

    @pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
    def test_module_imports_only_the_standard_library_and_the_domain(self, path: Path) -> None:
        foreign = [module for module in imported_modules(path) if not allowed(module)]
        assert foreign == []

    def test_a_framework_import_would_be_caught(self) -> None:
        assert not allowed("pydantic")
        assert not allowed("assigner.storage.tables")
        assert not allowed("assigner")
        assert allowed("zoneinfo") and allowed("assigner.domain.model")
