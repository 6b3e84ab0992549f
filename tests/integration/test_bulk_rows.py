"""A batch's rows as storage writes them (COPY on PostgreSQL, an executemany on SQLite), and the confirms of
earlier events marked in a batch's own transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone

import pytest
from integration.helpers import UNIT, declaration, load_roster, numbers, roster
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session

from assigner.bootstrap import Runtime
from assigner.services.assign import assign_declarations, assign_isolating_refusals
from assigner.storage.bulk import insert_rows
from assigner.storage.tables import OutboxRow

HANOI = timezone(timedelta(hours=7))


def outbox_row(event_id: str, created_at: datetime) -> dict[str, object]:
    return {
        "event_id": event_id,
        "event": "declaration.assigned",
        "routing_key": "declaration.assigned.01B1.00",
        "declaration_key": None,
        "command_id": None,
        "body": {"event_id": event_id},
        "created_at": created_at,
    }


def published(runtime: Runtime) -> dict[str, datetime | None]:
    with runtime.engine.connect() as connection:
        return {event_id: at for event_id, at in connection.execute(select(OutboxRow.event_id, OutboxRow.published_at))}


class TestBatchRows:
    def test_a_time_with_an_offset_is_stored_as_its_instant_and_read_back_in_utc(self, runtime: Runtime) -> None:
        made = datetime(2025, 6, 2, 9, 30, 15, 123456, tzinfo=HANOI)
        with Session(runtime.engine) as session, session.begin():
            insert_rows(session, OutboxRow, [outbox_row("e1", made), outbox_row("e2", made.astimezone(UTC))])
        with Session(runtime.engine) as session:
            stored = session.scalars(select(OutboxRow.created_at).order_by(OutboxRow.event_id)).all()
        assert stored == [made, made]
        assert all(moment.utcoffset() == timedelta(0) for moment in stored)

    def test_a_naive_time_is_refused(self, runtime: Runtime) -> None:
        with Session(runtime.engine) as session, pytest.raises((ValueError, StatementError), match="naive datetime"):
            with session.begin():
                insert_rows(session, OutboxRow, [outbox_row("e1", datetime(2025, 6, 2, 9, 30))])

    def test_json_orjson_cannot_write_is_written_as_before(self, runtime: Runtime) -> None:
        row = outbox_row("e1", datetime(2025, 6, 2, tzinfo=UTC)) | {"body": {"big": 2**70, "text": "Nguyễn"}}
        with Session(runtime.engine) as session, session.begin():
            insert_rows(session, OutboxRow, [row])
        with Session(runtime.engine) as session:
            assert session.scalars(select(OutboxRow.body)).one() == {"big": 2**70, "text": "Nguyễn"}

    def test_a_lone_surrogate_in_json_is_refused_by_postgresql_and_kept_by_sqlite_as_before(
        self, runtime: Runtime
    ) -> None:
        row = outbox_row("e1", datetime(2025, 6, 2, tzinfo=UTC)) | {"body": {"text": "\ud800"}}
        if runtime.engine.dialect.name != "postgresql":  # SQLite stores the JSON escape as text
            with Session(runtime.engine) as session, session.begin():
                insert_rows(session, OutboxRow, [row])
            with Session(runtime.engine) as session:
                assert session.scalars(select(OutboxRow.body)).one() == {"text": "\ud800"}
            return
        with Session(runtime.engine) as session, pytest.raises(DBAPIError) as refused:
            with session.begin():
                insert_rows(session, OutboxRow, [row])
        assert runtime.unit_of_work().refusal(refused.value) is not None  # a refusal: the message is dead-lettered


class TestConfirmsMarkedInABatch:
    def test_the_confirmed_events_are_marked_published_in_the_batchs_transaction(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, "a", "b"))
        first = assign_declarations(runtime.unit_of_work(), [declaration(numbers(1)[0])], runtime.clock, runtime.policy)
        ids = [event.event_id for event in first.events]
        second = assign_declarations(
            runtime.unit_of_work(), [declaration(numbers(2)[1])], runtime.clock, runtime.policy, ids
        )
        assert second.marked == ids
        marks = published(runtime)
        assert [marks[i] for i in ids] == [runtime.clock()]
        assert [marks[e.event_id] for e in second.events] == [None]

    def test_when_the_batch_is_refused_the_first_declaration_stored_alone_carries_the_marks(
        self, runtime: Runtime
    ) -> None:
        load_roster(runtime, roster(UNIT, "a", "b"))
        first = assign_declarations(runtime.unit_of_work(), [declaration(numbers(1)[0])], runtime.clock, runtime.policy)
        ids = [event.event_id for event in first.events]
        _, refused_number, stored = numbers(3)
        with refusing(runtime, refused_number):
            results, refused = assign_isolating_refusals(
                runtime.unit_of_work(),
                [declaration(refused_number), declaration(stored)],
                runtime.clock,
                runtime.policy,
                confirmed=ids,
            )
        assert [r.index for r in refused] == [0]
        assert [list(r.marked) for r in results] == [ids]
        assert published(runtime)[ids[0]] == runtime.clock()


@contextmanager
def refusing(runtime: Runtime, number: str) -> Iterator[None]:
    """The database refuses to store the declaration `number` while inside."""
    postgresql = runtime.engine.dialect.name == "postgresql"
    with runtime.engine.begin() as connection:
        if postgresql:
            connection.exec_driver_sql(
                f"ALTER TABLE declarations ADD CONSTRAINT no_{number} CHECK (declaration_number <> '{number}')"
            )
        else:
            connection.exec_driver_sql(
                f"CREATE TRIGGER no_{number} BEFORE INSERT ON declarations "
                f"WHEN NEW.declaration_number = '{number}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
    try:
        yield
    finally:
        with runtime.engine.begin() as connection:
            if postgresql:
                connection.exec_driver_sql(f"ALTER TABLE declarations DROP CONSTRAINT no_{number}")
            else:
                connection.exec_driver_sql(f"DROP TRIGGER no_{number}")
