"""Describing validation errors in one line, for dead letters and CLI errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _field_and_message(where: str, item: dict[str, Any]) -> str:
    return f"{where}: {item['msg']}"


def describe_error(
    error: Exception, describe: Callable[[str, dict[str, Any]], str] = _field_and_message, nowhere: str = "message"
) -> str:
    """One line saying what is wrong with a message, for a dead letter or a CLI line: each of a validation
    error's problems as `describe(where, problem)` says it (`nowhere`: where a problem of the whole is)."""
    errors = getattr(error, "errors", None)
    if not callable(errors):
        return str(error)
    return "; ".join(describe(".".join(str(p) for p in item["loc"]) or nowhere, item) for item in errors())
