"""What health says of each PostgreSQL host of a cluster, pure: the rows of pg_stat_replication and a host's
answers in, the checks out (the real standby is exercised by `assigner chaos --cluster`)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from assigner.domain.replication import (
    ServerState,
    Standby,
    host_checks,
    replication_check,
    required_synchronous,
    role_check,
)

NAME = "database replication on db1:5432"


def standby(sync_state: str | None, name: str = "db2", lag: float | None = 0.2) -> Standby:
    """A streaming standby as pg_stat_replication shows it (sync_state None: hidden from the user)."""
    state = None if sync_state is None else "streaming"
    return Standby(name, "10.0.0.2", state, sync_state, None if lag is None else timedelta(seconds=lag))


class TestSynchronousStandbyNames:
    @pytest.mark.parametrize(
        ("names", "required"),
        [
            ("", 0),
            ("  ", 0),
            ("db2", 1),
            ("db2, db3", 1),
            ("*", 1),
            ("FIRST 1 (db2, db3)", 1),
            ("any 2 (db2, db3)", 2),
            ("2 (db2, db3)", 2),
            ('FIRST 1 ("db-2")', 1),
        ],
    )
    def test_the_standbys_each_commit_waits_for_are_counted(self, names: str, required: int) -> None:
        assert required_synchronous(names) == required


class TestReplication:
    def test_no_synchronous_standby_connected_while_named_fails_every_commit_waits(self) -> None:
        check = replication_check(NAME, "FIRST 1 (db2)", (standby("async", name="db3"),))
        assert (check.status, check.value) == ("fail", 1)
        assert check.detail.startswith(
            "synchronous_standby_names is set ('FIRST 1 (db2)') but no synchronous standby is connected: "
            "every commit waits; connected: db3 (10.0.0.2) streaming, async, replay lag 0.2 s"
        )

    def test_no_standby_at_all_while_named_fails(self) -> None:
        check = replication_check(NAME, "db2", ())
        assert check.status == "fail" and check.detail.endswith(
            "no synchronous standby is connected: every commit waits"
        )

    def test_fewer_synchronous_standbys_than_asked_for_fails(self) -> None:
        check = replication_check(NAME, "ANY 2 (db2, db3)", (standby("quorum"),))
        assert (
            check.status == "fail" and "only 1 of the 2 it asks for are connected: every commit waits" in check.detail
        )

    @pytest.mark.parametrize(("names", "sync_state"), [("FIRST 1 (db2)", "sync"), ("ANY 1 (db2, db3)", "quorum")])
    def test_a_synchronous_standby_connected_is_ok(self, names: str, sync_state: str) -> None:
        check = replication_check(NAME, names, (standby(sync_state), standby("potential", name="db3", lag=None)))
        assert (check.status, check.value) == ("ok", 2)
        assert check.detail == (
            f"synchronous_standby_names '{names}'; db2 (10.0.0.2) streaming, {sync_state}, replay lag 0.2 s; "
            "db3 (10.0.0.2) streaming, potential, caught up"
        )

    def test_a_standby_while_no_standby_is_named_is_asynchronous_a_warning(self) -> None:
        check = replication_check(NAME, "", (standby("async"),))
        assert check.status == "warn"
        assert check.detail.startswith("asynchronous standby: a failover can lose committed decisions; db2 ")

    def test_no_standby_and_none_named_is_a_warning_the_primary_is_alone(self) -> None:
        check = replication_check(NAME, "", ())
        assert (check.status, check.detail) == ("warn", "no standby connected: each commit is on this host alone")

    def test_standbys_hidden_from_the_user_are_a_warning_never_a_failure(self) -> None:
        check = replication_check(NAME, "FIRST 1 (db2)", (standby(None),))
        assert check.status == "warn" and check.detail.endswith("hidden from this user: grant it pg_monitor")


class TestRoles:
    def test_each_role_is_said(self) -> None:
        assert role_check("h", ServerState(False)).detail == "primary (read-write)"
        replaying = role_check("h", ServerState(True, receiving=True, sender="db1:5432"))
        assert (replaying.status, replaying.detail) == ("ok", "standby (read-only, replaying from db1:5432)")

    def test_a_standby_receiving_nothing_is_a_warning(self) -> None:
        check = role_check("h", ServerState(True))
        assert check.status == "warn" and check.detail.startswith("standby (read-only, receiving no WAL")


class TestHosts:
    def test_a_host_away_is_a_warning_while_another_answers(self) -> None:
        checks = host_checks([("db1:5432", "unreachable: OperationalError: refused"), ("db2:5432", ServerState(False))])
        assert [(c.name, c.status) for c in checks] == [
            ("database host db1:5432", "warn"),
            ("database host db2:5432", "ok"),
            ("database replication on db2:5432", "warn"),
        ]
        assert checks[0].detail == "unreachable: OperationalError: refused"

    def test_every_host_away_fails(self) -> None:
        checks = host_checks([("db1:5432", "unreachable: x"), ("db2:5432", "unreachable: y")])
        assert [c.status for c in checks] == ["fail", "fail"]

    def test_two_primaries_are_a_split_brain_and_fail(self) -> None:
        checks = host_checks([("db1:5432", ServerState(False)), ("db2:5432", ServerState(False))])
        assert checks[-1].name == "database primaries" and checks[-1].status == "fail"
        assert "2 hosts are read-write (db1:5432, db2:5432)" in checks[-1].detail

    def test_a_standby_has_no_replication_line(self) -> None:
        checks = host_checks([("db1:5432", ServerState(False)), ("db2:5432", ServerState(True, receiving=True))])
        assert [c.name for c in checks] == [
            "database host db1:5432",
            "database replication on db1:5432",
            "database host db2:5432",
        ]


class TestSynchronousCommit:
    @pytest.mark.parametrize("level", ["off", "local"])
    def test_a_synchronous_standby_does_not_keep_commits_that_do_not_wait_for_it(self, level: str) -> None:
        check = replication_check(NAME, "FIRST 1 (db2)", (standby("sync"),), level)
        assert check.ok and check.warning and f"synchronous_commit is '{level}'" in check.detail

    @pytest.mark.parametrize("level", ["on", "remote_write", "remote_apply"])
    def test_commits_that_wait_for_the_standby_are_plainly_ok(self, level: str) -> None:
        check = replication_check(NAME, "FIRST 1 (db2)", (standby("sync"),), level)
        assert check.ok and not check.warning
