"""The audit trail: the hash chain and the rotation re-derived from it, through the service and the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from integration.conftest import FrozenClock
from integration.helpers import (
    SUPERVISOR,
    UNIT,
    Cli,
    assign,
    command_body,
    declaration,
    load_roster,
    numbers,
    roster,
    send_command,
)
from sqlalchemy import ColumnElement, Connection, and_, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError

from assigner.bootstrap import Runtime
from assigner.domain.audit_chain import GENESIS, entry_hash, seal_hash
from assigner.domain.errors import InvalidInput
from assigner.domain.model import Unit
from assigner.services.absences import return_due_officers
from assigner.services.audit import declaration_history, verify_audit
from assigner.services.audit_walk import Verification
from assigner.settings import Settings
from assigner.storage.audit import AuditLog
from assigner.storage.tables import AuditRow, AuditSealRow, CursorRow

OTHER_UNIT = Unit("01B1", "01")
BOX = "CSQU3054383"


def verify(runtime: Runtime) -> Verification:
    return verify_audit(runtime.unit_of_work())


def audit_count(runtime: Runtime) -> int:
    with runtime.engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(AuditRow)) or 0


@dataclass(frozen=True)
class Located:
    """An entry's place in the log (from 1, in chain order) and its row's (batch, seq)."""

    place: int
    batch: int
    seq: int

    def row(self) -> ColumnElement[bool]:
        return and_(AuditRow.batch == self.batch, AuditRow.seq == self.seq)


def locate(runtime: Runtime, *where: ColumnElement[bool]) -> Located:
    """The first entry matching, in chain order (seals in order, then each batch's entries)."""
    query = (
        select(AuditRow.batch, AuditRow.seq, (AuditRow.id.in_(select(AuditRow.id).where(*where))).label("hit"))
        .join(AuditSealRow, AuditSealRow.batch == AuditRow.batch)
        .order_by(AuditSealRow.seq, AuditRow.seq)
    )
    with runtime.engine.connect() as connection:
        for place, row in enumerate(connection.execute(query), start=1):
            if row.hit:
                return Located(place, row.batch, row.seq)
    raise AssertionError("no entry matches")


def reseal(connection: Connection) -> None:
    """Rewrite every batch's chain and every seal consistently with the rows as they now are (a forger's work)."""
    seal_prev = GENESIS
    for seal in [dict(r) for r in connection.execute(select(AuditSealRow).order_by(AuditSealRow.seq)).mappings()]:
        prev = GENESIS
        query = select(AuditRow).where(AuditRow.batch == seal["batch"]).order_by(AuditRow.seq)
        for row in [dict(r) for r in connection.execute(query).mappings()]:
            row["prev_hash"], row["hash"] = prev, entry_hash(prev, row)
            prev = row["hash"]
            connection.execute(
                update(AuditRow).where(AuditRow.id == row["id"]).values(prev_hash=row["prev_hash"], hash=row["hash"])
            )
        seal.update(last_hash=prev, prev_hash=seal_prev)
        seal["hash"] = seal_prev = seal_hash(seal_prev, seal)
        connection.execute(
            update(AuditSealRow)
            .where(AuditSealRow.seq == seal["seq"])
            .values(last_hash=seal["last_hash"], prev_hash=seal["prev_hash"], hash=seal["hash"])
        )


def insert_unsealed(runtime: Runtime, batch: int, seq: int = 1) -> None:
    """A copy of the last entry inserted under batch number `batch` (which no seal has), at place `seq`."""
    with runtime.engine.begin() as connection:
        row = connection.execute(select(AuditRow).order_by(AuditRow.id.desc()).limit(1)).mappings().one()
        connection.execute(insert(AuditRow), [{**row, "id": row["id"] + 1, "batch": batch, "seq": seq}])


def small_history(runtime: Runtime) -> list[str]:
    """A roster import and a few turns, one of them moved by hand: the declaration numbers."""
    load_roster(runtime, roster(UNIT, "a", "b", "c", supervisors=(SUPERVISOR,)))
    batch = numbers(4)
    assign(runtime, [declaration(n) for n in batch])
    assert send_command(runtime, command_body("reassign", declaration_number=batch[0], to_officer_id="c")).accepted
    return batch


def mixed_history(runtime: Runtime, clock: FrozenClock) -> None:
    """Everything that writes to the audit log, interleaved, over two units and a few hours."""
    load_roster(
        runtime,
        roster(UNIT, "a", "b", "c", supervisors=(SUPERVISOR,))
        + roster(OTHER_UNIT, "x", "a", supervisors=(SUPERVISOR,)),
    )
    first, second, boxed, shares_box, plain, there = numbers(6)
    assign(
        runtime,
        [
            declaration(first, first_declaration_number="F"),
            declaration(boxed, container_numbers=[BOX]),
            declaration(plain),
            declaration(there, OTHER_UNIT),
            declaration(numbers(1, start=30)[0], channel="green"),
        ],
    )
    clock.advance(minutes=5)
    assign(
        runtime, [declaration(second, first_declaration_number=first), declaration(shares_box, container_numbers=[BOX])]
    )
    assign(runtime, [declaration(first[:11] + "1", first_declaration_number="F")])  # an amendment
    send_command(runtime, command_body("reassign", declaration_number=plain, to_officer_id="a", reason="balance"))
    send_command(runtime, command_body("reassign_group", group="container", key=BOX, to_officer_id="c"))
    send_command(runtime, command_body("complete", declaration_number=boxed))
    clock.advance(minutes=5)
    until = clock() + timedelta(hours=2)
    assert send_command(runtime, command_body("officer_absent", officer_id="a", until=until.isoformat())).accepted
    assign(runtime, [declaration(n) for n in numbers(3, start=40)])
    assign(runtime, [declaration(n, OTHER_UNIT) for n in numbers(2, start=50)])
    assert send_command(runtime, command_body("officer_absent", officer_id="b", redistribute=False)).accepted
    assign(runtime, [declaration(n) for n in numbers(2, start=60)])
    assert send_command(runtime, command_body("officer_available", officer_id="b")).accepted
    send_command(runtime, command_body("officer_available", officer_id="c"))  # refused: c is not absent
    send_command(runtime, command_body("complete", declaration_number=plain, issued_by="a"))  # dead-lettered
    load_roster(
        runtime,
        roster(UNIT, "c", "a", "b", inactive=("b",), supervisors=(SUPERVISOR,))
        + roster(OTHER_UNIT, "x", "a", supervisors=(SUPERVISOR,)),
    )
    assign(runtime, [declaration(n) for n in numbers(2, start=70)])
    units = [{"customs_office": OTHER_UNIT.customs_office, "department": OTHER_UNIT.department}]
    send_command(runtime, command_body("officer_absent", officer_id="x", units=units, until=until.isoformat()))
    assign(runtime, [declaration(n, OTHER_UNIT) for n in numbers(2, start=80)])  # held: a and x away there
    clock.advance(hours=3)
    released, _ = return_due_officers(runtime.unit_of_work(), clock, runtime.policy)
    assert len(released) == 5  # x's three, redistributed to nobody and held, and the two that came after
    assign(runtime, [declaration(n) for n in numbers(3, start=90)] + [declaration(numbers(1, start=95)[0], OTHER_UNIT)])


class TestVerifyAudit:
    def test_an_empty_log_is_ok(self, runtime: Runtime) -> None:
        result = verify(runtime)
        assert result.ok and (result.entries, result.turns) == (0, 0)

    def test_a_mixed_history_verifies(self, runtime: Runtime, clock: FrozenClock) -> None:
        mixed_history(runtime, clock)
        result = verify(runtime)
        assert result.ok, result.problem
        assert result.entries == audit_count(runtime) and result.failed_seq is None
        with runtime.engine.connect() as connection:
            head = connection.scalar(select(AuditSealRow.hash).order_by(AuditSealRow.seq.desc()).limit(1))
            modes = set(connection.scalars(select(AuditRow.mode).where(AuditRow.mode.is_not(None))))
        assert result.head == head
        assert modes == {"auto", "group", "manual", "redistributed"}
        assert result.turns >= 20

    def test_each_transaction_is_a_batch_chained_from_genesis_and_sealed_in_order(self, runtime: Runtime) -> None:
        small_history(runtime)  # a roster import, a batch of 4, a reassignment
        with runtime.engine.connect() as connection:
            rows = connection.execute(select(AuditRow).order_by(AuditRow.batch, AuditRow.seq)).all()
            seals = connection.execute(select(AuditSealRow).order_by(AuditSealRow.seq)).all()
        assert [seal.seq for seal in seals] == [1, 2, 3] and [seal.entries for seal in seals] == [1, 4, 2]
        assert seals[0].prev_hash == GENESIS
        assert all(later.prev_hash == earlier.hash for earlier, later in zip(seals, seals[1:]))
        for seal in seals:
            batch = [row for row in rows if row.batch == seal.batch]
            assert [row.seq for row in batch] == list(range(1, seal.entries + 1))
            assert batch[0].prev_hash == GENESIS and batch[-1].hash == seal.last_hash
            assert all(later.prev_hash == earlier.hash for earlier, later in zip(batch, batch[1:]))

    def test_an_entry_edited_in_the_database_fails_at_that_entry(self, runtime: Runtime) -> None:
        batch = small_history(runtime)
        target = locate(runtime, AuditRow.action == "assigned", AuditRow.declaration_key == batch[1][:11])
        with runtime.engine.begin() as connection:
            connection.execute(update(AuditRow).where(target.row()).values(officer_id="c"))
        result = verify(runtime)
        assert not result.ok and result.failed_seq == target.place and result.entries == target.place - 1
        assert result.problem == "its content does not match its hash (the entry was edited)"

    def test_an_entry_edited_with_its_hash_recomputed_breaks_the_next_link(self, runtime: Runtime) -> None:
        batch = small_history(runtime)
        target = locate(runtime, AuditRow.action == "assigned", AuditRow.declaration_key == batch[1][:11])
        with runtime.engine.begin() as connection:
            row = connection.execute(select(AuditRow).where(target.row())).mappings().one()
            forged = entry_hash(row["prev_hash"], {**row, "reason": "edited"})
            connection.execute(update(AuditRow).where(target.row()).values(reason="edited", hash=forged))
        result = verify(runtime)
        assert not result.ok and result.failed_seq == target.place + 1
        assert result.problem is not None and result.problem.startswith("does not link to the entry before it")

    def test_the_last_entry_of_a_batch_rewritten_with_its_hash_breaks_the_seal(self, runtime: Runtime) -> None:
        batch = small_history(runtime)
        target = locate(runtime, AuditRow.action == "assigned", AuditRow.declaration_key == batch[3][:11])
        with runtime.engine.begin() as connection:
            row = connection.execute(select(AuditRow).where(target.row())).mappings().one()
            forged = entry_hash(row["prev_hash"], {**row, "reason": "edited"})
            connection.execute(update(AuditRow).where(target.row()).values(reason="edited", hash=forged))
        result = verify(runtime)
        assert not result.ok and result.failed_seq == target.place
        assert result.problem == "its batch does not end as its seal says (an entry was rewritten)"

    def test_a_deleted_entry_fails_where_it_is_missing(self, runtime: Runtime) -> None:
        batch = small_history(runtime)
        target = locate(runtime, AuditRow.action == "assigned", AuditRow.declaration_key == batch[2][:11])
        with runtime.engine.begin() as connection:
            connection.execute(delete(AuditRow).where(target.row()))
        result = verify(runtime)
        assert not result.ok and result.failed_seq == target.place
        assert result.problem == f"entry {target.seq} of its batch is missing (deleted?)"

    def test_a_deleted_last_entry_fails_as_missing(self, runtime: Runtime) -> None:
        batch = small_history(runtime)
        target = locate(runtime, AuditRow.action == "assigned", AuditRow.declaration_key == batch[3][:11])
        with runtime.engine.begin() as connection:
            connection.execute(delete(AuditRow).where(target.row()))
        result = verify(runtime)
        assert not result.ok and result.failed_seq == target.place
        assert result.problem == f"entry {target.place} is missing (deleted?)"

    def test_a_deleted_seal_fails_where_it_is_missing(self, runtime: Runtime) -> None:
        small_history(runtime)
        with runtime.engine.begin() as connection:
            connection.execute(delete(AuditSealRow).where(AuditSealRow.seq == 2))
        result = verify(runtime)
        assert not result.ok and result.failed_seq == 2 and result.problem == "seal 2 is missing (deleted?)"

    def test_entries_inserted_under_no_seal_fail(self, runtime: Runtime) -> None:
        small_history(runtime)
        with runtime.engine.begin() as connection:
            row = connection.execute(select(AuditRow).order_by(AuditRow.id.desc()).limit(1)).mappings().one()
            connection.execute(insert(AuditRow), [{**row, "id": row["id"] + 1, "batch": row["batch"] + 1, "seq": 1}])
        result = verify(runtime)
        assert not result.ok and result.failed_seq == 8
        assert result.problem == f"entry 1 of batch {row['batch'] + 1} is under no seal (inserted?)"

    @pytest.mark.parametrize("batch", [0, -5])
    def test_entries_numbered_below_every_batch_are_read_and_fail(self, runtime: Runtime, batch: int) -> None:
        small_history(runtime)
        insert_unsealed(runtime, batch, seq=3)
        result = verify(runtime)
        assert not result.ok and result.failed_seq == 8
        assert result.problem == f"entry 3 of batch {batch} is under no seal (inserted?)"

    def test_a_forged_seal_chain_is_found_by_the_head_kept_elsewhere(self, runtime: Runtime) -> None:
        batch = small_history(runtime)
        head = verify(runtime).head
        assign(runtime, [declaration(n) for n in numbers(2, start=20)])
        target = locate(runtime, AuditRow.action == "assigned", AuditRow.declaration_key == batch[1][:11])
        with runtime.engine.begin() as connection:
            connection.execute(update(AuditRow).where(target.row()).values(reason="edited"))
            reseal(connection)
        assert verify(runtime).ok  # consistent in itself: only a head kept elsewhere shows the rewrite
        with pytest.raises(InvalidInput, match="no seal of this audit log has the head"):
            verify_audit(runtime.unit_of_work(), since=head)

    def test_a_tampered_cursor_fails_the_rotation_rules_with_an_intact_chain(self, runtime: Runtime) -> None:
        small_history(runtime)
        assert verify(runtime).ok
        with runtime.engine.begin() as connection:
            connection.execute(update(CursorRow).values(position=0))  # gives a a turn out of order
        assign(runtime, [declaration(n) for n in numbers(2, start=20)])
        result = verify(runtime)
        target = locate(runtime, AuditRow.declaration_key == numbers(1, start=20)[0][:11])
        assert not result.ok and result.failed_seq == target.place and result.entries == target.place - 1
        assert result.problem is not None and result.problem.startswith("does not follow the rotation rules: ")
        assert "officer_id is 'a'; the rotation rules give 'b'" in result.problem

    def test_an_assignment_the_rules_would_not_give_fails_even_when_chained(self, runtime: Runtime) -> None:
        small_history(runtime)
        # Rewrite every chain and seal consistently after changing who got turn 2: only the replay can tell.
        with runtime.engine.begin() as connection:
            for row in connection.execute(select(AuditRow)).mappings().all():
                if row["action"] == "assigned" and row["details"].get("turn") == 2:
                    connection.execute(update(AuditRow).where(AuditRow.id == row["id"]).values(officer_id="c"))
            reseal(connection)
        result = verify(runtime)
        assert not result.ok and result.problem == (
            "does not follow the rotation rules: officer_id is 'c'; the rotation rules give 'b'"
        )


@pytest.mark.postgresql
class TestVerifyReadsOneSnapshot:
    """PostgreSQL reads each statement in its own snapshot unless told otherwise; SQLite's writers wait."""

    @pytest.fixture
    def live(self, postgres_database: str, tmp_path: Path, clock: FrozenClock) -> Iterator[Runtime]:
        runtime = Runtime(settings=Settings(database_url=postgres_database, home=tmp_path / "home"), clock=clock)
        yield runtime.ready()
        runtime.engine.dispose()

    def test_a_batch_sealed_between_the_reads_of_seals_and_entries_is_no_false_alarm(
        self, live: Runtime, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        small_history(live)
        read_entries = AuditLog.batches
        committed: list[int] = []

        def batches_after_a_commit(log: AuditLog, first: int | None = None) -> Iterator[tuple[int, Any]]:
            # The seals are read by now: another transaction assigns and seals a batch before the entries are.
            committed.append(len(assign(live, [declaration(n) for n in numbers(2, start=20)]).decisions))
            yield from read_entries(log, first)

        monkeypatch.setattr(AuditLog, "batches", batches_after_a_commit)
        result = verify(live)
        assert committed == [2]
        assert result.ok, result.problem
        assert result.entries == 7  # as the log was when the verify began
        monkeypatch.undo()
        assert verify(live).entries == 9 == audit_count(live)

    def test_the_verify_writes_nothing(self, live: Runtime) -> None:
        small_history(live)
        with live.unit_of_work() as uow:
            uow.audit.read_one_snapshot()
            with pytest.raises(DBAPIError, match="read-only transaction"):
                uow.audit.record(live.clock(), "someone", "note")


class TestVerifySince:
    def test_only_what_was_sealed_after_the_head_is_checked_and_chained_to_it(self, runtime: Runtime) -> None:
        batch = small_history(runtime)
        first = verify(runtime)
        assign(runtime, [declaration(n) for n in numbers(3, start=20)])
        later = verify_audit(runtime.unit_of_work(), since=first.head)
        assert later.ok and later.entries == 3 and later.head == verify(runtime).head
        # An entry before the head edited: not this check's business (the head was checked when printed).
        target = locate(runtime, AuditRow.declaration_key == batch[1][:11])
        with runtime.engine.begin() as connection:
            connection.execute(update(AuditRow).where(target.row()).values(reason="edited"))
        assert verify_audit(runtime.unit_of_work(), since=first.head).ok
        assert not verify(runtime).ok

    def test_an_entry_after_the_head_edited_fails(self, runtime: Runtime) -> None:
        small_history(runtime)
        head = verify(runtime).head
        assign(runtime, [declaration(n) for n in numbers(3, start=20)])
        target = locate(runtime, AuditRow.declaration_key == numbers(3, start=20)[1][:11])
        with runtime.engine.begin() as connection:
            connection.execute(update(AuditRow).where(target.row()).values(officer_id="a"))
        result = verify_audit(runtime.unit_of_work(), since=head)
        assert not result.ok and result.failed_seq == 2 and result.since == head
        assert result.problem == "its content does not match its hash (the entry was edited)"

    def test_nothing_new_since_the_head_is_ok(self, runtime: Runtime) -> None:
        small_history(runtime)
        head = verify(runtime).head
        result = verify_audit(runtime.unit_of_work(), since=head)
        assert result.ok and result.entries == 0 and result.head == head

    def test_a_later_seal_given_the_heads_hash_fails_naming_its_last_entry(self, runtime: Runtime) -> None:
        small_history(runtime)
        head = verify(runtime).head
        assign(runtime, [declaration(n) for n in numbers(3, start=20)])
        with runtime.engine.begin() as connection:  # one UPDATE: the last seal now says it is the head
            connection.execute(update(AuditSealRow).where(AuditSealRow.seq == 4).values(hash=head))
        result = verify_audit(runtime.unit_of_work(), since=head)
        assert not result.ok and result.at_head and result.failed_seq == 10 and result.entries == 0
        assert result.problem == (
            "seal 4 says its hash is the head, but its content and the seal before it give "
            "another (the seal was edited)"
        )

    def test_a_forged_chain_whose_last_seal_claims_the_head_fails(self, runtime: Runtime) -> None:
        batch = small_history(runtime)
        head = verify(runtime).head
        assign(runtime, [declaration(n) for n in numbers(2, start=20)])
        target = locate(runtime, AuditRow.declaration_key == batch[1][:11])
        with runtime.engine.begin() as connection:
            connection.execute(update(AuditRow).where(target.row()).values(reason="edited"))
            reseal(connection)  # the real head's seal is gone: only the forged last one has its hash
            connection.execute(update(AuditSealRow).where(AuditSealRow.seq == 4).values(hash=head))
        result = verify_audit(runtime.unit_of_work(), since=head)
        assert not result.ok and result.at_head and result.failed_seq == 9
        assert result.problem is not None and result.problem.startswith("seal 4 says its hash is the head")

    def test_the_heads_own_seal_edited_fails(self, runtime: Runtime) -> None:
        small_history(runtime)
        head = verify(runtime).head
        assign(runtime, [declaration(n) for n in numbers(2, start=20)])
        with runtime.engine.begin() as connection:  # one entry fewer: the last of batch 3 dropped from its seal
            connection.execute(update(AuditSealRow).where(AuditSealRow.seq == 3).values(entries=1))
        result = verify_audit(runtime.unit_of_work(), since=head)
        assert not result.ok and result.at_head and result.failed_seq == 6
        assert result.problem is not None and result.problem.startswith("seal 3 says its hash is the head")

    def test_the_heads_seal_must_link_to_the_seal_before_it(self, runtime: Runtime) -> None:
        small_history(runtime)
        head = verify(runtime).head
        with runtime.engine.begin() as connection:
            connection.execute(update(AuditSealRow).where(AuditSealRow.seq == 2).values(hash="f" * 64))
        result = verify_audit(runtime.unit_of_work(), since=head)
        assert not result.ok and result.at_head and result.failed_seq == 7
        assert result.problem == (
            "seal 3, which has the head, does not link to the seal before it (a seal was rewritten)"
        )
        with runtime.engine.begin() as connection:
            connection.execute(delete(AuditSealRow).where(AuditSealRow.seq == 2))
        result = verify_audit(runtime.unit_of_work(), since=head)
        assert result.problem == "seal 2, before seal 3 which has the head, is missing (deleted?)"

    def test_the_head_of_the_first_seal_is_derived_from_genesis(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, "a", "b"))
        head = verify(runtime).head
        assign(runtime, [declaration(n) for n in numbers(2)])
        result = verify_audit(runtime.unit_of_work(), since=head)
        assert result.ok and result.entries == 2

    def test_entries_under_no_seal_after_the_head_fail_though_nothing_was_sealed_since(self, runtime: Runtime) -> None:
        small_history(runtime)
        head = verify(runtime).head
        with runtime.engine.connect() as connection:
            batch = int(connection.scalar(select(func.max(AuditRow.batch))) or 0) + 1
        insert_unsealed(runtime, batch)
        result = verify_audit(runtime.unit_of_work(), since=head)
        assert not result.ok and result.failed_seq == 1
        assert result.problem == f"entry 1 of batch {batch} is under no seal (inserted?)"

    def test_entries_under_no_seal_numbered_before_the_head_fail(self, runtime: Runtime) -> None:
        small_history(runtime)
        head = verify(runtime).head
        assign(runtime, [declaration(n) for n in numbers(2, start=20)])
        insert_unsealed(runtime, -1, seq=2)
        result = verify_audit(runtime.unit_of_work(), since=head)
        assert not result.ok and result.entries == 2 and result.failed_seq == 3
        assert result.problem == "entry 2 of batch -1 is under no seal (inserted?)"

    def test_a_head_this_log_never_had_is_refused(self, runtime: Runtime) -> None:
        small_history(runtime)
        with pytest.raises(InvalidInput, match="no seal of this audit log has the head 0{64}"):
            verify_audit(runtime.unit_of_work(), since="0" * 64)


class TestDeclarationHistory:
    def test_every_entry_about_a_declaration_and_its_amendments_oldest_first(self, runtime: Runtime) -> None:
        batch = small_history(runtime)
        assign(runtime, [declaration(batch[0][:11] + "1")])
        history = declaration_history(runtime.unit_of_work(), batch[0][:11] + "7")
        assert [(e["action"], e["officer_id"], e["mode"]) for e in history] == [
            ("assigned", "a", "auto"),
            ("reassigned", "c", "manual"),
            ("amendment", "c", None),
        ]
        assert [e["seal"] for e in history] == sorted(e["seal"] for e in history)

    def test_a_declaration_never_seen_has_no_history(self, runtime: Runtime) -> None:
        assert declaration_history(runtime.unit_of_work(), numbers(1, start=99)[0]) == []


def tamper(runtime: Runtime) -> int:
    """A small history with one entry's reason edited in the database: that entry's place in the log."""
    batch = small_history(runtime)
    target = locate(runtime, AuditRow.declaration_key == batch[3][:11])
    with runtime.engine.begin() as connection:
        connection.execute(update(AuditRow).where(target.row()).values(reason="edited"))
    return target.place


class TestAuditCli:
    def test_verify_says_ok_and_exits_0(self, runtime: Runtime, cli: Cli) -> None:
        small_history(runtime)
        code, out, err = cli("audit", "verify")
        assert code == 0 and err == ""
        assert out.startswith("OK: 7 entries chained, 4 turns re-derived from the rotation rules; head ")

    def test_verify_names_the_failing_entry(self, runtime: Runtime, cli: Cli) -> None:
        target = tamper(runtime)
        _, out, err = cli("audit", "verify")
        assert out == ""
        assert err.startswith(f"FAILED at entry {target}: its content does not match its hash")
        assert err.endswith(f"({target - 1} entries before it hold)\n") and err.count("\n") == 1

    def test_verify_since_names_the_entry_where_a_seal_falsely_claims_the_head(
        self, runtime: Runtime, cli: Cli
    ) -> None:
        small_history(runtime)
        head = verify(runtime).head
        assign(runtime, [declaration(n) for n in numbers(3, start=20)])
        with runtime.engine.begin() as connection:
            connection.execute(update(AuditSealRow).where(AuditSealRow.seq == 4).values(hash=head))
        code, out, err = cli("audit", "verify", "--since", head)
        assert code == 1 and out == ""
        assert err == (
            f"FAILED at entry 10, the last that head {head} would seal: seal 4 says its hash is the "
            f"head, but its content and the seal before it give another (the seal was edited)\n"
        )

    def test_verify_exits_1_when_it_fails(self, runtime: Runtime, cli: Cli) -> None:
        tamper(runtime)
        code, _, _ = cli("audit", "verify")
        assert code == 1

    def test_show_prints_a_declarations_history(self, runtime: Runtime, cli: Cli) -> None:
        batch = small_history(runtime)
        code, out, _ = cli("audit", "show", batch[0])
        assert code == 0
        assert f"declaration {batch[0]}" in out
        lines = [line for line in out.splitlines() if "assigned" in line]
        assert len(lines) == 2
        assert "system" in lines[0] and "auto" in lines[0] and "(turn 1, from cursor 0, skipped 0)" in lines[0]
        assert SUPERVISOR in lines[1] and "reassigned" in lines[1] and "manual" in lines[1]

    def test_show_of_an_unknown_declaration_is_a_one_line_error(self, runtime: Runtime, cli: Cli) -> None:
        small_history(runtime)
        unknown = numbers(1, start=99)[0]
        code, out, err = cli("audit", "show", unknown)
        assert code == 1 and out == ""
        assert err == f"error: no audit entry for declaration {unknown}\n"

    def test_show_of_a_malformed_number_is_a_one_line_error(self, cli: Cli) -> None:
        code, _, err = cli("audit", "show", "12345")
        assert code == 1 and err.startswith("error: ") and err.count("\n") == 1
