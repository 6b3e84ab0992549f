"""`assigner health`'s probes: the database, the broker, the queues, and the consumers' signs of life.

The verdicts (when a check fails) are the domain's (assigner.domain.health_checks); here is only the reading."""

from __future__ import annotations

from kombu.connection import Connection

from assigner.bootstrap import Runtime
from assigner.broker import topology
from assigner.broker.connection import broker_nodes, connect, display_url, ensure_reached, is_embedded
from assigner.broker.partitions import existing_partitions
from assigner.broker.queue_stats import QueueStats, read_queue_stats
from assigner.domain.errors import error_line
from assigner.domain.health_checks import Beat, Check, Limits, consumer_checks, dead_letter_check, draw_key_check
from assigner.ops.database_hosts import database_host_checks
from assigner.services.draw_keys import draw_keys
from assigner.settings import Settings
from assigner.storage import migrate

QUEUES = (topology.DECLARATIONS, topology.COMMANDS)
DEAD_LETTERS = (topology.DECLARATIONS_DLQ, topology.COMMANDS_DLQ)


def check_health(runtime: Runtime, limits: Limits) -> list[Check]:
    """Every check, in order; a failed one does not stop the others."""
    database = _database(runtime)
    checks = [database]
    checks += database_host_checks(runtime.settings.database_url)
    stats, broker = queue_stats(runtime)
    checks.append(broker)
    checks += node_checks(runtime.settings)
    checks += _queues(stats, limits) if broker.ok else []
    if database.ok:
        beats = _beats(runtime)
        declarations = stats.get(topology.DECLARATIONS) if broker.ok else None
        waiting = None if declarations is None else declarations.waiting
        checks += consumer_checks(
            [b for b in beats if b.queue == topology.DECLARATIONS], waiting, runtime.clock(), limits
        )
        keys = draw_key_check(draw_keys(runtime.unit_of_work()), runtime.clock())
        checks += [keys] if keys is not None else []
    return checks


def _database(runtime: Runtime) -> Check:
    try:
        runtime.require_database()  # a mistyped ASSIGNER_HOME: said, and no empty database made for it
    except migrate.DatabaseNotReady as missing:
        return Check("database", False, str(missing))
    url = runtime.engine.url.render_as_string()
    try:
        at, head = migrate.current(runtime.engine), migrate.head(runtime.engine)
    except Exception as error:
        return Check("database", False, f"{url} unreachable: {error_line(error)}")
    if at != head:
        return Check("database", False, f"{url} is at revision {at or 'none'}, not {head}: run `assigner db upgrade`")
    return Check("database", True, f"{url} reachable, at revision {head} (head)")


def queue_stats(runtime: Runtime) -> tuple[dict[str, QueueStats], Check]:
    """Each existing contract queue's messages (ready, unacknowledged), and the broker check. The declarations
    waiting in partitions (forwarded from assigner.declarations, not yet assigned) count as the queue's."""
    settings = runtime.settings
    where = display_url(settings)
    if is_embedded(settings) and not settings.home.is_dir():  # looked at, not made: a mistyped ASSIGNER_HOME
        return {}, Check("broker", False, f"{where}: the folder does not exist (check ASSIGNER_HOME)")
    try:
        with connect(settings) as connection:
            ensure_reached(connection)
            # Those beyond the count too: what they hold waits to be forwarded (or, with none, assigned).
            partitions = (
                [] if is_embedded(settings) else [topology.partition_queue(n) for n in existing_partitions(connection)]
            )
            stats = read_queue_stats(settings, connection, (*QUEUES, *DEAD_LETTERS, *partitions))
    except Exception as error:
        return {}, Check("broker", False, f"{where} unreachable: {error_line(error)}")
    if topology.DECLARATIONS in stats:
        stats[topology.DECLARATIONS] = with_partitions(
            stats[topology.DECLARATIONS], [stats.pop(n) for n in partitions if n in stats]
        )
    return stats, Check("broker", True, f"{where} reachable")


def with_partitions(declarations: QueueStats, partitions: list[QueueStats]) -> QueueStats:
    """assigner.declarations' stats with its partitions' messages added (its consumers are its own: the
    workers' forwarding ones); unacknowledged unknown if unknown for any."""
    unknown = declarations.unacknowledged is None or any(p.unacknowledged is None for p in partitions)
    return QueueStats(
        declarations.ready + sum(p.ready for p in partitions),
        None if unknown else (declarations.unacknowledged or 0) + sum(p.unacknowledged or 0 for p in partitions),
        declarations.consumers,
    )


def node_checks(settings: Settings) -> list[Check]:
    """With several broker nodes (a cluster), one check each: a node away is a warning while another answers
    (the clients go to the next), said by its own line."""
    nodes = [] if is_embedded(settings) else broker_nodes(settings)
    if len(nodes) < 2:
        return []
    checks = []
    for node in nodes:
        where = str(Connection(node).as_uri())
        try:
            with connect(settings.model_copy(update={"broker_url": node})) as connection:
                ensure_reached(connection, timeout=5)
        except Exception as error:
            checks.append(Check(f"broker node {where}", True, f"unreachable: {error_line(error)}", warning=True))
        else:
            checks.append(Check(f"broker node {where}", True, "reachable"))
    return checks


def _queues(stats: dict[str, QueueStats], limits: Limits) -> list[Check]:
    checks = []
    for name in QUEUES:
        if name not in stats:
            checks.append(Check(f"queue {name}", False, "missing: no worker has ever started on this broker"))
        else:
            checks.append(Check(f"queue {name}", True, describe_waiting(stats[name]), stats[name].waiting))
    for name in DEAD_LETTERS:
        checks.append(dead_letter_check(f"queue {name}", stats[name].waiting if name in stats else 0, limits))
    return checks


def describe_waiting(stats: QueueStats) -> str:
    """'N waiting (R ready, U unacknowledged), C consumers', saying when the unacknowledged are unknown."""
    consumers = "" if stats.consumers is None else f", {stats.consumers} consumer(s)"
    if stats.unacknowledged is None:
        return (
            f"{stats.ready:,} ready; unacknowledged unknown (enable RabbitMQ's management plugin or set "
            f"ASSIGNER_BROKER_MANAGEMENT_URL){consumers}"
        )
    return f"{stats.waiting:,} waiting ({stats.ready:,} ready, {stats.unacknowledged:,} unacknowledged){consumers}"


def _beats(runtime: Runtime) -> list[Beat]:
    with runtime.unit_of_work() as uow:
        return uow.beats.all()
