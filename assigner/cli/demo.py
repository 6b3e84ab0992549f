"""`assigner demo`: the whole pipeline on this machine, no server needed, in under a minute."""

from __future__ import annotations

import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from assigner.bootstrap import Runtime
from assigner.cli.output import terminal
from assigner.cli.output.report_formats import print_table
from assigner.cli.publish import publish_with_progress
from assigner.devtools.demo.session import (
    DRAWN_UNIT,
    Watch,
    claim_home,
    demo_settings,
    prepare,
    start_worker,
    stop_worker,
    wait_until_consuming,
    watch_events,
)
from assigner.devtools.demo.stream import FIRST_DAY, DemoStream, pilot_stream
from assigner.domain.reports import Period, Scope
from assigner.services.reports import build_report
from assigner.services.supervision import supervised_units

TIMEOUT_SECONDS = 50.0
DEMO_SUPERVISOR = "sup.01b1"  # the demo roster's supervisor of 01B1/01 and 01B1/02


def demo(
    home: Annotated[
        Path | None,
        typer.Option(
            help="Folder for the demo's database, broker files and worker log (default: a new temporary folder)."
        ),
    ] = None,
    console: Annotated[
        bool,
        typer.Option(
            "--console",
            help="Then leave the worker and the supervisors' console "
            "running, with a one-time sign-in link (Ctrl-C stops).",
        ),
    ] = False,
    console_port: Annotated[int, typer.Option(min=1, max=65535, help="The console's port.")] = 8080,
) -> None:
    """Start a worker on the embedded broker, publish a pilot-like 3-day stream, and summarise what it did."""
    home = home or Path(tempfile.mkdtemp(prefix="assigner-demo-"))
    with claim_home(home):
        _run(home, console_port if console else None)


def _run(home: Path, console_port: int | None) -> None:
    settings = demo_settings(home)
    console = terminal.console(stderr=True)
    console.print(f"demo home: {home}")
    runtime = prepare(settings)
    stream = pilot_stream()
    with (home / "worker.log").open("ab") as log:
        worker = start_worker(settings, log)
        try:
            wait_until_consuming(settings, worker, TIMEOUT_SECONDS)
            started = time.perf_counter()
            with Progress(console=console, transient=True, disable=not console.is_terminal) as progress:
                sent = progress.add_task("publishing", total=len(stream.messages))
                publish_with_progress(settings, stream.messages, len(stream.messages))
                progress.update(sent, completed=len(stream.messages))
                done = progress.add_task("processing", total=len(stream.messages) - stream.malformed)
                expected = len(stream.messages) - stream.malformed
                watch, dead = watch_events(
                    settings,
                    expected,
                    stream.malformed,
                    worker,
                    TIMEOUT_SECONDS,
                    lambda seen: progress.update(done, completed=seen),
                )
            elapsed = watch.last_at - started
            _print_summary(runtime, stream, watch, dead, elapsed)
            if console_port is not None:
                _serve_console(runtime, console_port)
        finally:
            code = stop_worker(worker)
    typer.echo(f"worker stopped (exit {code}); its log: {home / 'worker.log'}")


def _serve_console(runtime: Runtime, port: int) -> None:
    """The console on the demo's home until Ctrl-C, with a one-time link signing the first supervisor in."""
    import secrets

    import uvicorn

    from assigner.console.app import create_console

    token = secrets.token_urlsafe(24)
    app = create_console(runtime, welcome={token: DEMO_SUPERVISOR})
    units = ", ".join(str(unit) for unit in supervised_units(runtime.unit_of_work(), DEMO_SUPERVISOR))
    typer.echo(
        f"\nconsole: http://127.0.0.1:{port}/welcome/{token}\n  (signs you in once as {DEMO_SUPERVISOR}, "
        f"supervisor of {units}; Ctrl-C stops the console and the worker)"
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", server_header=False)


def _print_summary(runtime: Runtime, stream: DemoStream, watch: Watch, dead: int, elapsed: float) -> None:
    first_day = FIRST_DAY.date()
    period = Period(first_day, first_day + timedelta(days=2), runtime.settings.working_hours.timezone)
    report = build_report(runtime.unit_of_work(), Scope(), period, runtime.clock(), runtime.policy.hours)
    print_table(report, terminal.console(width=160))
    home = runtime.settings.home
    typer.echo(
        f"(the same report later: ASSIGNER_HOME={home} assigner report --from {period.first_day} --to "
        f"{period.last_day} [--fairness]; its audit trail, checked as an outsider would: ASSIGNER_HOME={home} "
        f"assigner audit export trail.jsonl, then python3 -I tools/verify_audit.py trail.jsonl; unit {DRAWN_UNIT} "
        f"draws each round's order: its draws are re-derived once the worker reveals the day's key, after the day; "
        f"assigner audit keys lists the keys)\n"
    )
    held = ", ".join(f"{reason} {count}" for reason, count in sorted(watch.held.items())) or "none"
    processed = len(stream.messages)
    lines = [
        f"messages published    {processed:,} over 3 days' registrations (pilot: Region III, 720 yellow)",
        f"yellow, assigned      {watch.events['declaration.assigned']:,} "
        f"({watch.after_hours} registered after working hours, assigned as soon as they arose)",
        f"  kept with a group   {sum(n for (_, _, mode), n in watch.by_officer.items() if mode == 'group'):,} "
        "(branch lot or shared container: to its officer, no turn used)",
        f"held                  {watch.events['declaration.held']:,} ({held})",
        f"green/red, recorded   {watch.events['declaration.recorded']:,} (not assigned automatically)",
        f"amendments            {watch.events['declaration.amended']:,} (kept with their officer)",
        f"re-sent, no new turn  {watch.seen - sum(watch.events.values()):,}",
        f"dead-lettered         {dead:,} (malformed: see assigner.declarations.dlq, header x-assigner-error)",
        f"elapsed               {elapsed:.2f} s from first publish to last event: "
        f"{processed / elapsed:,.0f} messages/s",
    ]
    for text in lines:
        typer.echo(text)
