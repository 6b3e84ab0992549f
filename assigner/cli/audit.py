"""`assigner audit verify|export|show`: check the audit trail (or an export of it); export it; print one
declaration's history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from assigner.bootstrap import Runtime
from assigner.cli.output import terminal
from assigner.domain.errors import InvalidInput
from assigner.domain.untrusted import safe_text
from assigner.schemas import codes
from assigner.services.audit import declaration_history, verify_audit
from assigner.services.audit_export import SHOWN, export_audit, verify_export
from assigner.services.audit_walk import Verification
from assigner.services.draw_keys import draw_keys, keep_draw_keys

app = typer.Typer(
    help="The audit trail: verify it, export it for others to verify, show a declaration's history.",
    no_args_is_help=True,
)


@app.command("verify")
def verify(
    since: Annotated[
        str | None,
        typer.Option(
            help="A head printed by an earlier verify (and kept elsewhere): check only what was sealed after it; "
            "with --file, the export must start after it or pass through it."
        ),
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option(help="Check this export (`audit export`) instead of the database's log."),
    ] = None,
) -> None:
    """Check the seals and hash chains, and re-derive every turn from the rotation rules: OK, or the first
    entry that fails."""
    if file is not None:
        with file.open("rb") as lines:
            result = verify_export(lines, since)
    else:
        result = verify_audit(Runtime().ready().unit_of_work(), since)
    _print(result, since if file is None else result.since)


@app.command("export")
def export(
    file: Annotated[
        Path, typer.Argument(help="The file to write (JSON Lines; replaced if it exists).", dir_okay=False)
    ],
    since: Annotated[
        str | None,
        typer.Option(help="A head kept from an earlier export or verify: only what was sealed after it."),
    ] = None,
) -> None:
    """Write the audit trail (seals and entries, with the roster imports, absences and returns a replay needs)
    as JSON Lines that anyone can check with Python alone: python3 -I tools/verify_audit.py FILE."""
    runtime = Runtime().ready()
    partial = file.with_name(f".{file.name}.partial")
    lines = 0
    if not file.parent.is_dir():
        raise InvalidInput(f"no folder {file.parent} to write {file.name} in")
    try:
        with partial.open("w", encoding="utf-8", newline="\n") as out:
            for line in export_audit(runtime.unit_of_work(), runtime.clock, since):
                out.write(line + "\n")
                lines += 1
        partial.replace(file)  # whole or not at all
    finally:
        partial.unlink(missing_ok=True)
    typer.echo(
        f"wrote {lines - 1:,} seals and entries to {file}; check it with: python3 -I tools/verify_audit.py {file}"
    )


def _print(result: Verification, since: str | None) -> None:
    """The verdict, in one line: what it quotes of the log is made safe (a log's text is anyone's)."""
    where = f" after head {since}" if since else ""
    if result.at_head:
        _say(f"FAILED at entry {result.failed_seq}, the last that head {since} would seal: {result.problem}", 1)
    if not result.ok:
        _say(
            f"FAILED at entry {result.failed_seq}{where}: {result.problem} ({result.entries:,} entries before it hold)",
            1,
        )
    if since:
        _say(
            f"OK: {result.entries:,} entries{where} chained to it (turns are re-derived by a full verify); "
            f"head {result.head}",
            0,
        )
    waiting = "".join(f"; {n:,} drawn turns of {day} await its key" for day, n in (result.awaiting or {}).items())
    _say(
        f"OK: {result.entries:,} entries chained, {result.turns:,} turns re-derived from the rotation rules"
        f"{waiting}; head {result.head}",
        0,
    )


def _say(line: str, status: int) -> None:
    typer.echo(safe_text(line, SHOWN), err=status != 0)
    raise typer.Exit(status)


@app.command("keys")
def keys(
    reveal: Annotated[
        bool,
        typer.Option(
            "--reveal",
            help="First do what a running worker does: reveal each key whose day is over (5 minutes after it) "
            "and commit tomorrow's; for a deployment with no worker running.",
        ),
    ] = False,
) -> None:
    """List the days' keys of the units that draw their turns: each day's commitment (the key's SHA-256,
    published before the day) and, once the day is over, the key itself."""
    runtime = Runtime().ready()
    if reveal:
        for event in keep_draw_keys(runtime.unit_of_work(), runtime.clock, runtime.policy):
            typer.echo(f"{event.name} {event.body['day']}", err=True)
    table = Table("day", "from (UTC)", "to (UTC)", "commitment (SHA-256 of the key)", "key", title="draw keys")
    for key in draw_keys(runtime.unit_of_work()):
        table.add_row(key["day"], key["starts_at"], key["ends_at"], key["commitment"], key["key"] or "(after the day)")
    terminal.console(piped_width=260).print(table)


@app.command("show")
def show(
    declaration: Annotated[str, typer.Argument(help="The declaration number (12 digits, any amendment).")],
) -> None:
    """Print every audit entry about one declaration: when, who, what, how, why."""
    try:
        codes.check_declaration_number(declaration)
    except ValueError as error:
        raise InvalidInput(str(error)) from error
    runtime = Runtime().ready()
    entries = declaration_history(runtime.unit_of_work(), declaration)
    if not entries:
        raise InvalidInput(f"no audit entry for declaration {declaration}")
    table = Table(
        "seal.#",
        "when (UTC)",
        "actor",
        "action",
        "mode",
        "officer",
        "before",
        "command",
        "why",
        title=f"declaration {declaration}",
    )
    for entry in entries:
        details = entry.get("details") or {}
        why = entry.get("reason") or ""
        if "turn" in details:
            why += f" (turn {details['turn']}, from cursor {details['cursor_from']}, skipped {len(details['skipped'])})"
        table.add_row(
            f"{entry['seal']}.{entry['seq']}",
            entry["occurred_at"].strftime("%Y-%m-%d %H:%M:%S"),
            entry["actor"],
            entry["action"],
            entry.get("mode") or "",
            entry.get("officer_id") or "",
            entry.get("previous_officer_id") or "",
            entry.get("command_id") or "",
            why,
        )
    terminal.console(width=200).print(table)
