"""`assigner assign FILE.jsonl`: assign declarations straight from a file, without a broker."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from assigner import logs
from assigner.bootstrap import Runtime
from assigner.cli.output import terminal
from assigner.domain.model import Declaration
from assigner.files.declaration_lines import Rejected, count_lines, read_declarations
from assigner.services.assign import BatchResult, assign_isolating_refusals

SHOWN_REJECTIONS = 20
# Exit codes beside 0 (every line taken), 1 (an error: nothing or part done) and 2 (a usage error):
SOME_REJECTED = 3  # some lines were rejected, the others taken
ALL_REJECTED = 4  # every line was rejected: nothing was written


class Tally:
    """Counts of outcomes across batches."""

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()
        self.held: Counter[str] = Counter()
        self.rejected: list[Rejected] = []
        self.released = 0
        self.transactions = 0
        self.retries = 0

    def add(self, result: BatchResult) -> None:
        for decision in result.decisions:
            self.outcomes[decision.outcome.value] += 1
            if decision.hold_reason:
                self.held[decision.hold_reason.value] += 1
        self.released += len(result.released)
        self.transactions += 1
        self.retries += result.attempts - 1


def assign(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help="JSON Lines file of declaration messages (docs/contract.md)."),
    ],
    batch_size: Annotated[int | None, typer.Option(min=1, help="Declarations per transaction.")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log one line per outcome.")] = False,
) -> None:
    """Assign every declaration of FILE through the rotation, and print a summary.

    Exits 0 when every line was taken, 3 when some lines were rejected (the others were taken), 4 when
    every line was rejected.
    """
    runtime = Runtime().ready()
    logs.configure(runtime.settings.log_format, "INFO" if verbose else "WARNING")
    started = time.perf_counter()
    tally = assign_file(runtime, file, batch_size or runtime.settings.batch_size)
    print_summary(tally, time.perf_counter() - started, runtime.engine.dialect.name)
    if tally.rejected:
        raise typer.Exit(SOME_REJECTED if sum(tally.outcomes.values()) else ALL_REJECTED)


def assign_file(runtime: Runtime, file: Path, size: int) -> Tally:
    """Run a file's declarations through the service in batches of `size`, with a progress bar."""
    tally = Tally()
    console = terminal.console(stderr=True)
    with Progress(console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task("assigning", total=count_lines(file))
        batch: list[tuple[int, Declaration]] = []
        for line, item in read_declarations(file):
            if isinstance(item, Rejected):
                tally.rejected.append(item)
            else:
                batch.append((line, item))
            if len(batch) >= size:
                _run(runtime, batch, tally)
                progress.advance(task, len(batch))
                batch = []
        if batch:
            _run(runtime, batch, tally)
    return tally


def _run(runtime: Runtime, batch: list[tuple[int, Declaration]], tally: Tally) -> None:
    declarations = [declaration for _, declaration in batch]
    results, refused = assign_isolating_refusals(runtime.unit_of_work(), declarations, runtime.clock, runtime.policy)
    for result in results:
        tally.add(result)
        for decision in result.released + result.decisions:
            logs.log_decision(decision)
    for refusal in refused:
        tally.rejected.append(Rejected(batch[refusal.index][0], f"refused by the database: {refusal.reason}"))


def print_summary(tally: Tally, elapsed: float, database: str) -> None:
    held = ", ".join(f"{reason} {count}" for reason, count in sorted(tally.held.items()))
    lines = [
        ("assigned", tally.outcomes["assigned"], ""),
        ("held", tally.outcomes["held"], held),
        ("recorded", tally.outcomes["recorded"], "channels not assigned automatically"),
        ("amendments", tally.outcomes["amendment"], "kept with their officer"),
        ("duplicates", tally.outcomes["duplicate"], "already known: nothing changed"),
        ("released", tally.released, "held earlier, assigned now"),
        ("rejected", len(tally.rejected), "invalid lines: nothing written"),
    ]
    for label, count, note in lines:
        typer.echo(f"{label:<11}{count:>9,}  {note}".rstrip())
    for rejected in tally.rejected[:SHOWN_REJECTIONS]:
        typer.echo(f"  line {rejected.line}: {rejected.reason}")
    if len(tally.rejected) > SHOWN_REJECTIONS:
        typer.echo(f"  ... and {len(tally.rejected) - SHOWN_REJECTIONS} more rejected lines")
    processed = sum(tally.outcomes.values())
    rate = processed / elapsed if elapsed > 0 else 0.0
    typer.echo(
        f"{processed:,} declarations in {elapsed:.2f} s: {rate:,.0f}/s on {database}, "
        f"{tally.transactions} transactions, {tally.retries} retried"
    )
