"""A unit that draws its turns, end to end: set by `roster mode` (audited), each round served once in an order
drawn under the day's key, whose hash is committed before use and the key revealed after the day; `audit verify`
(database and file) and the stdlib verifier check every draw once the key is out, and refuse a forged one."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from integration.conftest import FrozenClock
from integration.helpers import (
    SUPERVISOR,
    Cli,
    assign,
    command_body,
    declaration,
    in_process_cli,
    load_roster,
    numbers,
    roster,
    send_command,
)
from integration.test_audit_export import (
    all_three_agree,
    entry,
    export,
    forged,
    lines_of,
    product,
    rechain,
    rosters,
    stdlib,
    tampered,
)
from sqlalchemy import select

from assigner.bootstrap import Runtime
from assigner.domain.draws import REVEAL_GRACE, RotationMode, draw_message, drawn_index
from assigner.domain.model import Unit
from assigner.schemas.event import EVENT
from assigner.services.assign import assign_declarations
from assigner.services.audit import verify_audit
from assigner.services.draw_keys import keep_draw_keys, set_rotation_mode
from assigner.settings import Settings
from assigner.storage.tables import AuditRow, AuditSealRow, DrawKeyRow
from assigner.storage.uow import SqlUnitOfWork

UNIT = Unit("01B1", "00")
OTHER = Unit("01B1", "01")
OFFICERS = ["a", "b", "c", "d"]


def drawn_history(runtime: Runtime, clock: FrozenClock) -> None:
    """A drawn unit beside one in roster order: batches, an absence and a return, a redistribution."""
    load_roster(runtime, roster(UNIT, *OFFICERS, supervisors=(SUPERVISOR,)) + roster(OTHER, "x", "y"))
    assert set_rotation_mode(runtime.unit_of_work(), UNIT, RotationMode.DRAWN, runtime.clock, "t")
    assign(runtime, [declaration(n) for n in numbers(6)] + [declaration(n, OTHER) for n in numbers(3, start=90)])
    clock.advance(minutes=5)
    assign(runtime, [declaration(n) for n in numbers(5, start=10)])
    assert send_command(runtime, command_body("officer_absent", officer_id="b")).accepted  # redistributes b's
    assign(runtime, [declaration(n) for n in numbers(4, start=20)])
    assert send_command(runtime, command_body("officer_available", officer_id="b")).accepted
    assign(runtime, [declaration(n) for n in numbers(7, start=30)])


def drawn_turns(runtime: Runtime) -> list[dict[str, Any]]:
    query = select(AuditRow.officer_id, AuditRow.details).where(
        AuditRow.customs_office == UNIT.customs_office, AuditRow.department == UNIT.department
    )
    with runtime.engine.connect() as connection:
        rows = connection.execute(query.order_by(AuditRow.id)).all()
    return [{"officer_id": officer, **details} for officer, details in rows if "turn" in details]


def reveal(runtime: Runtime, clock: FrozenClock) -> list[str]:
    """The day over (and the grace after it): the keeper reveals its key. The events' names."""
    clock.advance(days=1)
    return [event.name for event in keep_draw_keys(runtime.unit_of_work(), runtime.clock, runtime.policy)]


class TestDrawnRounds:
    def test_each_round_serves_every_eligible_officer_once_in_a_drawn_order(
        self, runtime: Runtime, clock: FrozenClock
    ) -> None:
        load_roster(runtime, roster(UNIT, *OFFICERS))
        set_rotation_mode(runtime.unit_of_work(), UNIT, RotationMode.DRAWN, runtime.clock, "t")
        for batch in range(10):
            assign(runtime, [declaration(n) for n in numbers(4, start=batch * 4)])
        turns = drawn_turns(runtime)
        assert [t["turn"] for t in turns] == list(range(1, 41))
        rounds = [tuple(t["officer_id"] for t in turns[n : n + 4]) for n in range(0, 40, 4)]
        assert all(sorted(r) == OFFICERS for r in rounds)
        assert len(set(rounds)) > 1 and any(r != tuple(OFFICERS) for r in rounds)  # not the roster order
        assert [t["draw"]["new_round"] for t in turns[::4]] == [False] + [True] * 9
        assert set(Counter(t["officer_id"] for t in turns).values()) == {10}

    def test_a_unit_set_back_to_roster_order_ends_its_drawn_round_first_then_starts_from_the_first_officer(
        self, runtime: Runtime, clock: FrozenClock
    ) -> None:
        load_roster(runtime, roster(UNIT, *OFFICERS))
        set_mode = partial(set_rotation_mode, clock=runtime.clock, actor="t")
        set_mode(runtime.unit_of_work(), UNIT, RotationMode.DRAWN)
        assign(runtime, [declaration(n) for n in numbers(3)])
        assert set_mode(runtime.unit_of_work(), UNIT, RotationMode.SEQUENTIAL)  # one officer not served yet
        assign(runtime, [declaration(n) for n in numbers(1, start=10)])
        turns = drawn_turns(runtime)
        left = sorted(set(OFFICERS) - {t["officer_id"] for t in turns[:3]})
        assert turns[3]["draw"]["candidates"] == left and turns[3]["officer_id"] == left[0]
        assign(runtime, [declaration(n) for n in numbers(4, start=20)])
        after = drawn_turns(runtime)[4:]
        assert all("draw" not in t for t in after)
        assert [t["position"] for t in after] == [1, 2, 3, 4] and after[0]["cursor_from"] == 0
        assert set(Counter(t["officer_id"] for t in drawn_turns(runtime)).values()) == {2}

    def test_a_unit_set_to_draw_mid_round_draws_among_those_roster_order_has_not_served(
        self, runtime: Runtime, clock: FrozenClock
    ) -> None:
        load_roster(runtime, roster(UNIT, *OFFICERS))
        assign(runtime, [declaration(n) for n in numbers(2)])  # a, b
        set_rotation_mode(runtime.unit_of_work(), UNIT, RotationMode.DRAWN, runtime.clock, "t")
        assign(runtime, [declaration(n) for n in numbers(6, start=10)])
        turns = drawn_turns(runtime)
        assert [t["officer_id"] for t in turns[:2]] == ["a", "b"]
        assert turns[2]["draw"]["candidates"] == ["c", "d"] and sorted(t["officer_id"] for t in turns[2:4]) == [
            "c",
            "d",
        ]
        assert turns[4]["draw"]["new_round"] and sorted(t["officer_id"] for t in turns[4:8]) == OFFICERS

    def test_the_mode_is_audited_and_setting_it_again_changes_nothing(self, runtime: Runtime) -> None:
        load_roster(runtime, roster(UNIT, *OFFICERS))
        uow = runtime.unit_of_work
        assert set_rotation_mode(uow(), UNIT, RotationMode.DRAWN, runtime.clock, "t")
        assert not set_rotation_mode(uow(), UNIT, RotationMode.DRAWN, runtime.clock, "t")
        with runtime.engine.connect() as connection:
            actions = connection.execute(select(AuditRow.action, AuditRow.details).order_by(AuditRow.id)).all()
            keys = connection.execute(select(DrawKeyRow.day, DrawKeyRow.secret, DrawKeyRow.commitment)).all()
        modes = [details for action, details in actions if action == "rotation_mode"]
        assert modes == [{"mode": "drawn", "before": "sequential", "state": "drawn", "served": []}]
        assert sorted(str(day) for day, _, _ in keys) == ["2025-06-02", "2025-06-03"]  # today's, tomorrow's
        assert all(hashlib.sha256(bytes.fromhex(secret)).hexdigest() == c for _, secret, c in keys)
        committed = [details for action, details in actions if action == "draw_key_committed"]
        assert [c["commitment"] for c in committed] == [c for _, _, c in sorted(keys)]
        assert all("key" not in c and "secret" not in c for c in committed)


class TestKeys:
    def test_the_keeper_commits_tomorrows_key_and_reveals_a_day_once_it_is_over(
        self, runtime: Runtime, clock: FrozenClock
    ) -> None:
        drawn_history(runtime, clock)
        assert keep_draw_keys(runtime.unit_of_work(), runtime.clock, runtime.policy) == []  # both committed
        clock.now = clock.now.replace(hour=17, minute=0) + REVEAL_GRACE - timedelta(seconds=1)  # 00:04:59 in Hanoi
        events = keep_draw_keys(runtime.unit_of_work(), runtime.clock, runtime.policy)
        assert [(e.name, e.body["day"]) for e in events] == [("audit.draw_key_committed", "2025-06-04")]
        assert EVENT.validate_python(events[0].body).routing_key() == events[0].routing_key
        clock.advance(seconds=1)
        events = keep_draw_keys(runtime.unit_of_work(), runtime.clock, runtime.policy)
        assert [(e.name, e.body["day"]) for e in events] == [("audit.draw_key_revealed", "2025-06-02")]
        revealed = events[0].body
        assert EVENT.validate_python(revealed).routing_key() == "audit.draw_key_revealed"
        assert hashlib.sha256(bytes.fromhex(revealed["key"])).hexdigest() == revealed["commitment"]
        assert (
            revealed["starts_at"] == "2025-06-01T17:00:00+00:00" and revealed["ends_at"] == "2025-06-02T17:00:00+00:00"
        )
        assert keep_draw_keys(runtime.unit_of_work(), runtime.clock, runtime.policy) == []

    def test_a_drawn_turn_on_a_day_no_one_committed_has_its_key_committed_alone_first_then_draws_after_it(
        self, runtime: Runtime, clock: FrozenClock
    ) -> None:
        drawn_history(runtime, clock)
        clock.advance(days=3)  # no keeper ran: the batch rolls back, the key is committed alone, the batch again
        result = assign(runtime, [declaration(n) for n in numbers(2, start=70)])
        assert result.attempts == 2
        query = select(AuditRow.batch, AuditRow.action, AuditRow.details).order_by(AuditRow.id.desc()).limit(3)
        with runtime.engine.connect() as connection:
            last = connection.execute(query).all()[::-1]
            seals = dict(connection.execute(select(AuditSealRow.batch, AuditSealRow.seq)).all())
        days = [details.get("day") or details["draw"]["day"] for _, _, details in last]
        assert [action for _, action, _ in last] == ["draw_key_committed", "assigned", "assigned"]
        assert days == ["2025-06-05"] * 3 and last[0][0] != last[1][0] == last[2][0]
        assert last[1][2]["draw"]["head_seq"] >= seals[last[0][0]]  # the draws read a head that has the key
        assert verify_audit(runtime.unit_of_work()).ok


class TestVerified:
    def test_draws_await_their_key_then_verify_three_ways_once_it_is_revealed(
        self, runtime: Runtime, clock: FrozenClock, cli: Cli, tmp_path: Path
    ) -> None:
        drawn_history(runtime, clock)
        code, line = all_three_agree(cli, tmp_path / "before.jsonl")
        drawn = len(drawn_turns(runtime))
        assert code == 0 and f"; {drawn} drawn turns of 2025-06-02 await its key; head " in line
        assert reveal(runtime, clock) == ["audit.draw_key_revealed", "audit.draw_key_committed"]
        code, line = all_three_agree(cli, tmp_path / "after.jsonl")
        assert code == 0 and "await" not in line and line.startswith("OK: ")

    @pytest.mark.parametrize(
        "forgery",
        ["another candidate", "another key", "an older head", "a later day", "the roster order"],
    )
    def test_a_forged_draw_rechained_by_the_forger_is_refused_by_both_verifiers(
        self, runtime: Runtime, clock: FrozenClock, cli: Cli, tmp_path: Path, forgery: str
    ) -> None:
        drawn_history(runtime, clock)
        reveal(runtime, clock)
        lines = lines_of(export(cli, tmp_path / "honest.jsonl"))
        records = [json.loads(line) for line in lines]
        turns = [n for n, r in enumerate(records) if "draw" in (r.get("details") or {})]
        reveal_at = next(n for n, r in enumerate(records) if r.get("action") == "draw_key_revealed")
        if forgery == "another key":
            records[reveal_at]["details"]["key"] = "00" * 32
            expected = "does not match its commitment"
        else:  # the last draw of the day with a choice: another of its candidates, rechained
            at = next(n for n in reversed(turns) if len(records[n]["details"]["draw"]["candidates"]) > 1)
            details = records[at]["details"]
            if forgery == "another candidate":
                other = next(o for o in details["draw"]["candidates"] if o != records[at]["officer_id"])
                records[at]["officer_id"], details["position"] = other, OFFICERS.index(other) + 1
                expected = "the key of 2025-06-02 draws"
            elif forgery == "an older head":
                details["draw"]["head_seq"] = 0
                expected = "names head seal 0"
            elif forgery == "a later day":
                details["draw"]["day"] = "2025-06-03"
                expected = "with the key of 2025-06-03, which serves"
            else:
                records[at]["details"] = {k: v for k, v in details.items() if k != "draw"}
                expected = "a drawn turn that names no draw"
        forged = tmp_path / "forged.jsonl"
        forged.write_bytes(b"".join(rechain([lines[0]] + [(json.dumps(r) + "\n").encode() for r in records[1:]])))
        verdict = product(cli)(forged)
        assert verdict == stdlib(forged) and verdict[0] == 1 and expected in verdict[1], verdict


class TestModeCommand:
    def test_roster_mode_sets_a_unit_and_refuses_a_bad_one_in_one_line(self, runtime: Runtime, cli: Cli) -> None:
        load_roster(runtime, roster(UNIT, *OFFICERS))
        assert cli("roster", "mode", "01B1/00", "drawn") == (0, "unit 01B1/00: drawn\n", "")
        assert cli("roster", "mode", "01B1/00", "drawn")[1] == "unit 01B1/00: drawn already; nothing changed\n"
        code, out, err = cli("roster", "mode", "01B1/07", "drawn")
        assert (code, out) == (
            1,
            "",
        ) and err == "error: unit 01B1/07 has no roster: import one first (assigner roster import)\n"
        code, _, err = cli("roster", "mode", "1B1/00", "drawn")
        assert code == 1 and err.startswith("error: unit 1B1/00: ") and len(err.splitlines()) == 1
        code, _, err = cli("roster", "mode", "01B1/00", "random")
        assert code == 2 and "random" in err and "Traceback" not in err

    def test_audit_keys_lists_each_days_commitment_and_with_reveal_shows_the_keys_of_days_over(
        self, runtime: Runtime, clock: FrozenClock, cli: Cli
    ) -> None:
        drawn_history(runtime, clock)
        with runtime.engine.connect() as connection:
            secrets = dict(connection.execute(select(DrawKeyRow.day, DrawKeyRow.secret)).all())
        code, out, _ = cli("audit", "keys")
        assert code == 0 and "2025-06-02" in out and "(after the day)" in out
        assert not any(secret in out for secret in secrets.values())
        code, out, err = cli("audit", "keys", "--reveal")  # the command's clock is today's: 2025 is long over
        assert code == 0 and "audit.draw_key_revealed 2025-06-02" in err.splitlines()
        assert all(secret in out for secret in secrets.values())


@pytest.fixture
def drawn_export(runtime: Runtime, clock: FrozenClock, cli: Cli, tmp_path: Path) -> Path:
    drawn_history(runtime, clock)
    reveal(runtime, clock)
    path = export(cli, tmp_path / "drawn.jsonl")
    assert stdlib(path)[0] == 0
    return path


class TestTamperedDrawnExports:
    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def test_both_verifiers_agree_on_any_change_to_a_drawn_trail_and_refuse_every_change_to_what_is_hashed(
        self, data: st.DataObject, drawn_export: Path, capsys: pytest.CaptureFixture[str], tmp_path_factory: Any
    ) -> None:
        changed, must_fail = tampered(data, lines_of(drawn_export))
        path = tmp_path_factory.mktemp("tampered") / "export.jsonl"
        path.write_bytes(b"".join(changed))
        verdict = product(in_process_cli(capsys))(path)
        assert stdlib(path) == verdict
        if must_fail:
            assert verdict[0] == 1, verdict


class TestKeepersAtOnce:
    @pytest.mark.postgresql
    def test_workers_looking_at_once_reveal_a_day_once_and_commit_the_next_once(
        self, postgres_database: str, clock: FrozenClock, tmp_path: Path
    ) -> None:
        runtime = Runtime(Settings(database_url=postgres_database, home=tmp_path / "home"), clock=clock).ready()
        drawn_history(runtime, clock)
        clock.advance(days=1)
        start = threading.Barrier(6)
        found: list[list[str]] = []

        def look() -> None:
            start.wait()
            found.append([e.name for e in keep_draw_keys(runtime.unit_of_work(), clock, runtime.policy)])

        threads = [threading.Thread(target=look) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(name for names in found for name in names) == [
            "audit.draw_key_committed",
            "audit.draw_key_revealed",
        ]
        with runtime.engine.connect() as connection:
            actions = Counter(connection.scalars(select(AuditRow.action)))
        assert actions["draw_key_revealed"] == 1 and actions["draw_key_committed"] == 3
        assert verify_audit(runtime.unit_of_work()).ok
        runtime.engine.dispose()


KEY = bytes(range(32))
DAY_WINDOW = {"starts_at": "2025-06-30T17:00:00+00:00", "ends_at": "2025-07-01T17:00:00+00:00"}


def key_entry(action: str, day: str = "2025-07-01", key: bytes = KEY, **changes: Any) -> dict[str, Any]:
    details = {"day": day, **DAY_WINDOW, "commitment": hashlib.sha256(key).hexdigest(), **changes}
    if action == "draw_key_revealed":
        details["key"] = key.hex()
    return entry(action, details={k: v for k, v in details.items() if v is not None})


def head_of(batches: list[list[dict[str, Any]]]) -> str:
    """The hash of the last seal of a forged file of these batches."""
    return str([json.loads(line) for line in forged(batches).splitlines() if b'"seal"' in line][-1]["hash"])


def drawn_entry(batches: list[list[dict[str, Any]]], number: int, served: set[str], **changes: Any) -> dict[str, Any]:
    """The turn the rules and KEY give a declaration of 01B1/00 (roster a, b, c), its head the last seal so far."""
    candidates = [o for o in ("a", "b", "c") if o not in served] or ["a", "b", "c"]
    head_seq, head = len(batches), head_of(batches)
    key = f"1000000000{number}"
    message = draw_message("01B1/00", number, key, "2025-07-01", head_seq, head)
    officer = candidates[drawn_index(KEY, message, len(candidates))]
    draw = {"day": "2025-07-01", "head_seq": head_seq, "head": head, "candidates": candidates}
    details = {"turn": number, "position": "abc".index(officer) + 1, "cursor_from": 0, "skipped": []}
    details["draw"] = {**draw, "new_round": len(candidates) == 3 and bool(served)}
    fields = {"customs_office": "01B1", "department": "00", "officer_id": officer, "declaration_key": key}
    return {**entry("assigned", **fields, details=details), **changes}


def drawn_log(case: str) -> bytes:
    """A little drawn trail written as a forger would, every hash right, changed as `case` says."""
    mode = {"mode": "drawn", "before": "sequential", "state": "drawn", "served": []}
    batches = [[rosters("a", "b", "c")], [entry("rotation_mode", customs_office="01B1", department="00", details=mode)]]
    commit = key_entry("draw_key_committed")
    batches.append(
        [commit, {**commit, "details": {**commit["details"], "day": "2025-07-02"}}] if case == "overlap" else [commit]
    )
    if case == "day spoofing the line":
        batches[-1] = [key_entry("draw_key_committed", day="x await its key; head " + "f" * 64)]
    if case == "no starts_at":
        batches[-1] = [key_entry("draw_key_committed", starts_at=None)]
    if case == "a turn in a commitment":
        batches[-1] = [{**commit, "details": {**commit["details"], "turn": 1}}]
    if case == "the same mode again":
        again = {**mode, "before": "drawn"}
        batches.append([entry("rotation_mode", customs_office="01B1", department="00", details=again)])
    first = drawn_entry(batches, 1, set())
    if case == "a head before the commitment":
        first = drawn_entry(batches[:2], 1, set())
    if case == "another officer":
        others = [o for o in first["details"]["draw"]["candidates"] if o != first["officer_id"]]
        first = {
            **first,
            "officer_id": others[0],
            "details": {**first["details"], "position": "abc".index(others[0]) + 1},
        }
    batches.append([first])
    batches.append([key_entry("draw_key_revealed", key=KEY.upper() if case == "an upper-case key" else KEY)])
    if case == "an upper-case key":
        batches[-1] = [{**batches[-1][0], "details": {**batches[-1][0]["details"], "key": KEY.hex().upper()}}]
    if case == "a revealed key committed again":
        batches.append(
            [
                key_entry(
                    "draw_key_committed",
                    day="2025-07-03",
                    **{"starts_at": "2025-07-02T17:00:00+00:00", "ends_at": "2025-07-03T17:00:00+00:00"},
                )
            ]
        )
    return forged(batches)


DRAWN_CASES = {
    "honest": (0, "1 turns re-derived"),
    "overlap": (1, "commits a key for 2025-07-02 whose time overlaps the key of 2025-07-01"),
    "day spoofing the line": (1, "day is not a day written YYYY-MM-DD"),
    "no starts_at": (1, "starts_at is not text"),
    "a turn in a commitment": (1, "a draw_key_committed entry takes no turn and follows no group"),
    "the same mode again": (1, "sets unit 01B1/00 to 'drawn', as it was already"),
    "a head before the commitment": (1, "names head seal 2, before the key of 2025-07-01 was committed (under seal 3)"),
    "another officer": (1, "; the key of 2025-07-01 draws "),
    "an upper-case key": (1, "key is not 64 lowercase hex digits"),
    "a revealed key committed again": (1, "commits for 2025-07-03 the commitment of 2025-07-01"),
}


class TestCraftedDrawnFiles:
    """Drawn trails a forger writes with every hash right: both verifiers print the same line and refuse the
    ways a draw could be ground (another key for the same time, a key used again, an old head)."""

    @pytest.mark.parametrize("case", sorted(DRAWN_CASES))
    def test_both_verifiers_print_the_same_line(
        self, case: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
    ) -> None:
        path = tmp_path / "crafted.jsonl"
        path.write_bytes(drawn_log(case))
        verdict = product(in_process_cli(capsys))(path)
        assert verdict == stdlib(path)
        status, words = DRAWN_CASES[case]
        assert verdict[0] == status and words in verdict[1], verdict


class TestZoneChanged:
    def test_keys_keep_the_days_of_their_first_zone_when_the_default_zone_changes(
        self, runtime: Runtime, clock: FrozenClock
    ) -> None:
        drawn_history(runtime, clock)  # keys of 2 and 3 June, in Hanoi
        in_utc = partial(SqlUnitOfWork, runtime._session_factory, None, None, ZoneInfo("UTC"))  # noqa: SLF001
        clock.now = clock.now.replace(hour=18)  # 2 June in UTC, already 3 June 01:00 in Hanoi
        assign_declarations(in_utc(), [declaration(n) for n in numbers(2, start=80)], clock, runtime.policy)
        clock.advance(days=2)
        keep_draw_keys(in_utc(), clock, runtime.policy)
        verified = verify_audit(in_utc())
        assert verified.ok and not verified.awaiting, verified.problem
        assert [t["draw"]["day"] for t in drawn_turns(runtime)[-2:]] == ["2025-06-03", "2025-06-03"]
