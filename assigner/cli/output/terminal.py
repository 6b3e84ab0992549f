"""The one way the CLI writes through rich: consoles that print text as it is.

Officer names, reasons, command ids, units, file names and error messages come from outside; rich would read
`[/]` in them as markup (and fail on it) and `:name:` as an emoji. Every console the CLI prints on is made
here, with markup and emoji off, so no table, title or line has to be escaped by its caller.
"""

from __future__ import annotations

from rich.console import Console


def console(*, stderr: bool = False, width: int | None = None, piped_width: int | None = None) -> Console:
    """A console that prints text literally: on standard error if `stderr`, `width` columns wide, or
    `piped_width` when the output is not a terminal (a file or a pipe keeps whole lines)."""
    made = Console(stderr=stderr, width=width, markup=False, emoji=False)
    if piped_width is not None and not made.is_terminal:
        made = Console(stderr=stderr, width=piped_width, markup=False, emoji=False)
    return made
