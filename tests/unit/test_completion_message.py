"""The check-completed message (AMQP type check.completed): what it takes and what it refuses, in one line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from contract_examples import COMPLETION

from assigner.schemas.completion import parse_completion
from assigner.schemas.declaration import InvalidMessage


def parsed(body: dict[str, Any], sender: str | None = None) -> Any:
    return parse_completion(json.dumps(body).encode(), "utf-8", sender)


class TestCompletionMessage:
    def test_the_contract_example_is_a_completion_at_the_time_it_names(self) -> None:
        completion = parsed(COMPLETION, "vnaccs")
        assert (completion.key, completion.sender) == ("10543219876", "vnaccs")
        assert completion.completed_at == datetime(2025, 6, 2, 3, 30, tzinfo=UTC)

    def test_a_time_ahead_of_the_workers_clock_counts_as_now(self) -> None:
        completion = parsed(COMPLETION)
        earlier = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)
        assert completion.moment(earlier) == earlier

    def test_without_a_time_it_is_when_it_arrives(self) -> None:
        now = datetime(2025, 6, 2, 5, 0, tzinfo=UTC)
        assert parsed({k: v for k, v in COMPLETION.items() if k != "completed_at"}).moment(now) == now

    @pytest.mark.parametrize(
        "field, value, reason",
        [
            ("completed_at", "0001-01-01T00:00:00+07:00", "is not between 2000 and 2100"),
            ("completed_at", "2025-06-02T10:30:00", "ISO 8601 string with date, 'T', time and offset"),
            ("declaration_number", "10543219876", "declaration_number"),
            ("customs_office", "01B", "customs_office"),
        ],
    )
    def test_a_field_present_but_wrong_is_refused_with_the_reason(self, field: str, value: str, reason: str) -> None:
        with pytest.raises(InvalidMessage, match=reason.replace("(", r"\(").replace(")", r"\)")):
            parsed({**COMPLETION, field: value})
