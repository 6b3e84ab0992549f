"""What `assigner health` says of each PostgreSQL host of a cluster: its role and, on the primary, whether its
standbys keep every committed decision.

Synchronous replication matters here because the worker acknowledges a message and publishes its event only
after the decision commits: a failover to an asynchronous standby can lose decisions already announced."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from assigner.domain.health_checks import Check

SYNCHRONOUS_STATES = ("sync", "quorum")  # pg_stat_replication.sync_state of a standby a commit waits for
HIDDEN = "hidden from this user: grant it pg_monitor"


@dataclass(frozen=True)
class Standby:
    """One row of the primary's pg_stat_replication; None where PostgreSQL hides a value from the user."""

    name: str  # application_name: what synchronous_standby_names lists
    address: str | None
    state: str | None  # streaming, catchup, ...
    sync_state: str | None  # async, potential, sync, quorum
    replay_lag: timedelta | None  # None also when the standby has caught up and nothing was written since


@dataclass(frozen=True)
class ServerState:
    """What one host says of itself: read-only (in recovery) or not, its upstream when a standby, its
    synchronous_standby_names and the standbys connected to it."""

    in_recovery: bool
    synchronous_standby_names: str = ""
    standbys: tuple[Standby, ...] = ()
    receiving: bool = False  # a standby with a WAL receiver running
    sender: str | None = None  # that receiver's primary, host:port (None: hidden from the user)
    synchronous_commit: str = "on"  # as it applies to the user asking (a role or database may lower it)


def host_checks(answers: list[tuple[str, ServerState | str]]) -> list[Check]:
    """One check per host, by name, from what it answered (or why it did not), and after a primary's its
    replication; a host that did not answer is a warning while another did, a failure otherwise."""
    answered = any(isinstance(answer, ServerState) for _, answer in answers)
    checks = []
    primaries = []
    for name, answer in answers:
        if isinstance(answer, str):
            checks.append(Check(f"database host {name}", answered, answer, warning=True))
            continue
        checks.append(role_check(f"database host {name}", answer))
        if not answer.in_recovery:
            primaries.append(name)
            checks.append(
                replication_check(
                    f"database replication on {name}",
                    answer.synchronous_standby_names,
                    answer.standbys,
                    answer.synchronous_commit,
                )
            )
    split = primaries_check(primaries)
    return checks + ([split] if split else [])


def role_check(name: str, server: ServerState) -> Check:
    """The host's role: primary (read-write), or a standby and where it replays from."""
    if not server.in_recovery:
        return Check(name, True, "primary (read-write)")
    if not server.receiving:
        return Check(name, True, "standby (read-only, receiving no WAL: not connected to a primary)", warning=True)
    if server.sender is None:
        return Check(name, True, f"standby (read-only, replaying; its primary {HIDDEN})")
    return Check(name, True, f"standby (read-only, replaying from {server.sender})")


def required_synchronous(names: str) -> int:
    """How many synchronous standbys `synchronous_standby_names` makes each commit wait for: 0 when empty;
    N for 'FIRST N (...)', 'ANY N (...)' or 'N (...)'; 1 for a plain list of names."""
    if not names.strip():
        return 0
    counted = re.match(r"\s*(?:(?:first|any)\s+)?(\d+)\s*\(", names, re.IGNORECASE)
    return int(counted.group(1)) if counted else 1


def replication_check(name: str, names: str, standbys: tuple[Standby, ...], synchronous_commit: str = "on") -> Check:
    """On the primary: fails when commits wait for synchronous standbys that are not connected; warns when a
    standby is asynchronous (or its state hidden), when none is connected and none waited for (Patroni's
    synchronous_mode, not strict, runs the primary alone like this), or when synchronous_commit (off, local)
    keeps this user's commits from waiting for the standby; ok otherwise."""
    required = required_synchronous(names)
    listed = "; ".join(describe_standby(standby) for standby in standbys)
    count = len(standbys)
    if any(standby.sync_state is None for standby in standbys):
        return Check(name, True, f"{count} standby(s) connected, their state {HIDDEN}", count, True)
    synchronous = sum(1 for standby in standbys if standby.sync_state in SYNCHRONOUS_STATES)
    if synchronous < required:
        missing = (
            "no synchronous standby is" if not synchronous else f"only {synchronous} of the {required} it asks for are"
        )
        detail = f"synchronous_standby_names is set ('{names}') but {missing} connected: every commit waits"
        return Check(name, False, detail + (f"; connected: {listed}" if standbys else ""), count)
    if not standbys:
        return Check(name, True, "no standby connected: each commit is on this host alone", 0, True)
    if not required:
        return Check(
            name, True, f"asynchronous standby: a failover can lose committed decisions; {listed}", count, True
        )
    if synchronous_commit in ("off", "local"):
        return Check(
            name,
            True,
            f"synchronous_commit is '{synchronous_commit}' for this user: its commits do not wait for the "
            f"synchronous standby, so a failover can lose committed decisions; {listed}",
            count,
            True,
        )
    return Check(name, True, f"synchronous_standby_names '{names}'; {listed}", count)


def describe_standby(standby: Standby) -> str:
    """'standby1 (10.0.0.2) streaming, sync, replay lag 0.2 s'."""
    where = f" ({standby.address})" if standby.address else ""
    lag = "caught up" if standby.replay_lag is None else f"replay lag {standby.replay_lag.total_seconds():.1f} s"
    return f"{standby.name or 'unnamed'}{where} {standby.state}, {standby.sync_state}, {lag}"


def primaries_check(primaries: list[str]) -> Check | None:
    """Several read-write hosts is a split brain: each takes commits the others never see."""
    if len(primaries) < 2:
        return None
    return Check(
        "database primaries",
        False,
        f"{len(primaries)} hosts are read-write ({', '.join(primaries)}): only one may be; stop the old primary "
        "and rebuild it as a standby (pg_rewind or pg_basebackup)",
        len(primaries),
    )
