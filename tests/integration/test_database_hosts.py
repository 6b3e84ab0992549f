"""Several PostgreSQL hosts in ASSIGNER_DATABASE_URL (libpq's multi-host form, `target_session_attrs=read-write`):
with the first host away, the commands go to the next, the migrations run through the URL's percent-encoding, and
`assigner health` checks each host.
(Issue 23's second item, first step; the standby itself comes with `assigner chaos --cluster`.)"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from assigner.cli import run


def away_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def several_hosts(url: str) -> str:
    """The same database, named on a host that is away and then on the real one, read-write wanted."""
    real = make_url(url)
    hosts = [f"127.0.0.1:{away_port()}", f"{real.host}:{real.port or 5432}"]
    listed = "&".join(f"host={host}" for host in hosts)
    return f"{real.drivername}://{real.username}@/{real.database}?{listed}&target_session_attrs=read-write"


def test_the_commands_reach_the_read_write_host_of_several(
    migrated_postgres: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSIGNER_DATABASE_URL", several_hosts(migrated_postgres))
    monkeypatch.setenv("ASSIGNER_HOME", str(tmp_path))
    assert run(["db", "upgrade"]) == 0  # alembic reads the URL through ConfigParser: '%' escaped
    assert "at revision" in capsys.readouterr().out
    roster = Path(__file__).resolve().parents[2] / "samples" / "roster.csv"
    assert run(["roster", "import", str(roster)]) == 0
    assert "officer(s) created or updated" in capsys.readouterr().out


def health_lines(out: str) -> dict[str, tuple[str, str]]:
    """`assigner health`'s lines: each check's status and detail by its name."""
    lines = {}
    for line in out.splitlines():
        status, _, rest = line.partition(" ")
        name, _, detail = rest.strip().partition(": ")
        lines[name] = (status, detail)
    return lines


def test_health_checks_each_host_the_one_away_a_warning_the_real_one_the_primary(
    migrated_postgres: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = several_hosts(migrated_postgres)
    away, real = [host.removeprefix("host=") for host in url.split("?")[1].split("&")[:2]]
    monkeypatch.setenv("ASSIGNER_DATABASE_URL", url)
    monkeypatch.setenv("ASSIGNER_HOME", str(tmp_path))
    run(["health"])  # fails as a whole here (no broker, no worker): only the database's lines are read
    lines = health_lines(capsys.readouterr().out)
    assert lines["database"][0] == "ok", lines
    status, detail = lines[f"database host {away}"]
    assert status == "warn" and detail.startswith("unreachable: OperationalError: "), detail
    assert lines[f"database host {real}"] == ("ok", "primary (read-write)")
    # This machine's server has no standby and waits for none: said, not failed.
    assert lines[f"database replication on {real}"] == (
        "warn",
        "no standby connected: each commit is on this host alone",
    )
    assert [name for name in lines if name.startswith("database ")] == [
        f"database host {away}",
        f"database host {real}",
        f"database replication on {real}",
    ]


def test_health_has_no_host_lines_for_one_host(
    migrated_postgres: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASSIGNER_DATABASE_URL", migrated_postgres)
    monkeypatch.setenv("ASSIGNER_HOME", str(tmp_path))
    run(["health"])
    lines = health_lines(capsys.readouterr().out)
    assert lines["database"][0] == "ok" and [name for name in lines if name.startswith("database")] == ["database"]
