"""The command line prints through rich on consoles made in one place, which read no markup in the text."""

from __future__ import annotations

import io
from pathlib import Path

from rich.table import Table

from assigner.cli.output import terminal

CLI = Path(__file__).resolve().parents[2] / "assigner" / "cli"


class TestConsoles:
    def test_no_cli_module_makes_a_console_of_its_own(self) -> None:
        makers = [
            path.relative_to(CLI).as_posix()
            for path in CLI.rglob("*.py")
            if "Console(" in path.read_text() and path.name != "terminal.py"
        ]
        assert makers == []

    def test_markup_and_emoji_in_a_table_and_a_line_are_printed_as_written(self) -> None:
        console = terminal.console(width=120)
        console.file = io.StringIO()
        table = Table("why", title="[/] :smile:")
        table.add_row("[/] [bold]late[/bold] :smile:")
        console.print(table)
        console.print("[red]x[/]")
        printed = console.file.getvalue()
        assert "[/] [bold]late[/bold] :smile:" in printed and "[/] :smile:" in printed and "[red]x[/]" in printed
