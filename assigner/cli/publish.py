"""`assigner publish FILE.jsonl`: publish declaration messages as an upstream system would."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from assigner.broker import topology
from assigner.broker.connection import display_url
from assigner.broker.declaration_sender import publish_declarations
from assigner.cli.output import terminal
from assigner.files.declaration_lines import count_lines, message_lines
from assigner.settings import Settings


def publish(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="JSON Lines: one message a line, sent as is.")
    ],
) -> None:
    """Publish each line of FILE to assigner.declarations: plain JSON, persistent, confirmed by the broker."""
    settings = Settings()
    started = time.perf_counter()
    sent = publish_with_progress(settings, message_lines(file), count_lines(file))
    elapsed = time.perf_counter() - started
    typer.echo(
        f"published {sent:,} messages to {topology.DECLARATIONS} on {display_url(settings)} "
        f"in {elapsed:.2f} s ({sent / elapsed if elapsed else 0:,.0f}/s), every one confirmed"
    )


def publish_with_progress(settings: Settings, bodies: Iterable[bytes], total: int | None = None) -> int:
    """Publish message bodies, with a progress bar on a terminal; returns how many."""
    console = terminal.console(stderr=True)
    with Progress(console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("publishing", total=total)
        return publish_declarations(settings, bodies, lambda count: progress.advance(task, count))
