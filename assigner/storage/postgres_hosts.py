"""The PostgreSQL hosts a database URL names (libpq's multi-host form), and what each says of itself when asked
alone: its role, and on a primary its standbys. For `assigner health`; the engine lets libpq pick the host."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from assigner.domain.errors import InvalidInput, first_line
from assigner.domain.replication import ServerState, Standby

# Parameters that choose among the hosts: a host asked alone is asked whatever its role.
CHOOSING = ("target_session_attrs", "load_balance_hosts")


@dataclass(frozen=True)
class PostgresHost:
    """One host of the URL: its name (host:port) and the libpq parameters that reach it alone."""

    name: str
    params: dict[str, str]


def postgres_hosts(url: str, connect_timeout: int = 5) -> list[PostgresHost]:
    """Each host the URL names, in order (`?host=h1:5432&host=h2:5432`, or `?host=h1,h2&port=p1,p2`, as libpq
    reads them), asked alone within `connect_timeout` seconds; none for a URL that is not PostgreSQL's."""
    params = _libpq_params(url)
    if params is None:
        return []
    hosts, addresses, ports = _listed(params, "host"), _listed(params, "hostaddr"), _listed(params, "port")
    count = max(len(hosts), len(addresses), 1)
    ports = ports * count if len(ports) == 1 else ports or [""] * count
    if len(ports) != count or (hosts and addresses and len(hosts) != len(addresses)):
        raise InvalidInput(
            f"ASSIGNER_DATABASE_URL: {count} hosts, {len(addresses)} hostaddr and {len(ports)} ports do not match: "
            "give one port, or one for each host"
        )
    shared = {key: value for key, value in params.items() if key not in CHOOSING}
    shared["connect_timeout"] = str(connect_timeout)
    found = []
    for index in range(count):
        own = {"host": _at(hosts, index), "hostaddr": _at(addresses, index), "port": ports[index]}
        name = f"{own['host'] or own['hostaddr'] or 'localhost'}:{own['port'] or 5432}"
        found.append(PostgresHost(name, {key: value for key, value in {**shared, **own}.items() if value}))
    return found


def read_server(host: PostgresHost) -> ServerState:
    """Ask the host alone what it is; raises psycopg's error when it does not answer."""
    with psycopg.connect(make_conninfo("", **host.params), autocommit=True) as connection:
        [(in_recovery, names, commit)] = connection.execute(
            "SELECT pg_is_in_recovery(), current_setting('synchronous_standby_names'), "
            "current_setting('synchronous_commit')"
        ).fetchall()
        if in_recovery:
            receiver = connection.execute(
                "SELECT sender_host, sender_port FROM pg_stat_wal_receiver"  # no row: no receiver running
            ).fetchone()
            sender = None if receiver is None or receiver[0] is None else f"{receiver[0]}:{receiver[1]}"
            return ServerState(True, names, receiving=receiver is not None, sender=sender)
        rows = connection.execute(
            "SELECT application_name, host(client_addr), state, sync_state, replay_lag "
            "FROM pg_stat_replication ORDER BY application_name, pid"
        ).fetchall()
    return ServerState(False, names, tuple(Standby(*row) for row in rows), synchronous_commit=commit)


def _listed(params: dict[str, str], key: str) -> list[str]:
    return params[key].split(",") if params.get(key) else []


def _at(values: list[str], index: int) -> str:
    return values[index] if values else ""


def _libpq_params(url: str) -> dict[str, str] | None:
    """The URL as libpq's parameters (host, hostaddr and port still comma lists), by SQLAlchemy's mapping and
    libpq's parser; None unless the URL is PostgreSQL's."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return None
    try:
        _, arguments = parsed.get_dialect()().create_connect_args(parsed)
        return {key: str(value) for key, value in conninfo_to_dict(make_conninfo("", **arguments)).items()}
    except (ArgumentError, psycopg.ProgrammingError) as error:  # as the engine would refuse it
        raise InvalidInput(f"ASSIGNER_DATABASE_URL: {first_line(error)}") from error
