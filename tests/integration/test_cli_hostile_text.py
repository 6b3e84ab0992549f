"""Text from outside (officer names from roster files, reasons from commands) comes out of the command line as
it was written: a CSV cell a spreadsheet would run as a formula is quoted, and rich markup is printed, not
obeyed (`[/]` used to crash `assigner audit show`)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from integration.helpers import Cli, assign, command_body, declaration, in_process_cli, numbers, send_command

from assigner.bootstrap import Runtime
from assigner.domain.model import Unit

FORMULAS = ['=HYPERLINK("http://x")', "@SUM(1)", "+1+2", "-3"]  # (a roster file strips a leading tab)
MARKUP = "[/] late [bold]lorry[/bold] :smile: [link=http://x]here[/link]"
AIRPORT = Unit("01B1", "00")


@pytest.fixture
def cli(runtime: Runtime, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    """`assigner ARGS...` in this process, on the test's database."""
    monkeypatch.setenv("ASSIGNER_DATABASE_URL", runtime.settings.resolved_database_url())
    monkeypatch.setenv("ASSIGNER_HOME", str(runtime.settings.home))
    return in_process_cli(capsys)


def import_roster(cli: Cli, tmp_path: Path, names: list[str]) -> None:
    """Officers o0, o1, ... named `names` check for AIRPORT; `sup` supervises it (through the real CLI)."""
    lines = io.StringIO()
    writer = csv.writer(lines, lineterminator="\n")
    writer.writerow(["officer_id", "name", "customs_office", "department", "role"])
    for number, name in enumerate(names):
        writer.writerow([f"o{number}", name, AIRPORT.customs_office, AIRPORT.department, "checker"])
    writer.writerow(["sup", "[red]Supervisor[/]", AIRPORT.customs_office, AIRPORT.department, "supervisor"])
    (tmp_path / "roster.csv").write_text(lines.getvalue())
    code, _, err = cli("roster", "import", str(tmp_path / "roster.csv"))
    assert code == 0, err


class TestReportCsv:
    def test_a_name_a_spreadsheet_would_run_is_written_with_a_leading_quote(
        self,
        cli: Cli,
        runtime: Runtime,
        tmp_path: Path,
    ) -> None:
        import_roster(cli, tmp_path, FORMULAS)
        assign(runtime, [declaration(number, AIRPORT) for number in numbers(len(FORMULAS))])
        code, out, err = cli("report", "--format", "csv", "--from", "2025-06-02", "--to", "2025-06-02")
        assert code == 0, err
        rows = [row for row in csv.DictReader(io.StringIO(out)) if row["row"] == "officer"]
        assert [row["name"] for row in rows] == [f"'{name}" for name in FORMULAS]
        assert [row["officer_id"] for row in rows] == [f"o{number}" for number in range(len(FORMULAS))]
        assert all(row["assigned"] == "1" for row in rows)  # figures are numbers, left as they are


class TestRichMarkup:
    def test_audit_show_prints_a_reason_with_markup_as_it_was_written(
        self, cli: Cli, runtime: Runtime, tmp_path: Path
    ) -> None:
        import_roster(cli, tmp_path, ["Officer A", "Officer B"])
        [number] = numbers(1)
        assign(runtime, [declaration(number, AIRPORT)])
        body = command_body("reassign", issued_by="sup", declaration_number=number, to_officer_id="o1", reason=MARKUP)
        assert send_command(runtime, body).accepted
        code, out, err = cli("audit", "show", number)
        assert code == 0, err
        assert MARKUP in out, out

    def test_roster_list_prints_a_name_with_markup_as_it_was_written(self, cli: Cli, tmp_path: Path) -> None:
        import_roster(cli, tmp_path, ["[/]", "[bold]Officer B[/bold]"])
        code, out, err = cli("roster", "list")
        assert code == 0, err
        assert "[/]" in out and "[bold]Officer B[/bold]" in out and "[red]Supervisor[/]" in out
