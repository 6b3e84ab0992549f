"""The single measurements of `assigner bench`: assign in process, the pipeline, reports, audit verify.

Each makes a scratch database (SQLite in a temporary folder, or a database on a PostgreSQL server), measures,
drops it, and returns its figures by name.
"""

from __future__ import annotations

import json
import resource
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from assigner.bootstrap import Runtime
from assigner.broker.connection import display_url
from assigner.devtools import samples
from assigner.devtools.bench import audit_log, report_timing
from assigner.devtools.bench import pipeline as bench_pipeline
from assigner.domain.draws import RotationMode
from assigner.domain.model import Unit
from assigner.domain.reports import spread
from assigner.files.roster_csv import read_roster
from assigner.resources import shipped
from assigner.schemas.declaration import parse_declaration
from assigner.services.assign import assign_declarations
from assigner.services.draw_keys import set_rotation_mode
from assigner.services.roster import import_roster, roster_listing
from assigner.settings import Settings
from assigner.storage import migrate
from assigner.storage.scratch import scratch_database

Progress = Callable[[int, int], None]  # (done, total)
SAMPLE_UNITS = [Unit("01B1", "00"), Unit("01B1", "01"), Unit("02CI", "00")]


@contextmanager
def scratch_runtime(postgres: str | None, **settings: Any) -> Iterator[Runtime]:
    """A migrated, empty database for one measurement: an SQLite file, or a scratch PostgreSQL database."""
    with tempfile.TemporaryDirectory() as folder, _database(Path(folder), postgres) as url:
        runtime = Runtime(Settings(database_url=url, home=Path(folder), **settings))
        migrate.upgrade(runtime.engine)
        try:
            yield runtime
        finally:
            runtime.engine.dispose()


def assign(count: int, postgres: str | None, batch_size: int, drawn: bool = False) -> dict[str, Any]:
    """The sample roster's 3 units (each drawing its rounds' order if `drawn`), COUNT yellow declarations
    assigned through the service."""
    with scratch_runtime(postgres) as runtime:
        _import_sample_roster(runtime)
        mode = RotationMode.DRAWN if drawn else RotationMode.SEQUENTIAL
        for unit in SAMPLE_UNITS if drawn else ():
            set_rotation_mode(runtime.unit_of_work(), unit, mode, runtime.clock, "bench")
        declarations = [
            parse_declaration(m) for m in samples.declarations(count, SAMPLE_UNITS, seed=42, channel="yellow")
        ]
        assigned, started = 0, time.perf_counter()
        for first in range(0, count, batch_size):
            result = assign_declarations(
                runtime.unit_of_work(), declarations[first : first + batch_size], runtime.clock, runtime.policy
            )
            assigned += sum(1 for d in result.decisions if d.officer_id is not None)
        elapsed = time.perf_counter() - started
        return {
            "database": runtime.engine.dialect.name,
            "rotation": mode.value,
            "declarations": count,
            "assigned": assigned,
            "batch_size": batch_size,
            "seconds": round(elapsed, 3),
            "per_second": round(count / elapsed),
            **_spreads(runtime),
            "peak_rss_mib": _peak_rss(),
        }


def pipeline(count: int, postgres: str | None, broker: str | None, batch_size: int) -> dict[str, Any]:
    """A worker process on the broker, COUNT declarations published while it consumes, every event back."""
    events_queue = f"assigner.bench.{uuid.uuid4().hex[:8]}"
    with scratch_runtime(postgres, broker_url=broker, batch_size=batch_size, events_queue=events_queue) as runtime:
        _import_sample_roster(runtime)
        bodies = [json.dumps(m).encode() for m in samples.declarations(count, SAMPLE_UNITS, seed=42, channel="yellow")]
        published, elapsed = bench_pipeline.run(runtime.settings, bodies)
        return {
            "database": runtime.engine.dialect.name,
            "broker": display_url(runtime.settings),
            "declarations": count,
            "batch_size": batch_size,
            "publish_seconds": round(published, 3),
            "last_event_seconds": round(elapsed, 3),
            "per_second": round(count / elapsed),
            **_spreads(runtime),
        }


def reports(rows: int, postgres: str | None, progress: Progress) -> dict[str, Any]:
    """A year of ROWS declarations bulk-loaded, then each report timed (best and median of 5)."""
    with scratch_runtime(postgres) as runtime:
        started = time.perf_counter()
        report_timing.load_year(runtime, rows, lambda done: progress(done, rows))
        figures: dict[str, Any] = {
            "database": runtime.engine.dialect.name,
            "declarations": rows,
            "units": len(report_timing.units()),
            "load_seconds": round(time.perf_counter() - started, 1),
        }
        for label, best, median, counted in report_timing.time_reports(runtime):
            figures[f"{label}: declarations"] = counted
            figures[f"{label}: best s"] = round(best, 3)
            figures[f"{label}: median s"] = round(median, 3)
        return figures


def verify(entries: int, postgres: str | None, progress: Progress) -> dict[str, Any]:
    """An audit log of ENTRIES written through the audit store, then a full verify and one since a head."""
    with scratch_runtime(postgres) as runtime:
        started = time.perf_counter()
        head = audit_log.write_log(runtime, entries, lambda done: progress(done, entries))
        times = audit_log.time_verify(runtime, entries, head, time.perf_counter() - started)
        exported = audit_log.time_export(runtime, runtime.settings.home)
        return {
            "database": runtime.engine.dialect.name,
            "entries": entries,
            "write_seconds": round(times.load_seconds, 1),
            "full_verify_seconds": round(times.full_seconds, 2),
            "full_verify_ok": times.full.ok,
            "full_verify_entries": times.full.entries,
            "turns_re_derived": times.full.turns,
            "entries_per_second": round(times.full.entries / times.full_seconds) if times.full_seconds else 0,
            "since_head_at_99_percent_seconds": round(times.since_seconds, 3),
            "since_entries": times.since.entries,
            "since_ok": times.since.ok,
            "head": times.full.head,
            "export_seconds": round(exported.export_seconds, 1),
            "export_megabytes": round(exported.megabytes, 1),
            "export_verify_seconds": round(exported.product_seconds, 1),
            "export_verify_ok": exported.product.ok,
            "export_verify_head": exported.product.head,
            "stdlib_verifier_seconds": None if exported.stdlib_seconds is None else round(exported.stdlib_seconds, 1),
            "stdlib_verifier_said": exported.stdlib_said,
        }


def _database(folder: Path, postgres: str | None) -> Any:
    if postgres is None:
        return _sqlite(folder)
    return scratch_database(postgres, "assigner_bench")


@contextmanager
def _sqlite(folder: Path) -> Iterator[str]:
    yield f"sqlite:///{folder / 'bench.db'}"


def _import_sample_roster(runtime: Runtime) -> None:
    entries = read_roster(shipped("samples") / "roster.csv")
    import_roster(runtime.unit_of_work(), entries, runtime.clock, runtime.policy, "bench")


def _spreads(runtime: Runtime) -> dict[str, Any]:
    counts: dict[Unit, list[int]] = {}
    for line in roster_listing(runtime.unit_of_work(), runtime.clock):
        if line.position is not None:
            counts.setdefault(line.unit, []).append(line.assigned)
    return {
        "units": [
            {"unit": str(unit), "officers": len(a), "assigned": sum(a), "spread": spread(a)}
            for unit, a in counts.items()
        ]
    }


def _peak_rss() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
