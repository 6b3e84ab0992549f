"""Describing validation errors in one line, for dead letters and CLI errors."""

from __future__ import annotations


def describe_error(error: Exception) -> str:
    """One line saying what is wrong with a message, for a dead letter or a CLI line."""
    errors = getattr(error, "errors", None)
    if not callable(errors):
        return str(error)
    parts = []
    for item in errors():
        where = ".".join(str(p) for p in item["loc"]) or "message"
        parts.append(f"{where}: {item['msg']}")
    return "; ".join(parts)
