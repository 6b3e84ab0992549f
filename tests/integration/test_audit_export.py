"""The audit export, checked by the product (`audit verify --file`) and by tools/verify_audit.py (Python's
standard library alone): both agree with each other, and with `audit verify` on the database, on every export,
honest or tampered, to the entry and the head."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from integration.conftest import FrozenClock
from integration.helpers import Cli, assign, declaration, in_process_cli, numbers
from integration.test_audit import insert_unsealed, locate, mixed_history, reseal, small_history
from sqlalchemy import delete, select, update

from assigner.bootstrap import Runtime
from assigner.domain.audit_chain import GENESIS, canonical, entry_hash, seal_hash
from assigner.storage.tables import AuditRow, AuditSealRow, CursorRow

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "verify_audit.py"
Verifier = Callable[[Path, str | None], tuple[int, str]]


def stdlib_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("verify_audit", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


VERIFY_AUDIT = stdlib_tool()


def said(code: int, out: str, err: str) -> tuple[int, str]:
    """An exit status and the one line a verify printed."""
    lines = (out + err).strip().splitlines()
    assert len(lines) == 1, lines
    return code, lines[0]


def product(cli: Cli) -> Verifier:
    def check(path: Path, since: str | None = None) -> tuple[int, str]:
        return said(*cli("audit", "verify", "--file", str(path), *(["--since", since] if since else [])))

    return check


def stdlib(path: Path, since: str | None = None) -> tuple[int, str]:
    return VERIFY_AUDIT.verify(str(path), since)  # type: ignore[no-any-return]


def export(cli: Cli, path: Path, since: str | None = None) -> Path:
    code, out, err = cli("audit", "export", str(path), *(["--since", since] if since else []))
    assert code == 0 and out.startswith("wrote "), err
    return path


def database_verify(cli: Cli, since: str | None = None) -> tuple[int, str]:
    return said(*cli("audit", "verify", *(["--since", since] if since else [])))


def all_three_agree(cli: Cli, path: Path, since: str | None = None) -> tuple[int, str]:
    """The database's verify, the product's verify of the export, and the stdlib verifier's: one verdict."""
    expected = database_verify(cli, since)
    export(cli, path, since)
    assert product(cli)(path) == expected
    assert stdlib(path) == expected
    return expected


class TestHonestExports:
    def test_a_mixed_history_verifies_the_same_three_ways(
        self, runtime: Runtime, clock: FrozenClock, cli: Cli, tmp_path: Path
    ) -> None:
        mixed_history(runtime, clock)
        code, line = all_three_agree(cli, tmp_path / "trail.jsonl")
        assert code == 0 and line.startswith("OK: ") and "turns re-derived" in line
        turns = int(re.search(r"([\d,]+) turns", line).group(1).replace(",", ""))  # type: ignore[union-attr]
        assert turns >= 20

    def test_an_empty_log_exports_a_header_alone_that_verifies(
        self, runtime: Runtime, cli: Cli, tmp_path: Path
    ) -> None:
        code, line = all_three_agree(cli, tmp_path / "empty.jsonl")
        assert (code, line) == (0, f"OK: 0 entries chained, 0 turns re-derived from the rotation rules; head {GENESIS}")
        assert len((tmp_path / "empty.jsonl").read_text().splitlines()) == 1

    def test_an_export_since_a_head_chains_from_it(self, runtime: Runtime, cli: Cli, tmp_path: Path) -> None:
        small_history(runtime)
        head = database_verify(cli)[1].rsplit(" ", 1)[1]
        assign(runtime, [declaration(n) for n in numbers(3, start=20)])
        code, line = all_three_agree(cli, tmp_path / "later.jsonl", since=head)
        assert code == 0 and line.startswith(f"OK: 3 entries after head {head} chained to it")
        whole = export(cli, tmp_path / "whole.jsonl")
        assert product(cli)(whole, head) == stdlib(whole, head) == database_verify(cli)  # passes through it

    def test_the_stdlib_verifier_runs_without_site_packages_or_the_package(
        self, runtime: Runtime, clock: FrozenClock, cli: Cli, tmp_path: Path
    ) -> None:
        mixed_history(runtime, clock)
        path = export(cli, tmp_path / "trail.jsonl")
        alone = tmp_path / "auditor"
        alone.mkdir()
        (alone / "verify_audit.py").write_bytes(TOOL.read_bytes())
        python = Path(sys.base_prefix) / "bin" / "python3"
        ran = subprocess.run(  # -I: no environment, no user site; -S: no site-packages at all
            [str(python), "-I", "-S", "verify_audit.py", str(path)], cwd=alone, capture_output=True, text=True
        )
        assert ran.returncode == 0, ran.stderr
        assert ran.stdout.strip() == database_verify(cli)[1]

    def test_the_format_pages_worked_example_is_what_both_hash(self) -> None:
        page = (ROOT / "docs" / "audit-format.md").read_text()
        body = next(line for line in page.splitlines() if line.startswith('{"action":"assigned"'))
        entry = json.loads(body)
        hashes = re.findall(r"`([0-9a-f]{64})`", page)
        entry_said, seal_said = hashes[0], hashes[1]
        assert canonical(entry) == body.encode()
        assert entry_hash(GENESIS, entry) == entry_said
        assert VERIFY_AUDIT.link_hash(GENESIS, VERIFY_AUDIT.canonical(entry, VERIFY_AUDIT.CHAINED)) == entry_said
        seal = {"seq": 1, "batch": 1, "entries": 1, "last_hash": entry_said, "sealed_at": entry["occurred_at"]}
        assert seal_hash(GENESIS, seal) == seal_said
        assert VERIFY_AUDIT.link_hash(GENESIS, VERIFY_AUDIT.canonical(seal, VERIFY_AUDIT.SEALED)) == seal_said


class TestTamperedLogs:
    """A log tampered in the database is exported as it is: all three refuse it at the same entry, saying why."""

    @pytest.mark.parametrize(
        "tamper",
        ["edit", "edit_and_rehash", "delete_entry", "delete_last", "delete_seal", "insert_unsealed", "cursor"],
    )
    def test_every_way_fails_the_same_three_ways(self, runtime: Runtime, cli: Cli, tmp_path: Path, tamper: str) -> None:
        batch = small_history(runtime)
        target = locate(runtime, AuditRow.action == "assigned", AuditRow.declaration_key == batch[1][:11])
        last = locate(runtime, AuditRow.action == "assigned", AuditRow.declaration_key == batch[3][:11])
        with runtime.engine.begin() as connection:
            if tamper == "edit":
                connection.execute(update(AuditRow).where(target.row()).values(officer_id="c"))
            elif tamper == "edit_and_rehash":
                row = connection.execute(select(AuditRow).where(target.row())).mappings().one()
                forged = entry_hash(row["prev_hash"], {**row, "reason": "edited"})
                connection.execute(update(AuditRow).where(target.row()).values(reason="edited", hash=forged))
            elif tamper == "delete_entry":
                connection.execute(delete(AuditRow).where(target.row()))
            elif tamper == "delete_last":
                connection.execute(delete(AuditRow).where(last.row()))
            elif tamper == "delete_seal":
                connection.execute(delete(AuditSealRow).where(AuditSealRow.seq == 2))
            elif tamper == "cursor":
                connection.execute(update(CursorRow).values(position=0))
        if tamper == "insert_unsealed":
            insert_unsealed(runtime, 99)
        if tamper == "cursor":
            assign(runtime, [declaration(n) for n in numbers(2, start=20)])
        code, line = all_three_agree(cli, tmp_path / "tampered.jsonl")
        assert code == 1 and line.startswith("FAILED at entry "), line

    def test_a_whole_forged_chain_passes_alone_and_fails_against_the_head_kept_before(
        self, runtime: Runtime, cli: Cli, tmp_path: Path
    ) -> None:
        batch = small_history(runtime)
        head = database_verify(cli)[1].rsplit(" ", 1)[1]
        target = locate(runtime, AuditRow.action == "assigned", AuditRow.declaration_key == batch[1][:11])
        with runtime.engine.begin() as connection:
            connection.execute(update(AuditRow).where(target.row()).values(reason="edited"))
            reseal(connection)
        path = export(cli, tmp_path / "forged.jsonl")
        assert product(cli)(path) == stdlib(path) == database_verify(cli)  # consistent in itself
        refused = product(cli)(path, head)
        assert refused == stdlib(path, head) and refused[0] == 1
        assert f"head {head} is not in this export" in refused[1]


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def rehashed(fields: dict[str, Any], prev: str) -> dict[str, Any]:
    """A line's hash recomputed from its content (a forger who knows the format)."""
    names = VERIFY_AUDIT.SEALED if fields["record"] == "seal" else VERIFY_AUDIT.CHAINED
    return {**fields, "hash": VERIFY_AUDIT.link_hash(prev, VERIFY_AUDIT.canonical(fields, names))}


def rechain(lines: list[bytes]) -> list[bytes]:
    """Every entry's and seal's hash computed again, in file order, as the format says."""
    out, head, prev, last = [lines[0]], GENESIS, GENESIS, None
    records = [json.loads(line) for line in lines[1:]]
    for record in records:
        if record["record"] == "seal":
            prev, last = GENESIS, record
        else:
            record["prev_hash"] = prev
            record["hash"] = prev = rehashed(record, prev)["hash"]
            if last is not None:
                last["last_hash"] = prev
    for record in records:  # the seals, once their batches' last hashes are known
        if record["record"] == "seal":
            record["prev_hash"] = head
            record["hash"] = head = rehashed(record, head)["hash"]
    return out + [(json.dumps(record, ensure_ascii=False) + "\n").encode() for record in records]


def tampered(data: st.DataObject, lines: list[bytes]) -> tuple[list[bytes], bool]:
    """Lines of an export changed one way: (the lines, whether the change must be refused)."""
    draw = data.draw
    index = draw(st.integers(1, len(lines) - 1))  # not the header: its exported_at is not hashed
    how = draw(
        st.sampled_from(["delete", "duplicate", "swap", "field", "field_rehashed", "bytes", "truncate", "rechained"])
    )
    out = list(lines)
    if how == "delete":
        del out[index]
        return out, index < len(lines) - 1 or json.loads(lines[index])["record"] == "entry"
    if how == "duplicate":
        out.insert(index, lines[index])
        return out, True
    if how == "swap":
        other = draw(st.integers(1, len(lines) - 1))
        out[index], out[other] = out[other], out[index]
        return out, out != lines
    if how == "truncate":  # ends a seal early, or at one: only a head kept elsewhere shows the latter
        return out[:index], False
    if how == "bytes":
        at = draw(st.integers(0, len(lines[index]) - 2))
        byte = draw(st.integers(0, 255))
        changed = bytearray(lines[index])
        changed[at] = byte
        out[index] = bytes(changed)
        return out, bytes(changed) != lines[index]
    fields = json.loads(lines[index])
    name = draw(st.sampled_from(sorted(set(fields) - {"record"})))
    value = draw(
        st.one_of(
            st.none(),
            st.integers(-2, 1000),
            st.text(max_size=8),
            st.just(fields[name] + 1 if isinstance(fields[name], int) else "x"),
            st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        )
    )
    if how == "rechained":  # a forger who rewrites the whole chain after an edit to what an entry says
        fields = json.loads(lines[index])
        if fields["record"] != "entry":
            return out, False
        where = draw(st.sampled_from(["details", "officer_id", "action", "customs_office"]))
        if where == "details" and fields["details"]:
            key = draw(st.sampled_from(sorted(fields["details"])))
            fields["details"][key] = value
        elif where != "details":
            fields[where] = value if value is None or isinstance(value, str) else str(value)
        out[index] = (json.dumps(fields, ensure_ascii=False) + "\n").encode()
        return rechain(out), False
    fields[name] = value
    prev = fields.get("prev_hash")
    if how == "field_rehashed" and name != "hash" and VERIFY_AUDIT.is_hash(prev):
        fields = rehashed(fields, prev)
    out[index] = (json.dumps(fields, ensure_ascii=False) + "\n").encode()
    return out, json.loads(lines[index]) != json.loads(out[index])


class TestTamperedFiles:
    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def test_both_verifiers_agree_on_any_file_and_refuse_every_change_to_what_is_hashed(
        self, data: st.DataObject, honest_export: Path, cli_for_files: Cli, tmp_path_factory: pytest.TempPathFactory
    ) -> None:
        changed, must_fail = tampered(data, lines_of(honest_export))
        path = tmp_path_factory.mktemp("tampered") / "export.jsonl"
        path.write_bytes(b"".join(changed))
        verdict = product(cli_for_files)(path)
        assert stdlib(path) == verdict
        if must_fail:
            assert verdict[0] == 1, verdict

    def test_a_file_that_is_no_export_is_refused_in_one_line_by_both(self, cli_for_files: Cli, tmp_path: Path) -> None:
        for content in (b"", b"not json\n", b'{"record":"header","format":"other","version":1}\n', b"\xff\xfe\n"):
            path = tmp_path / "not-an-export.jsonl"
            path.write_bytes(content)
            verdict = product(cli_for_files)(path)
            assert verdict == stdlib(path) and verdict[0] == 1
            assert verdict[1].startswith("error: not an audit export: line 1: ")

    def test_a_missing_file_is_one_line(self, cli_for_files: Cli, tmp_path: Path) -> None:
        code, _, err = cli_for_files("audit", "verify", "--file", str(tmp_path / "missing.jsonl"))
        assert code == 1 and err.startswith("error: No such file or directory") and len(err.splitlines()) == 1


@pytest.fixture
def honest_export(runtime: Runtime, clock: FrozenClock, cli: Cli, tmp_path: Path) -> Path:
    mixed_history(runtime, clock)
    path = export(cli, tmp_path / "honest.jsonl")
    assert stdlib(path)[0] == 0
    return path


@pytest.fixture
def cli_for_files(capsys: pytest.CaptureFixture[str]) -> Cli:
    """The CLI with no database: checking a file needs none."""
    return in_process_cli(capsys)


class TestExportCommand:
    def test_an_unknown_head_is_one_line_and_leaves_no_file(self, runtime: Runtime, cli: Cli, tmp_path: Path) -> None:
        small_history(runtime)
        path = tmp_path / "out.jsonl"
        code, out, err = cli("audit", "export", str(path), "--since", "f" * 64)
        assert code == 1 and err == f"error: no seal of this audit log has the head {'f' * 64}\n"
        assert list(tmp_path.glob("*out.jsonl*")) == []


def entry(action: str, **fields: Any) -> dict[str, Any]:
    """An entry's chained fields: nulls, the time below, and `fields`."""
    return {
        **{name: None for name in VERIFY_AUDIT.CHAINED},
        "occurred_at": "2025-07-01T02:30:00+00:00",
        "actor": "system",
        "action": action,
        "details": {},
        **fields,
    }


def forged(batches: list[list[dict[str, Any]]], header: dict[str, Any] | None = None) -> bytes:
    """An export of these batches with every hash and seal computed as the format says (a forger's file)."""
    lines = [{"record": "header", "format": "assigner-audit", "version": 1, "since": None, "since_seal": 0}]
    lines[0] |= {"exported_at": "2025-07-01T03:00:00+00:00", **(header or {})}
    head = GENESIS
    for number, batch in enumerate(batches, start=1):
        prev, entries = GENESIS, []
        for seq, fields in enumerate(batch, start=1):
            line = {"record": "entry", "batch": number, **fields, "seq": seq, "prev_hash": prev}
            line["hash"] = prev = VERIFY_AUDIT.link_hash(prev, VERIFY_AUDIT.canonical(line, VERIFY_AUDIT.CHAINED))
            entries.append(line)
        seal = {"record": "seal", "seq": number, "batch": number, "entries": len(batch), "last_hash": prev}
        seal |= {"sealed_at": "2025-07-01T02:30:00+00:00", "prev_hash": head}
        seal["hash"] = head = VERIFY_AUDIT.link_hash(head, VERIFY_AUDIT.canonical(seal, VERIFY_AUDIT.SEALED))
        lines += [seal, *entries]
    return b"".join(json.dumps(line, ensure_ascii=False).encode() + b"\n" for line in lines)


def rosters(*names: str, **changes: Any) -> dict[str, Any]:
    unit = {"unit": "01B1/00", "roster_before": [], "roster": list(names), **changes}
    return entry("roster_import", details={"units": [unit], "officers": []})


def turn(officer_id: str, position: int, cursor_from: int, number: int, **details: Any) -> dict[str, Any]:
    fields = {"turn": number, "position": position, "cursor_from": cursor_from, "skipped": [], **details}
    return entry("assigned", customs_office="01B1", department="00", officer_id=officer_id, details=fields)


NESTED = {"x": json.loads("[" * 70 + "]" * 70)}
CRAFTED = {
    "an honest little log": (forged([[rosters("a", "b")], [turn("a", 1, 0, 1), turn("b", 2, 1, 2)]]), 0),
    "an absence until a time without offset": (
        forged(
            [
                [rosters("a", "b")],
                [entry("officer_absent", officer_id="b", details={"command": {"until": "2025-07-02T00:00:00"}})],
                [turn("a", 1, 0, 1)],
            ]
        ),
        1,
    ),
    "a roster naming a list": (forged([[rosters("a", ["x"])], [turn("a", 1, 0, 1)]]), 1),  # type: ignore[list-item]
    "a roster naming an officer twice": (forged([[rosters("a", "a")]]), 1),
    "details nested 70 deep": (forged([[rosters("a")], [turn("a", 1, 0, 1, note=NESTED)]]), 1),
    "a 100-digit integer": (forged([[rosters("a")], [turn("a", 1, 0, 1, note=10**99)]]), 1),
    "a fraction, kept as written": (forged([[rosters("a")], [turn("a", 1, 0, 1, note=1.5)]]), 0),
    "true for a turn number": (forged([[rosters("a")], [turn("a", 1, 0, True)]]), 1),
    "1.0 for a position": (forged([[rosters("a")], [turn("a", 1.0, 0, 1)]]), 1),  # type: ignore[arg-type]
    "a roster import taking a turn": (forged([[{**rosters("a"), "details": {"units": [], "turn": 9}}]]), 1),
    "a time in Z": (forged([[{**rosters("a"), "occurred_at": "2025-07-01T02:30:00Z"}]]), 1),
    "a time at +07:00": (forged([[{**rosters("a"), "occurred_at": "2025-07-01T09:30:00+07:00"}]]), 1),
    "the header's version true": (forged([[rosters("a")]], {"version": True}), 1),
    "the header's exported_at a number": (forged([[rosters("a")]], {"exported_at": 5}), 1),
}


class TestCraftedFiles:
    """Files a forger writes with every hash right: both verifiers read them alike, to the byte."""

    @pytest.mark.parametrize("name", sorted(CRAFTED))
    def test_both_verifiers_print_the_same_line(self, name: str, cli_for_files: Cli, tmp_path: Path) -> None:
        content, status = CRAFTED[name]
        path = tmp_path / "crafted.jsonl"
        path.write_bytes(content)
        verdict = product(cli_for_files)(path)
        assert verdict == stdlib(path)
        assert verdict[0] == status, verdict

    def test_a_key_written_twice_is_refused_by_both(self, cli_for_files: Cli, tmp_path: Path) -> None:
        lines = forged([[rosters("a")]]).splitlines(keepends=True)
        lines[2] = lines[2].replace(b'"actor": "system"', b'"actor": "evil", "actor": "system"')
        path = tmp_path / "twice.jsonl"
        path.write_bytes(b"".join(lines))
        verdict = product(cli_for_files)(path)
        assert verdict == stdlib(path) and verdict[0] == 1 and "a key is written twice" in verdict[1]


class TestExportSinceAHead:
    def test_a_head_whose_seal_does_not_hash_to_it_starts_no_export(
        self, runtime: Runtime, cli: Cli, tmp_path: Path
    ) -> None:
        small_history(runtime)
        assign(runtime, [declaration(n) for n in numbers(2, start=20)])
        with runtime.engine.begin() as connection:
            head = connection.scalar(select(AuditSealRow.hash).where(AuditSealRow.seq == 2))
            connection.execute(update(AuditSealRow).where(AuditSealRow.seq == 2).values(entries=14))
        assert database_verify(cli, head)[0] == 1
        code, _, err = cli("audit", "export", str(tmp_path / "later.jsonl"), "--since", head)
        assert code == 1 and err.startswith(f"error: head {head} cannot start an export: seal 2 says its hash")
        assert list(tmp_path.glob("*later*")) == []
