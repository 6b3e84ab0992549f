"""Migrations 0003 and 0006 on a database that already has audit entries: they are chained, then sealed as one
batch, and the log verifies, new batches after it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from environment import POSTGRES_ADMIN_URL, service_missing
from integration.helpers import load_roster, roster
from sqlalchemy import Engine

from alembic import command
from assigner.bootstrap import Runtime
from assigner.domain.audit_chain import GENESIS
from assigner.domain.model import Unit
from assigner.services.audit import verify_audit
from assigner.settings import Settings
from assigner.storage import migrate
from assigner.storage.engine import make_engine
from assigner.storage.scratch import scratch_database
from assigner.storage.tables import AuditRow, AuditSealRow, DeclarationRow
from assigner.storage.types import Json, UtcDateTime

T0 = datetime(2025, 6, 1, 14, 0, tzinfo=UTC)

# The audit log as revision 0002 had it: no seq, prev_hash or hash.
OLD_AUDIT = sa.table(
    "audit_log",
    sa.column("occurred_at", UtcDateTime()),
    sa.column("actor"),
    sa.column("action"),
    sa.column("mode"),
    sa.column("declaration_key"),
    sa.column("declaration_number"),
    sa.column("customs_office"),
    sa.column("department"),
    sa.column("officer_id"),
    sa.column("previous_officer_id"),
    sa.column("command_id"),
    sa.column("reason"),
    sa.column("details", Json),
)
OLD_DECLARATIONS = sa.table(
    "declarations",
    sa.column("declaration_key"),
    sa.column("declaration_number"),
    sa.column("customs_office"),
    sa.column("department"),
    sa.column("channel"),
    sa.column("status"),
    sa.column("registered_at", UtcDateTime()),
    sa.column("received_at", UtcDateTime()),
    sa.column("after_hours"),
    sa.column("first_declaration_number"),
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def unmigrated_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of its own (never migrated), on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    with ExitStack() as stack:
        try:
            url = stack.enter_context(scratch_database(POSTGRES_ADMIN_URL, "assigner_migration_test"))
        except Exception as error:  # any failure to reach the server
            service_missing("PostgreSQL", error)
        yield url


def upgrade_to(engine: Engine, revision: str) -> None:
    config = migrate.alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def assigned(minutes: int, number: str, officer_id: str, turn: int, position: int, cursor_from: int) -> dict[str, Any]:
    return {
        "occurred_at": T0 + timedelta(minutes=minutes),
        "actor": "system",
        "action": "assigned",
        "mode": "auto",
        "declaration_key": number[:11],
        "declaration_number": number,
        "customs_office": "01B1",
        "department": "00",
        "officer_id": officer_id,
        "previous_officer_id": None,
        "command_id": None,
        "reason": "rotation",
        "details": {
            "channel": "yellow",
            "after_hours": True,
            "turn": turn,
            "position": position,
            "cursor_from": cursor_from,
            "skipped": [],
        },
    }


OLD_ENTRIES: list[dict[str, Any]] = [
    {
        "occurred_at": T0,
        "actor": "cli",
        "action": "roster_import",
        "mode": None,
        "declaration_key": None,
        "declaration_number": None,
        "customs_office": None,
        "department": None,
        "officer_id": None,
        "previous_officer_id": None,
        "command_id": None,
        "reason": None,
        "details": {
            "units": [
                {
                    "unit": "01B1/00",
                    "created": True,
                    "roster_before": [],
                    "roster": ["a", "b"],
                    "added": ["a", "b"],
                    "removed": [],
                    "reordered": False,
                    "supervisors_changed": False,
                }
            ],
            "officers": [
                {"officer_id": "a", "created": True, "active": True},
                {"officer_id": "b", "created": True, "active": True},
            ],
        },
    },
    assigned(1, "105432198760", "a", 1, 1, 0),
    assigned(2, "105432198770", "b", 2, 2, 1),
    # Microseconds and non-ASCII text must hash the same once read back from either database.
    {
        **assigned(3, "105432198780", "a", 3, 1, 2),
        "reason": "rotation (nghỉ ốm)",
        "occurred_at": T0 + timedelta(minutes=3, microseconds=123456),
    },
]


def old_declaration(number: str, first: str | None) -> dict[str, Any]:
    return {
        "declaration_key": number[:11],
        "declaration_number": number,
        "customs_office": "01B1",
        "department": "00",
        "channel": "green",
        "status": "recorded",
        "registered_at": T0,
        "received_at": T0,
        "after_hours": True,
        "first_declaration_number": first,
    }


class TestMigration0003:
    def test_existing_audit_entries_are_chained_in_order_and_verify(self, unmigrated_url: str, tmp_path: Path) -> None:
        engine = make_engine(unmigrated_url)
        upgrade_to(engine, "0002")
        with engine.begin() as connection:
            connection.execute(OLD_AUDIT.insert(), OLD_ENTRIES)
        migrate.upgrade(engine)
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(AuditRow.id, AuditRow.seq, AuditRow.prev_hash, AuditRow.hash).order_by(AuditRow.id)
            ).all()
            seals = connection.execute(sa.select(AuditSealRow)).all()
        engine.dispose()
        assert [row.seq for row in rows] == [1, 2, 3, 4]
        assert [(seal.seq, seal.batch, seal.entries, seal.last_hash) for seal in seals] == [(1, 1, 4, rows[-1].hash)]
        assert rows[0].prev_hash == GENESIS
        assert all(later.prev_hash == earlier.hash for earlier, later in zip(rows, rows[1:]))
        settings = Settings(database_url=unmigrated_url, home=tmp_path / "home")
        runtime = Runtime(settings, clock=lambda: T0 + timedelta(hours=1))
        try:
            result = verify_audit(runtime.ready().unit_of_work())
            assert result.ok, result.problem
            assert (result.entries, result.turns, result.head) == (4, 3, seals[0].hash)
            load_roster(runtime, roster(Unit("02CI", "01"), "x"))  # a new batch, sealed after the old one
            later = verify_audit(runtime.unit_of_work())
            assert later.ok and later.entries == 5
            assert verify_audit(runtime.unit_of_work(), since=result.head).entries == 1
        finally:
            runtime.engine.dispose()

    def test_an_empty_audit_log_upgrades_to_an_empty_chain(self, unmigrated_url: str, tmp_path: Path) -> None:
        engine = make_engine(unmigrated_url)
        upgrade_to(engine, "0002")
        migrate.upgrade(engine)
        assert migrate.drift(engine) == []
        engine.dispose()
        runtime = Runtime(Settings(database_url=unmigrated_url, home=tmp_path / "home"))
        try:
            assert verify_audit(runtime.ready().unit_of_work()).entries == 0
        finally:
            runtime.engine.dispose()

    def test_branch_lots_are_filled_in_for_existing_declarations(self, unmigrated_url: str) -> None:
        engine = make_engine(unmigrated_url)
        upgrade_to(engine, "0002")
        with engine.begin() as connection:
            connection.execute(
                OLD_DECLARATIONS.insert(),
                [
                    old_declaration("105432198760", "F"),
                    old_declaration("105432198771", "105432198760"),
                    old_declaration("105432198780", None),
                ],
            )
        migrate.upgrade(engine)
        with engine.connect() as connection:
            lots = dict(connection.execute(sa.select(DeclarationRow.declaration_key, DeclarationRow.branch_lot)).all())
        engine.dispose()
        assert lots == {"10543219876": "10543219876", "10543219877": "10543219876", "10543219878": None}
