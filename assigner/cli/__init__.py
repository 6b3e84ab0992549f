"""The `assigner` command line: thin, one-line errors, never a traceback."""

from __future__ import annotations

import importlib
import os
import sys
import tomllib
from collections.abc import Iterable, Sequence

import typer
from amqp.exceptions import AMQPError
from pydantic import ValidationError
from pydantic_settings import SettingsError
from sqlalchemy.exc import SQLAlchemyError
from typer.exceptions import TyperException

from assigner.domain.errors import AssignerError, first_line
from assigner.settings import describe_settings_error

HELP = "Assign customs officers to check declarations automatically, by rotation."
# Each subcommand: its module and what in it the CLI runs (a Typer app for a group of commands, or a function).
# Only the module a command line names is imported: `assigner worker` loads none of the tools for people trying
# the product (assigner.devtools: demo, bench, chaos, sample), and none of the other commands.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "db": ("db", "app"),
    "roster": ("roster", "app"),
    "command": ("command", "app"),
    "audit": ("audit", "app"),
    "assign": ("assign", "assign"),
    "sample": ("sample", "write_sample"),
    "bench": ("bench", "app"),
    "schema": ("schema", "print_schema"),
    "worker": ("worker", "worker"),
    "publish": ("publish", "publish"),
    "demo": ("demo", "demo"),
    "report": ("report", "report"),
    "health": ("health", "health"),
    "chaos": ("chaos", "chaos"),
    "console": ("console", "console"),
}


def build_app(names: Iterable[str] | None = None) -> typer.Typer:
    """The command line with these subcommands (by default all of them), each module imported only now."""
    app = typer.Typer(help=HELP, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
    app.callback()(_root)  # a group even with one subcommand (Typer would make a lone command the root)
    for name in SUBCOMMANDS if names is None else names:
        module, attribute = SUBCOMMANDS[name]
        target = getattr(importlib.import_module(f"assigner.cli.{module}"), attribute)
        if isinstance(target, typer.Typer):
            app.add_typer(target, name=name)
        else:
            app.command(name)(target)
    return app


def _root() -> None:
    """Assign customs officers to check declarations automatically, by rotation."""


def needed(args: Sequence[str]) -> list[str] | None:
    """The subcommands a command line needs: the one it names, or all of them (for the help, or an error)."""
    if args and args[0] in SUBCOMMANDS:
        return [args[0]]
    return None


def main() -> None:
    """Entry point of the console script."""
    sys.exit(run(sys.argv[1:]))


def run(args: list[str]) -> int:
    """Run the CLI with these arguments; returns the exit code."""
    try:
        app = build_app(needed(args))
        code = app(args=args, prog_name="assigner", standalone_mode=False)
        if isinstance(code, int):  # click returns a typer.Exit's code instead of raising it here
            return code
    except typer.Exit as done:
        return done.exit_code
    except typer.Abort:
        return _error("aborted", 130)
    except TyperException as error:
        if type(error).__name__ == "NoArgsIsHelpError":
            return 0  # the help was printed
        return _error(f"{error.format_message()} (see assigner --help)", 2)
    except AssignerError as error:
        return _error(str(error), 1)
    except (ValidationError, SettingsError) as error:
        return _error(f"settings: {describe_settings_error(error)}", 1)
    except tomllib.TOMLDecodeError as error:
        return _error(f"settings file: {error}", 1)
    except AMQPError as error:  # the broker refused an operation after the login: a permission, most often
        return _error(f"broker: {first_line(error)} (check the user's permissions in ASSIGNER_BROKER_URL's vhost)", 1)
    except SQLAlchemyError as error:
        cause = getattr(error, "orig", None) or error
        return _error(f"database: {str(cause).splitlines()[0]}", 1)
    except OSError as error:
        return _error(f"{error.strerror or error}: {error.filename or ''}", 1)
    except Exception as error:
        if os.environ.get("ASSIGNER_DEBUG"):
            raise
        return _error(f"unexpected {type(error).__name__}: {error} (set ASSIGNER_DEBUG=1 for details)", 1)
    return 0


def _error(message: str, code: int) -> int:
    line = " ".join(str(message).split())
    print(f"error: {line}", file=sys.stderr)
    return code
