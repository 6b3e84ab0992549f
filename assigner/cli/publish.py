"""`assigner publish FILE.jsonl`: publish declaration messages as an upstream system would."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, TaskID

from assigner.broker import topology
from assigner.broker.connection import connect, display_url
from assigner.broker.publishing import Outgoing, Publisher
from assigner.declaration_file import BOM, count_lines
from assigner.settings import Settings

CHUNK = 500


def publish(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON Lines: one message a line, sent as is.")],
) -> None:
    """Publish each line of FILE to assigner.declarations: plain JSON, persistent, confirmed by the broker."""
    settings = Settings()
    started = time.perf_counter()
    sent = publish_lines(settings, _lines(file), count_lines(file))
    elapsed = time.perf_counter() - started
    typer.echo(f"published {sent:,} messages to {topology.DECLARATIONS} on {display_url(settings)} "
               f"in {elapsed:.2f} s ({sent / elapsed if elapsed else 0:,.0f}/s), every one confirmed")


def publish_lines(settings: Settings, lines: Iterator[bytes], total: int | None = None) -> int:
    """Publish message bodies in chunks, waiting for the broker's confirms; returns how many."""
    console = Console(stderr=True)
    sent = 0
    with connect(settings) as connection, Progress(console=console, transient=True,
                                                   disable=not console.is_terminal) as progress:
        connection.ensure_connection(max_retries=3)
        topology.queue(topology.DECLARATIONS, settings.queue_type)(connection.default_channel).declare()
        publisher = Publisher(connection)
        task = progress.add_task("publishing", total=total)
        chunk: list[Outgoing] = []
        for line in lines:
            chunk.append(Outgoing(line, topology.DECLARATIONS))
            if len(chunk) == CHUNK:
                sent += _send(publisher, chunk, progress, task)
        sent += _send(publisher, chunk, progress, task)
    return sent


def _send(publisher: Publisher, chunk: list[Outgoing], progress: Progress, task: TaskID) -> int:
    publisher.publish(chunk)
    progress.advance(task, len(chunk))
    count = len(chunk)
    chunk.clear()
    return count


def _lines(file: Path) -> Iterator[bytes]:
    with file.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(BOM):
                raw = raw[len(BOM):]
            line = raw.rstrip(b"\r\n")
            if line.strip():
                yield line
