"""How `assigner bench` prints its figures: a table for people, one JSON document for machines."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.progress import Progress
from rich.table import Table

from assigner.cli.output import terminal


def emit(name: str, figures: dict[str, Any], as_json: bool) -> None:
    """Print the figures: JSON, or a table per section (a nested dict or list of dicts is a section; a dict of
    dicts, a row per key)."""
    if as_json:
        typer.echo(json.dumps({"bench": name, **figures}, indent=2, ensure_ascii=False))
        return
    console = terminal.console(width=160)
    plain = {key: value for key, value in figures.items() if not isinstance(value, (dict, list))}
    console.print(_pairs(f"assigner bench {name}", plain))
    for key, value in figures.items():
        if isinstance(value, dict) and value and all(isinstance(row, dict) for row in value.values()):
            console.print(_rows(key, [{"": label, **row} for label, row in value.items()]))  # a row per key
        elif isinstance(value, dict):
            console.print(_pairs(key, value))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            console.print(_rows(key, value))


@contextmanager
def progress(shown: bool) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on standard error (none with --json): advance(done, total)."""
    with Progress(console=terminal.console(stderr=True), transient=True, disable=not shown) as bar:
        task = bar.add_task("loading", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _pairs(title: str, values: dict[str, Any]) -> Table:
    table = Table("figure", "value", title=title, title_justify="left")
    for key, value in values.items():
        table.add_row(key, _text(value))
    return table


def _rows(title: str, rows: list[dict[str, Any]]) -> Table:
    table = Table(*rows[0], title=title, title_justify="left")
    for row in rows:
        table.add_row(*(_text(value) for value in row.values()))
    return table


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    return str(value)
