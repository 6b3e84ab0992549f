"""The audit log in chain order: batches read by number, given back in the order their seals say."""

from __future__ import annotations

from typing import Any

from assigner.domain.audit_seals import SealedBatch, Unsealed, in_seal_order


def seals(*batches: int) -> list[dict[str, Any]]:
    return [{"seq": seq, "batch": batch} for seq, batch in enumerate(batches, start=1)]


def stored(*batches: int) -> list[tuple[int, list[dict[str, Any]]]]:
    return [(batch, [{"batch": batch, "seq": 1}]) for batch in batches]


def order(items: list[SealedBatch | Unsealed]) -> list[tuple[int, int] | str]:
    return [
        (int(i.seal["batch"]), len(i.entries)) if isinstance(i, SealedBatch) else f"unsealed {i.batch}" for i in items
    ]


class TestInSealOrder:
    def test_batches_that_committed_out_of_number_order_come_in_seal_order(self) -> None:
        # batch 2 began before 3 but committed after it
        items = list(in_seal_order(seals(1, 3, 2, 4), stored(1, 2, 3, 4)))
        assert order(items) == [(1, 1), (3, 1), (2, 1), (4, 1)]

    def test_a_seal_whose_entries_are_gone_comes_with_none(self) -> None:
        assert order(list(in_seal_order(seals(1, 2, 3), stored(1, 3)))) == [(1, 1), (2, 0), (3, 1)]

    def test_entries_under_no_seal_are_reported_after_the_seals(self) -> None:
        items = list(in_seal_order(seals(1, 3), stored(1, 2, 3, 5)))
        assert order(items) == [(1, 1), (3, 1), "unsealed 2"]

    def test_batches_sealed_before_a_since_head_are_passed_over(self) -> None:
        # since the head of seal 2 (batch 4): batch 3 committed before it, batch 2 after
        items = list(
            in_seal_order(
                [{"seq": 3, "batch": 2}, {"seq": 4, "batch": 5}], stored(2, 3, 4, 5), sealed_before=frozenset({3, 4})
            )
        )
        assert order(items) == [(2, 1), (5, 1)]

    def test_an_empty_log_gives_nothing(self) -> None:
        assert list(in_seal_order([], [])) == []

    def test_entries_under_no_seal_are_named_by_their_first_entry(self) -> None:
        items = list(in_seal_order(seals(3), [(-2, [{"batch": -2, "seq": 4}]), *stored(3, 7)]))
        assert items[-1] == Unsealed(-2, 4)

    def test_entries_numbered_after_every_seal_are_named_too(self) -> None:
        items = list(in_seal_order(seals(1), [*stored(1), (9, [{"batch": 9, "seq": 2}])]))
        assert items[-1] == Unsealed(9, 2)
