"""The audit log's hash chain: what an entry's hash covers, and what leaves it unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from assigner.domain.audit_chain import (
    CHAINED_FIELDS,
    GENESIS,
    SEALED_FIELDS,
    canonical,
    entry_hash,
    head_problem,
    seal_hash,
)

HANOI = timezone(timedelta(hours=7))


def entry(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "seq": 7,
        "occurred_at": datetime(2025, 6, 2, 2, 0, tzinfo=UTC),
        "actor": "system",
        "action": "assigned",
        "mode": "auto",
        "declaration_key": "10543219876",
        "declaration_number": "105432198760",
        "customs_office": "01B1",
        "department": "00",
        "officer_id": "a",
        "previous_officer_id": None,
        "command_id": None,
        "reason": "rotation",
        "details": {"turn": 3, "cursor_from": 2, "skipped": [{"officer_id": "b", "reason": "absent"}]},
    }
    return {**base, **changes}


OTHER_VALUES: dict[str, Any] = {
    "seq": 8,
    "occurred_at": datetime(2025, 6, 2, 2, 0, 1, tzinfo=UTC),
    "actor": "sup",
    "action": "reassigned",
    "mode": "manual",
    "declaration_key": "10543219877",
    "declaration_number": "105432198761",
    "customs_office": "02CI",
    "department": "01",
    "officer_id": "c",
    "previous_officer_id": "a",
    "command_id": "cmd-1",
    "reason": "rotation.",
    "details": {"turn": 4, "cursor_from": 2, "skipped": [{"officer_id": "b", "reason": "absent"}]},
}


class TestEntryHash:
    def test_every_chained_field_is_given_another_value_here(self) -> None:
        assert set(OTHER_VALUES) == set(CHAINED_FIELDS)

    @pytest.mark.parametrize("name", CHAINED_FIELDS)
    def test_changing_any_chained_field_changes_the_hash(self, name: str) -> None:
        assert entry_hash(GENESIS, entry(**{name: OTHER_VALUES[name]})) != entry_hash(GENESIS, entry())

    def test_a_null_field_set_to_a_value_changes_the_hash(self) -> None:
        assert entry_hash(GENESIS, entry(command_id="x")) != entry_hash(GENESIS, entry())

    def test_a_change_deep_inside_details_changes_the_hash(self) -> None:
        skipped = [{"officer_id": "b", "reason": "inactive"}]
        changed = entry(details={"turn": 3, "cursor_from": 2, "skipped": skipped})
        assert entry_hash(GENESIS, changed) != entry_hash(GENESIS, entry())

    def test_the_previous_hash_is_part_of_the_hash(self) -> None:
        assert entry_hash("1" * 64, entry()) != entry_hash(GENESIS, entry())

    def test_the_hash_is_sha256_hex(self) -> None:
        digest = entry_hash(GENESIS, entry())
        assert len(digest) == 64 and int(digest, 16) >= 0

    def test_fields_outside_the_chain_do_not_count(self) -> None:
        assert entry_hash(GENESIS, entry(id=99, hash="x", prev_hash="y")) == entry_hash(GENESIS, entry())

    def test_a_missing_field_counts_as_null(self) -> None:
        without = entry()
        del without["command_id"]
        assert entry_hash(GENESIS, without) == entry_hash(GENESIS, entry())


class TestCanonical:
    def test_equal_content_with_keys_in_another_order_is_the_same(self) -> None:
        reordered = dict(reversed(list(entry().items())))
        reordered["details"] = {"skipped": [{"reason": "absent", "officer_id": "b"}], "cursor_from": 2, "turn": 3}
        assert canonical(reordered) == canonical(entry())
        assert entry_hash(GENESIS, reordered) == entry_hash(GENESIS, entry())

    def test_the_same_instant_in_another_timezone_is_the_same(self) -> None:
        in_hanoi = entry(occurred_at=datetime(2025, 6, 2, 9, 0, tzinfo=HANOI))
        assert canonical(in_hanoi) == canonical(entry())
        assert entry_hash(GENESIS, in_hanoi) == entry_hash(GENESIS, entry())

    def test_another_instant_with_the_same_wall_clock_time_differs(self) -> None:
        assert canonical(entry(occurred_at=datetime(2025, 6, 2, 2, 0, tzinfo=HANOI))) != canonical(entry())

    def test_times_are_written_in_utc(self) -> None:
        in_hanoi = entry(occurred_at=datetime(2025, 6, 2, 9, 0, tzinfo=HANOI))
        assert b'"occurred_at":"2025-06-02T02:00:00+00:00"' in canonical(in_hanoi)

    def test_non_ascii_text_is_kept_as_utf8(self) -> None:
        assert "nghỉ ốm".encode() in canonical(entry(reason="nghỉ ốm"))

    def test_the_bytes_hashed_are_those_every_earlier_release_hashed(self) -> None:
        # Pinned: a change to the canonical form would make every stored entry fail its check.
        made = {
            "seq": 3,
            "occurred_at": datetime(2025, 6, 1, 14, 3, 0, 123456, tzinfo=HANOI),
            "actor": "system",
            "action": "assigned",
            "reason": "nghỉ ốm",
            "details": {"b": [1, {"z": True, "a": None}], "a": 1.5},
        }
        assert entry_hash(GENESIS, made) == "13fb934c8aadf30a82c8497c76a5683cb0c645149caf6a92145352b1046ef14a"


def seal(**changes: Any) -> dict[str, Any]:
    return {
        "seq": 2,
        "batch": 9,
        "entries": 500,
        "last_hash": "a" * 64,
        "sealed_at": datetime(2025, 6, 2, 2, 0, tzinfo=UTC),
        **changes,
    }


class TestSealHash:
    @pytest.mark.parametrize("name", SEALED_FIELDS)
    def test_changing_any_sealed_field_changes_the_hash(self, name: str) -> None:
        other = {
            "seq": 3,
            "batch": 10,
            "entries": 499,
            "last_hash": "b" * 64,
            "sealed_at": datetime(2025, 6, 2, 2, 0, 1, tzinfo=UTC),
        }
        assert seal_hash(GENESIS, seal(**{name: other[name]})) != seal_hash(GENESIS, seal())

    def test_the_previous_seal_is_part_of_the_hash(self) -> None:
        assert seal_hash("f" * 64, seal()) != seal_hash(GENESIS, seal())

    def test_the_chain_columns_themselves_do_not_count(self) -> None:
        assert seal_hash(GENESIS, seal(prev_hash="x", hash="y")) == seal_hash(GENESIS, seal())


class TestHeadProblem:
    """A seal found by its stored hash is the head's only if it re-derives to it from the seal before."""

    def test_the_seal_that_hashes_to_the_head_from_the_seal_before_it_is_the_heads(self) -> None:
        before = "f" * 64
        head = seal_hash(before, seal())
        assert head_problem(seal(prev_hash=before, hash=head), before, head) is None

    def test_a_seal_whose_stored_hash_was_overwritten_with_the_head_is_not(self) -> None:
        before = "f" * 64
        problem = head_problem(seal(seq=5, prev_hash=before, hash="c" * 64), before, "c" * 64)
        assert problem is not None and problem.startswith("seal 5 says its hash is the head")

    def test_a_seal_edited_after_the_head_was_printed_is_not(self) -> None:
        before = "f" * 64
        head = seal_hash(before, seal())
        problem = head_problem(seal(entries=499, prev_hash=before, hash=head), before, head)
        assert problem is not None and problem.endswith("(the seal was edited)")

    def test_a_seal_not_linked_to_the_seal_before_it_is_not(self) -> None:
        head = seal_hash("f" * 64, seal())
        problem = head_problem(seal(prev_hash="f" * 64, hash=head), "e" * 64, head)
        assert problem == "seal 2, which has the head, does not link to the seal before it (a seal was rewritten)"

    def test_a_seal_whose_predecessor_is_missing_cannot_be_re_derived(self) -> None:
        assert head_problem(seal(), None, "c" * 64) == "seal 1, before seal 2 which has the head, is missing (deleted?)"
