"""`assigner health`'s check of each PostgreSQL host when ASSIGNER_DATABASE_URL names several (a primary and its
standbys): each asked alone what it is, and the primary whether its standbys keep every commit."""

from __future__ import annotations

from assigner.domain.errors import InvalidInput, error_line
from assigner.domain.health_checks import Check
from assigner.domain.replication import ServerState, host_checks
from assigner.storage.postgres_hosts import postgres_hosts, read_server


def database_host_checks(url: str | None) -> list[Check]:
    """With several hosts, one check each (and the primary's replication); a host away is a warning while
    another answers. One host: no check (the database check says it all)."""
    try:
        hosts = postgres_hosts(url) if url else []
    except InvalidInput as error:
        return [Check("database hosts", False, str(error))]
    if len(hosts) < 2:
        return []
    answers: list[tuple[str, ServerState | str]] = []
    for host in hosts:
        try:
            answers.append((host.name, read_server(host)))
        except Exception as error:  # away, refusing the login, ...: said on the host's line
            answers.append((host.name, f"unreachable: {error_line(error)}"))
    return host_checks(answers)
