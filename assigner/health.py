"""`assigner health`'s checks: the database, the broker, the queues, and the consumers' signs of life."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from assigner.bootstrap import Runtime
from assigner.broker import topology
from assigner.broker.connection import connect, display_url
from assigner.domain.errors import first_line
from assigner.domain.health import Beat, Check
from assigner.storage import migrate

QUEUES = (topology.DECLARATIONS, topology.COMMANDS)
DEAD_LETTERS = (topology.DECLARATIONS_DLQ, topology.COMMANDS_DLQ)


@dataclass(frozen=True)
class Limits:
    """When a check fails: a consumer silent too long, work waiting too long, too many dead letters."""

    max_silence: float = 60.0  # seconds since a declarations consumer was last seen
    max_age: float = 300.0  # seconds since the last message processed, while messages wait
    max_dead_letters: int | None = None  # None: dead letters are a warning, never a failure


def check_health(runtime: Runtime, limits: Limits) -> list[Check]:
    """Every check, in order; a failed one does not stop the others."""
    checks = [_database(runtime)]
    depths, broker = queue_depths(runtime)
    checks.append(broker)
    checks += _queues(depths, limits) if broker.ok else []
    if checks[0].ok:
        beats = _beats(runtime)
        checks += _consumers(beats, depths.get(topology.DECLARATIONS, 0) if broker.ok else None, runtime.clock(), limits)
    return checks


def _database(runtime: Runtime) -> Check:
    url = runtime.engine.url.render_as_string()
    try:
        at, head = migrate.current(runtime.engine), migrate.head(runtime.engine)
    except Exception as error:
        return Check("database", False, f"{url} unreachable: {_describe(error)}")
    if at != head:
        return Check("database", False, f"{url} is at revision {at or 'none'}, not {head}: run `assigner db upgrade`")
    return Check("database", True, f"{url} reachable, at revision {head} (head)")


def queue_depths(runtime: Runtime) -> tuple[dict[str, int], Check]:
    """Each existing contract queue's depth, and the broker check."""
    settings = runtime.settings
    where = display_url(settings)
    depths: dict[str, int] = {}
    try:
        with connect(settings) as connection:
            connection.ensure_connection(max_retries=1, timeout=10)
            for name in QUEUES + DEAD_LETTERS:
                depth = topology.depth_if_declared(connection, name)
                if depth is not None:
                    depths[name] = depth
    except Exception as error:
        return {}, Check("broker", False, f"{where} unreachable: {_describe(error)}")
    return depths, Check("broker", True, f"{where} reachable")


def _queues(depths: dict[str, int], limits: Limits) -> list[Check]:
    checks = []
    for name in QUEUES:
        if name not in depths:
            checks.append(Check(f"queue {name}", False, "missing: no worker has ever started on this broker"))
        else:
            checks.append(Check(f"queue {name}", True, f"{depths[name]:,} waiting", depths[name]))
    for name in DEAD_LETTERS:
        count = depths.get(name, 0)
        too_many = limits.max_dead_letters is not None and count > limits.max_dead_letters
        detail = f"{count:,} dead letters" + (" (read their x-assigner-error header)" if count else "")
        checks.append(Check(f"queue {name}", not too_many, detail, count, warning=count > 0))
    return checks


def _beats(runtime: Runtime) -> list[Beat]:
    with runtime.unit_of_work() as uow:
        return uow.beats.all()


def _consumers(beats: list[Beat], waiting: int | None, now: datetime, limits: Limits) -> list[Check]:
    consumers = [beat for beat in beats if beat.queue == topology.DECLARATIONS]
    alive = [beat for beat in consumers if (now - beat.seen_at).total_seconds() <= limits.max_silence]
    if alive:
        seen = min((now - beat.seen_at).total_seconds() for beat in alive)
        worker = Check("worker", True, f"{len(alive)} declarations consumer(s) alive, last seen {seen:.0f} s ago", len(alive))
    elif consumers:
        silent = min((now - beat.seen_at).total_seconds() for beat in consumers)
        worker = Check("worker", False, f"no declarations consumer seen for {silent:.0f} s (limit {limits.max_silence:.0f} s)", 0)
    else:
        worker = Check("worker", False, "no worker has ever run on this database", 0)
    processed = [beat.last_message_at for beat in consumers if beat.last_message_at is not None]
    queue = "queue depth unknown" if waiting is None else f"{waiting:,} waiting"
    if not processed:
        return [worker, Check("last message", not waiting, f"none processed yet; {queue}")]
    age = (now - max(processed)).total_seconds()
    stalled = bool(waiting) and age > limits.max_age
    detail = f"processed {age:.0f} s ago; {queue}" + (
        f": stalled (limit {limits.max_age:.0f} s)" if stalled else "")
    return [worker, Check("last message", not stalled, detail, round(age, 1))]


def _describe(error: BaseException) -> str:
    return f"{type(getattr(error, 'orig', None) or error).__name__}: {first_line(error)}"
