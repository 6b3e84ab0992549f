"""The `assigner` command line: thin, one-line errors, never a traceback."""

from __future__ import annotations

import os
import sys
import tomllib

import typer
from amqp.exceptions import AMQPError
from pydantic import ValidationError
from pydantic_settings import SettingsError
from sqlalchemy.exc import SQLAlchemyError
from typer.exceptions import TyperException

from assigner.cli import (
    assign, audit, bench, chaos, command, console, db, demo, health, publish, report, roster, sample, schema,
    worker,
)
from assigner.domain.errors import AssignerError, first_line
from assigner.settings import describe_settings_error

app = typer.Typer(
    help="Assign customs officers to check declarations automatically, by rotation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(roster.app, name="roster")
app.add_typer(command.app, name="command")
app.add_typer(audit.app, name="audit")
app.command("assign")(assign.assign)
app.command("sample")(sample.write_sample)
app.add_typer(bench.app, name="bench")
app.command("schema")(schema.print_schema)
app.command("worker")(worker.worker)
app.command("publish")(publish.publish)
app.command("demo")(demo.demo)
app.command("report")(report.report)
app.command("health")(health.health)
app.command("chaos")(chaos.chaos)
app.command("console")(console.console)


def main() -> None:
    """Entry point of the console script."""
    sys.exit(run(sys.argv[1:]))


def run(args: list[str]) -> int:
    """Run the CLI with these arguments; returns the exit code."""
    try:
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
