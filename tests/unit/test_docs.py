"""The rules and the contract are in the repository (docs/), and every citation of them resolves."""

from __future__ import annotations

import json
import re
from pathlib import Path

from contract_examples import COMMAND, COMPLETION, DECLARATION

from assigner.schemas.command import parse_command
from assigner.schemas.completion import parse_completion
from assigner.schemas.raw import parse_declaration_bytes

ROOT = Path(__file__).resolve().parents[2]  # the checkout (assigner may be installed elsewhere)
CITED = re.compile(r"docs/[\w-]+\.md")


def texts() -> dict[Path, str]:
    """README, the package (docstrings and --help texts) and the tests."""
    paths = [
        ROOT / "README.md",
        *(ROOT / "assigner").rglob("*.py"),
        *(ROOT / "workers").rglob("*.py"),
        *(ROOT / "tests").rglob("*.py"),
    ]
    return {path: path.read_text(encoding="utf-8") for path in paths}


class TestDocs:
    def test_every_cited_page_is_in_the_repository(self) -> None:
        cited = {(path.relative_to(ROOT), page) for path, text in texts().items() for page in CITED.findall(text)}
        assert {page for _, page in cited} >= {"docs/rules.md", "docs/contract.md"}
        assert [(str(path), page) for path, page in cited if not (ROOT / page).is_file()] == []

    def test_nothing_cites_a_page_the_repository_does_not_hold(self) -> None:
        stale = [
            str(path.relative_to(ROOT))
            for path, text in texts().items()
            if re.search(r"(?<!docs/)\b(DOMAIN|CONTRACT)\.md", text) and path.name != "test_docs.py"
        ]
        assert stale == []

    def test_the_contract_page_shows_the_examples_the_schemas_are_tested_with(self) -> None:
        page = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
        shown = [json.loads(block) for block in re.findall(r"```json\n(.*?)```", page, re.S)]
        assert shown == [DECLARATION, COMPLETION, COMMAND]
        assert parse_declaration_bytes(json.dumps(shown[0]).encode()).declaration_number == "105432198760"
        assert parse_completion(json.dumps(shown[1]).encode(), "utf-8", None).declaration_number == "105432198760"
        assert parse_command(shown[2]).header.command_id == "5f0c1b2a"

    def test_the_rules_page_states_the_nine_rules(self) -> None:
        page = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
        assert re.findall(r"^(\d)\. \*\*", page, re.M) == [str(n) for n in range(1, 10)]
