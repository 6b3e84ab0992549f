"""Several PostgreSQL hosts in ASSIGNER_DATABASE_URL (libpq's multi-host form, `target_session_attrs=read-write`):
with the first host away, the commands go to the next, and the migrations run through the URL's percent-encoding.
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
