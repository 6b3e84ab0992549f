"""One structured log line per outcome, with the declaration number and unit."""

from __future__ import annotations

import io
import json
import sys
from datetime import UTC, datetime

import pytest
import structlog

from assigner import logs
from assigner.domain.decisions import Decision, HoldReason, Outcome
from assigner.domain.model import Channel, Declaration, Unit
from assigner.domain.rotation import Turn


def declaration() -> Declaration:
    return Declaration("105432198760", Unit("01B1", "00"), Channel.YELLOW, datetime(2025, 6, 2, 2, tzinfo=UTC))


class TestLogDecision:
    def test_json_line_names_declaration_unit_officer_and_turn(self) -> None:
        stream = io.StringIO()
        logs.configure("json", "INFO", stream)
        turn = Turn("off.1", 1, 7, 0)
        logs.log_decision(Decision(Outcome.ASSIGNED, declaration(), officer_id="off.1", turn=turn))
        line = json.loads(stream.getvalue())
        assert line["event"] == "declaration.assigned" and line["level"] == "info"
        assert (line["declaration_number"], line["unit"], line["officer_id"], line["turn"], line["mode"]) == (
            "105432198760",
            "01B1/00",
            "off.1",
            7,
            "auto",
        )

    def test_held_line_gives_the_reason_and_warning_level_hides_outcomes(self) -> None:
        stream = io.StringIO()
        logs.configure("json", "INFO", stream)
        held = Decision(Outcome.HELD, declaration(), hold_reason=HoldReason.NO_ELIGIBLE_OFFICER)
        logs.log_decision(held)
        assert json.loads(stream.getvalue())["reason"] == "no_eligible_officer"
        quiet = io.StringIO()
        logs.configure("json", "WARNING", quiet)
        logs.log_decision(held)
        assert quiet.getvalue() == ""


class TestStandardError:
    def test_lines_go_to_standard_error_as_it_is_when_they_are_written(self, monkeypatch: pytest.MonkeyPatch) -> None:
        first, second = io.StringIO(), io.StringIO()
        monkeypatch.setattr(sys, "stderr", first)
        logs.configure("json")
        structlog.get_logger("test").info("one")
        monkeypatch.setattr(sys, "stderr", second)
        first.close()  # as a test's captured stream is, after it
        structlog.get_logger("test").info("two")
        assert json.loads(second.getvalue())["event"] == "two"


class Writes:
    """A stream that keeps each write apart."""

    def __init__(self) -> None:
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


class TestOneWritePerLine:
    def test_a_line_and_its_newline_go_out_in_one_write(self) -> None:
        # A worker's processes share standard error: a line written in two parts could be split by another's.
        stream = Writes()
        logs.configure("json", stream=stream)  # type: ignore[arg-type]
        structlog.get_logger("assigner").info("worker.started", queue="assigner.declarations")
        assert len(stream.writes) == 1 and stream.writes[0].endswith("}\n")
        assert json.loads(stream.writes[0])["event"] == "worker.started"
