"""Reading declaration messages from a JSON Lines file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assigner.domain.errors import InvalidInput
from assigner.domain.model import Channel, Declaration
from assigner.files.declaration_lines import Rejected, read_declarations

GOOD = {
    "declaration_number": "105432198760",
    "customs_office": "01B1",
    "department": "00",
    "channel": "yellow",
    "registered_at": "2025-06-01T21:14:05+07:00",
}


def jsonl(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "declarations.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def items(path: Path) -> list[Declaration | Rejected]:
    return [item for _, item in read_declarations(path)]


class TestReadDeclarations:
    def test_good_lines_give_declarations_in_file_order(self, tmp_path: Path) -> None:
        second = GOOD | {"declaration_number": "305432198770", "channel": 3}
        read = items(jsonl(tmp_path, json.dumps(GOOD), json.dumps(second)))
        assert all(isinstance(item, Declaration) for item in read)
        assert [(d.declaration_number, d.channel) for d in read] == [
            ("105432198760", Channel.YELLOW),
            ("305432198770", Channel.RED),
        ]

    def test_blank_lines_are_skipped_but_counted(self, tmp_path: Path) -> None:
        path = jsonl(tmp_path, "", json.dumps(GOOD), "   ", "", "{not json")
        read = items(path)
        assert len(read) == 2
        assert isinstance(read[0], Declaration)
        assert isinstance(read[1], Rejected) and read[1].line == 5

    def test_line_that_is_not_json_is_rejected_with_its_number(self, tmp_path: Path) -> None:
        read = items(jsonl(tmp_path, json.dumps(GOOD), "{not json"))
        assert read[1] == Rejected(2, read[1].reason)
        assert read[1].reason.startswith("not JSON (")

    @pytest.mark.parametrize("line", ["[1, 2]", '"105432198760"', "42", "null"])
    def test_json_that_is_not_an_object_is_rejected_with_its_number(self, tmp_path: Path, line: str) -> None:
        read = items(jsonl(tmp_path, line))
        assert read == [Rejected(1, "not a JSON object")]

    def test_object_failing_the_schema_is_rejected_with_the_field(self, tmp_path: Path) -> None:
        bad = GOOD | {"enterprise_tax_code": "0101234566"}
        read = items(jsonl(tmp_path, json.dumps(GOOD), json.dumps(bad), json.dumps(GOOD)))
        assert [type(item) for item in read] == [Declaration, Rejected, Declaration]
        assert read[1].line == 2
        assert read[1].reason.startswith("enterprise_tax_code:")

    def test_object_missing_a_required_field_is_rejected(self, tmp_path: Path) -> None:
        incomplete = {k: v for k, v in GOOD.items() if k != "registered_at"}
        read = items(jsonl(tmp_path, json.dumps(incomplete)))
        assert read == [Rejected(1, "registered_at: Field required")]

    def test_missing_file_is_invalid_input(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidInput, match="cannot read"):
            items(tmp_path / "absent.jsonl")

    def test_each_item_comes_with_its_line_number(self, tmp_path: Path) -> None:
        numbered = list(read_declarations(jsonl(tmp_path, "", json.dumps(GOOD), "", "[]")))
        assert [(line, type(item)) for line, item in numbered] == [(2, Declaration), (4, Rejected)]

    def test_a_byte_order_mark_on_the_first_line_is_ignored(self, tmp_path: Path) -> None:
        path = tmp_path / "bom.jsonl"
        path.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD).encode() + b"\n")
        assert [type(item) for item in items(path)] == [Declaration]

    def test_a_line_that_is_not_utf8_is_rejected_and_the_next_is_read(self, tmp_path: Path) -> None:
        path = tmp_path / "latin1.jsonl"
        path.write_bytes(b'{"name": "caf\xe9"}\n' + json.dumps(GOOD).encode() + b"\n")
        assert items(path)[0] == Rejected(1, "not UTF-8 text") and isinstance(items(path)[1], Declaration)

    @pytest.mark.parametrize("line", ['{"x": NaN}', '{"x": -Infinity}', "[" * 100_000 + "]" * 100_000])
    def test_json_no_database_can_store_is_rejected(self, tmp_path: Path, line: str) -> None:
        (rejected,) = items(jsonl(tmp_path, line))
        assert isinstance(rejected, Rejected) and rejected.reason.startswith("not JSON")
