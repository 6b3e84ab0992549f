"""compact_json writes what the standard library's compact json.dumps writes, byte for byte but a float's
notation (the same number), and refuses what it refuses (orjson is only faster)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assigner import compact_json


def standard(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(st.characters(exclude_categories=["Cs"]))  # every character a str can hold but a lone surrogate
)
finite = st.floats(allow_nan=False, allow_infinity=False)


def nested(leaves: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(leaves, lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=30)


class Channel(StrEnum):
    YELLOW = "yellow"


@dataclass
class Point:
    x: int


class TestCompactJson:
    @given(nested(scalars))
    def test_it_writes_what_json_writes(self, value: Any) -> None:
        assert compact_json.dumps(value) == standard(value)

    @given(nested(scalars | finite))
    def test_floats_may_be_written_otherwise_but_read_back_the_same(self, value: Any) -> None:
        assert json.loads(compact_json.dumps(value)) == value  # 1e-07 may be written 1e-7

    @pytest.mark.parametrize(
        "value",
        [
            2**64,  # beyond orjson's integers
            -(2**70),
            {1: "a", None: "b", 2.5: "c", False: "d"},  # keys json turns into strings
            {"channel": Channel.YELLOW},  # a str subclass
            "\x00\x1f\x7f\u2028\U0001f600",
            {"a": [1, {"b": None}], "c": 1e16},
        ],
    )
    def test_what_orjson_cannot_write_json_does(self, value: Any) -> None:
        assert compact_json.dumps(value) == standard(value)

    @pytest.mark.parametrize("value", [datetime(2025, 6, 2, tzinfo=UTC), Point(1), {"at": {1, 2}}])
    def test_what_json_refuses_is_refused(self, value: Any) -> None:
        with pytest.raises(TypeError):
            standard(value)
        with pytest.raises(TypeError):
            compact_json.dumps(value)

    def test_a_lone_surrogate_is_refused_as_json_refuses_it(self) -> None:
        with pytest.raises(UnicodeEncodeError):
            compact_json.dumps({"text": "\ud800"})
