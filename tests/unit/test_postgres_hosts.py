"""The PostgreSQL hosts of one ASSIGNER_DATABASE_URL (libpq's multi-host forms), each to be asked alone."""

from __future__ import annotations

import pytest

from assigner.domain.errors import InvalidInput
from assigner.storage.postgres_hosts import postgres_hosts

BASE = "postgresql+psycopg://assigner:p%40ss@/assigner"


def where(url: str) -> list[tuple[str, str | None, str | None]]:
    return [(host.name, host.params.get("host"), host.params.get("port")) for host in postgres_hosts(url)]


class TestPostgresHosts:
    def test_repeated_host_parameters_are_each_a_host(self) -> None:
        url = f"{BASE}?host=db1:5432&host=db2:5433&host=db3&target_session_attrs=read-write"
        assert where(url) == [("db1:5432", "db1", "5432"), ("db2:5433", "db2", "5433"), ("db3:5432", "db3", None)]

    def test_comma_lists_of_hosts_and_ports_are_each_a_host(self) -> None:
        assert where(f"{BASE}?host=db1,db2&port=5432,5433") == [
            ("db1:5432", "db1", "5432"),
            ("db2:5433", "db2", "5433"),
        ]

    def test_hostaddr_lists_name_the_hosts_too(self) -> None:
        hosts = postgres_hosts(f"{BASE}?hostaddr=10.0.0.1,10.0.0.2")
        assert [(h.name, h.params["hostaddr"]) for h in hosts] == [
            ("10.0.0.1:5432", "10.0.0.1"),
            ("10.0.0.2:5432", "10.0.0.2"),
        ]

    def test_each_host_is_asked_alone_whatever_its_role_within_a_short_timeout(self) -> None:
        choosing = "target_session_attrs=read-write&load_balance_hosts=random"
        url = f"{BASE}?host=db1:5432&host=db2:5432&{choosing}&connect_timeout=30"
        for host in postgres_hosts(url):
            assert host.params == {
                "user": "assigner",
                "password": "p@ss",
                "dbname": "assigner",
                "host": host.name.split(":")[0],
                "port": "5432",
                "connect_timeout": "5",
            }

    @pytest.mark.parametrize(
        "url",
        ["postgresql+psycopg://assigner@db1:5432/assigner", f"{BASE}?host=db1:5432", f"{BASE}?host=/run/postgresql"],
    )
    def test_one_host_is_one(self, url: str) -> None:
        assert len(postgres_hosts(url)) == 1

    def test_sqlite_has_no_postgres_host(self) -> None:
        assert postgres_hosts("sqlite:///tmp/assigner.db") == []

    @pytest.mark.parametrize(
        "query", ["host=db1,db2,db3&port=1,2", "host=db1,db2&hostaddr=10.0.0.1", "host=db1,db2&no_such_option=1"]
    )
    def test_hosts_and_ports_that_do_not_match_are_refused_in_one_line(self, query: str) -> None:
        with pytest.raises(InvalidInput, match="^ASSIGNER_DATABASE_URL: "):
            postgres_hosts(f"{BASE}?{query}")
