"""structlog, set up once: JSON when not on a terminal, readable on one."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

from assigner import compact_json
from assigner.domain.completions import Completion
from assigner.domain.decisions import Decision
from assigner.domain.moves import Move


class _StandardError:
    """Standard error as it is when a line is written, not when logging was set up (it may be replaced since)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


def configure(log_format: str = "auto", level: str = "INFO", stream: TextIO | None = None) -> None:
    """Set up structlog; `log_format` is auto, json or console; lines go to `stream`, or standard error."""
    out: TextIO = stream or _StandardError()  # type: ignore[assignment]
    as_json = log_format == "json" or (log_format == "auto" and not out.isatty())
    renderer = structlog.processors.JSONRenderer(_json_line) if as_json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            _with_pid,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level.upper()]),
        # One write per line (PrintLogger writes the line and its newline apart): the processes of one worker
        # share standard error, and a line may not be split by another's.
        logger_factory=structlog.WriteLoggerFactory(out),
        cache_logger_on_first_use=False,
    )


def _with_pid(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Every line says which process wrote it: a worker's processes share standard error."""
    event["pid"] = os.getpid()
    return event


def _json_line(event: dict[str, Any], **options: Any) -> str:
    """A JSON log line by orjson: a line per declaration, 4-5 times faster than json.dumps (no spaces, non-ASCII
    text as UTF-8); what orjson cannot write, json.dumps writes as structlog would."""
    return compact_json.dumps(event, lambda value: json.dumps(value, **options)).decode()


def log_decision(decision: Decision, delivery_tag: int | None = None) -> None:
    """One log line for one outcome, with the declaration number and unit (and the message's delivery tag)."""
    declaration = decision.declaration
    fields: dict[str, object] = {
        "declaration_number": declaration.declaration_number,
        "unit": str(declaration.unit),
        "channel": declaration.channel.value,
    }
    if decision.officer_id:
        fields["officer_id"] = decision.officer_id
    if decision.turn:
        fields.update(mode="auto", turn=decision.turn.number, skipped=len(decision.turn.skipped))
    if decision.group:
        fields.update(mode="group", group=decision.group.kind.value, follows=decision.group.follows)
    if decision.hold_reason:
        fields["reason"] = decision.hold_reason.value
    if decision.released:
        fields["released_from_hold"] = True
    if delivery_tag is not None:
        fields["delivery_tag"] = delivery_tag
    structlog.get_logger("assigner").info(f"declaration.{decision.outcome.value}", **fields)


def log_completion(completion: Completion, outcome: str) -> None:
    """One line for an upstream completion: its outcome, the declaration number and unit."""
    structlog.get_logger("assigner").info(
        f"completion.{outcome}",
        declaration_number=completion.declaration_number,
        unit=f"{completion.customs_office}/{completion.department}",
        sender=completion.sender,
    )


def log_move(move: Move, command_id: str | None) -> None:
    """One log line for a declaration a command moved, with the declaration number and unit."""
    holding = move.holding
    structlog.get_logger("assigner").info(
        "declaration.moved",
        declaration_number=holding.declaration_number,
        unit=str(holding.unit),
        officer_id=move.officer_id,
        previous_officer_id=move.previous_officer_id,
        mode=move.mode.value,
        command_id=command_id,
    )
