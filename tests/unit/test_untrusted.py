"""What the audit log keeps of a refused body: a digest and a bounded excerpt that any database can hold."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from assigner.domain.untrusted import EXCERPT_LIMIT, excerpt, json_text, safe_text


def unsafe(text: str) -> list[str]:
    return [c for c in text if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF]


class TestExcerpt:
    def test_a_small_body_is_kept_as_its_json_text_with_its_digest(self) -> None:
        body = {"command_id": "c1", "command": "complete", "declaration_number": "105432198760"}
        text = json.dumps(body, separators=(",", ":"))
        assert excerpt(body) == {
            "sha256": hashlib.sha256(text.encode()).hexdigest(),
            "characters": len(text),
            "text": text,
            "truncated": False,
        }

    def test_a_large_body_keeps_only_its_first_characters(self) -> None:
        body = {"note": "n" * 1_048_576}
        kept = excerpt(body)
        assert len(kept["text"]) == EXCERPT_LIMIT and kept["truncated"] is True
        assert kept["characters"] == len(json_text(body)) > 1_048_576
        assert kept["sha256"] == hashlib.sha256(json_text(body).encode()).hexdigest()

    def test_nul_controls_and_lone_surrogates_are_escaped(self) -> None:
        body = {"a\x00": "\x00\x07\x1b\x7f\x85\ud800\udfff\u2028 é"}
        kept = excerpt(body)
        assert unsafe(kept["text"]) == [] and "\u2028" not in kept["text"]
        assert kept["text"] == '{"a\\u0000":"\\u0000\\u0007\\u001b\\x7f\\x85\\ud800\\udfff\\u2028 é"}'
        assert len(kept["sha256"]) == 64  # lone surrogates hashed as they came (surrogatepass)

    def test_escapes_never_make_the_excerpt_longer_than_its_limit(self) -> None:
        kept = excerpt({"x": "\x85" * 10_000})
        assert len(kept["text"]) == EXCERPT_LIMIT and unsafe(kept["text"]) == []

    def test_non_finite_numbers_and_any_json_value_have_an_excerpt(self) -> None:
        for body in (float("inf"), float("nan"), [1e400, None], "text", 7, None):
            kept = excerpt(body)
            assert kept["text"] == json_text(body) and kept["truncated"] is False

    def test_a_body_too_deep_or_circular_for_json_still_has_an_excerpt(self) -> None:
        deep: list[Any] = []
        inner = deep
        for _ in range(100_000):
            inner.append([])
            inner = inner[0]
        circular: dict[str, Any] = {}
        circular["self"] = circular
        assert excerpt(deep)["text"] == "<list not representable as JSON: RecursionError>"
        assert excerpt(circular)["text"] == "<dict not representable as JSON: ValueError>"

    def test_safe_text_leaves_printable_text_alone(self) -> None:
        assert safe_text('Nội Bài 01B1 \\ "quoted"') == 'Nội Bài 01B1 \\ "quoted"'


class TestSafeText:
    def test_nul_control_characters_and_lone_surrogates_are_escaped_and_the_text_bounded(self) -> None:
        assert safe_text("application/json\x00x\n") == "application/json\\x00x\\x0a"
        assert safe_text("\ud800") == "\\ud800"
        cut = safe_text("x" * 600)
        assert cut.startswith("x" * 500) and cut.endswith("(100 more characters)")

    def test_bytes_and_other_values_become_text(self) -> None:
        assert safe_text(b"\xff\x00") == "\\xff\\x00"
        assert safe_text(2**70) == str(2**70)
