"""`assigner sample`: write sample declaration messages, e.g. for a benchmark."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from assigner.devtools import samples
from assigner.domain.model import Channel
from assigner.schemas import codes


def write_sample(
    file: Annotated[Path, typer.Argument(help="JSON Lines file to write.")],
    count: Annotated[int, typer.Option(min=1, max=9_999_999, help="How many declarations.")] = 10_000,
    unit: Annotated[list[str] | None, typer.Option(help="OFFICE/DEPARTMENT, repeatable.")] = None,
    seed: Annotated[int, typer.Option(help="Random seed (also part of the numbers).")] = 1,
    channel: Annotated[Channel | None, typer.Option(help="Give every declaration this channel.")] = None,
) -> None:
    """Write COUNT distinct, valid declaration messages spread over the units (every channel)."""
    units = [codes.unit_of(text, "--unit") for text in unit or ["01B1/00", "01B1/01", "02CI/00"]]
    with file.open("w", encoding="utf-8") as handle:
        for message in samples.declarations(count, units, seed, channel=channel.value if channel else None):
            handle.write(json.dumps(message) + "\n")
    typer.echo(f"wrote {count:,} declarations for {', '.join(map(str, units))} to {file}")
