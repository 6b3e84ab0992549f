"""`assigner health`'s checks: the database, the broker, the queues, and the consumers' signs of life."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from assigner.bootstrap import Runtime
from assigner.broker import topology
from assigner.broker.connection import connect, display_url
from assigner.broker.queue_stats import QueueStats, read_queue_stats
from assigner.domain.errors import first_line
from assigner.domain.health import Beat, Check
from assigner.storage import migrate

QUEUES = (topology.DECLARATIONS, topology.COMMANDS)
DEAD_LETTERS = (topology.DECLARATIONS_DLQ, topology.COMMANDS_DLQ)


@dataclass(frozen=True)
class Limits:
    """When a check fails: a consumer silent too long, work waiting too long, too many dead letters."""

    max_silence: float = 10.0  # seconds since a declarations consumer was last seen (it beats every 2 s)
    max_age: float = 300.0  # seconds since the last message processed, while messages wait
    max_dead_letters: int | None = None  # None: dead letters are a warning, never a failure


def check_health(runtime: Runtime, limits: Limits) -> list[Check]:
    """Every check, in order; a failed one does not stop the others."""
    checks = [_database(runtime)]
    stats, broker = queue_stats(runtime)
    checks.append(broker)
    checks += _queues(stats, limits) if broker.ok else []
    if checks[0].ok:
        beats = _beats(runtime)
        declarations = stats.get(topology.DECLARATIONS) if broker.ok else None
        checks += _consumers(beats, declarations, runtime.clock(), limits)
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


def queue_stats(runtime: Runtime) -> tuple[dict[str, QueueStats], Check]:
    """Each existing contract queue's messages (ready, unacknowledged), and the broker check."""
    settings = runtime.settings
    where = display_url(settings)
    try:
        with connect(settings) as connection:
            connection.ensure_connection(max_retries=1, timeout=10)
            stats = read_queue_stats(settings, connection, QUEUES + DEAD_LETTERS)
    except Exception as error:
        return {}, Check("broker", False, f"{where} unreachable: {_describe(error)}")
    return stats, Check("broker", True, f"{where} reachable")


def _queues(stats: dict[str, QueueStats], limits: Limits) -> list[Check]:
    checks = []
    for name in QUEUES:
        if name not in stats:
            checks.append(Check(f"queue {name}", False, "missing: no worker has ever started on this broker"))
        else:
            checks.append(Check(f"queue {name}", True, describe_waiting(stats[name]), stats[name].waiting))
    for name in DEAD_LETTERS:
        count = stats[name].waiting if name in stats else 0
        too_many = limits.max_dead_letters is not None and count > limits.max_dead_letters
        detail = f"{count:,} dead letters" + (" (read their x-assigner-error header)" if count else "")
        checks.append(Check(f"queue {name}", not too_many, detail, count, warning=count > 0))
    return checks


def describe_waiting(stats: QueueStats) -> str:
    """'N waiting (R ready, U unacknowledged), C consumers', saying when the unacknowledged are unknown."""
    consumers = "" if stats.consumers is None else f", {stats.consumers} consumer(s)"
    if stats.unacknowledged is None:
        return (f"{stats.ready:,} ready; unacknowledged unknown (enable RabbitMQ's management plugin or set "
                f"ASSIGNER_BROKER_MANAGEMENT_URL){consumers}")
    return f"{stats.waiting:,} waiting ({stats.ready:,} ready, {stats.unacknowledged:,} unacknowledged){consumers}"


def _beats(runtime: Runtime) -> list[Beat]:
    with runtime.unit_of_work() as uow:
        return uow.beats.all()


def _consumers(beats: list[Beat], declarations: QueueStats | None, now: datetime, limits: Limits) -> list[Check]:
    waiting = None if declarations is None else declarations.waiting
    consumers = [beat for beat in beats if beat.queue == topology.DECLARATIONS]
    # Live: seen within the limit and not stopped; each process's consumer is one row (host:pid:queue).
    alive = [beat for beat in consumers
             if beat.stopped_at is None and (now - beat.seen_at).total_seconds() <= limits.max_silence]
    if alive:
        seen = min((now - beat.seen_at).total_seconds() for beat in alive)
        worker = Check("worker", True, f"{len(alive)} declarations consumer(s) alive, last seen {seen:.0f} s ago", len(alive))
    elif any(beat.stopped_at is None for beat in consumers):
        silent = min((now - beat.seen_at).total_seconds() for beat in consumers if beat.stopped_at is None)
        stopped = sum(1 for beat in consumers if beat.stopped_at is not None)
        worker = Check("worker", False, f"no declarations consumer seen for {silent:.0f} s (limit {limits.max_silence:.0f} s)"
                       + (f"; {stopped} stopped cleanly" if stopped else ""), 0)
    elif consumers:
        latest = max(beat.seen_at for beat in consumers)
        worker = Check("worker", False, f"every declarations consumer has stopped (the last {(now - latest).total_seconds():.0f} s ago)", 0)
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
