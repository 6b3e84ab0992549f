"""`assigner command ...`: build a supervisor command, check it here, sign it where needed, publish it."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from assigner.broker.command_keys import new_key
from assigner.broker.command_sender import broker_user, command_payload, send_command
from assigner.broker.connection import display_url
from assigner.domain.commands import ReasonCode
from assigner.domain.errors import InvalidInput
from assigner.services.ports import Clock, system_clock
from assigner.settings import Settings

app = typer.Typer(
    help="Supervisor commands: reassign, absence, completion (published to assigner.commands).", no_args_is_help=True
)

By = Annotated[
    str | None,
    typer.Option(
        "--by",
        help="issued_by: the supervisor (default: the broker user, or ASSIGNER_SUPERVISOR on the embedded broker).",
    ),
]
Reason = Annotated[str | None, typer.Option("--reason", help="Why; kept in the audit trail.")]
Code = Annotated[
    ReasonCode,
    typer.Option(
        "--reason-code",
        help="Why, by the special cases of Official Letter 9689 (other: say it with --reason); kept and reported.",
        case_sensitive=False,
    ),
]
CommandId = Annotated[
    str | None, typer.Option("--id", help="command_id (default: a new UUID); the same id is done once.")
]
Wait = Annotated[
    bool,
    typer.Option(
        "--wait",
        help="Wait for the worker's answer: exit 0 accepted, 3 rejected (the "
        "reason is printed), 4 no answer within --timeout.",
    ),
]
Timeout = Annotated[float, typer.Option("--timeout", min=1, help="Seconds --wait waits for the answer.")]
REJECTED = 3
NO_ANSWER = 4


@app.command("reassign")
def reassign(
    declaration: Annotated[str, typer.Argument(help="The 12-digit declaration number.")],
    to: Annotated[str, typer.Option("--to", help="The officer who gets it.")],
    reason_code: Code,
    by: By = None,
    reason: Reason = None,
    command_id: CommandId = None,
    wait: Wait = False,
    timeout: Timeout = 60.0,
) -> None:
    """Move one declaration to another officer."""
    fields: dict[str, Any] = {"declaration_number": declaration, "to_officer_id": to, "reason_code": reason_code.value}
    _send("reassign", by, reason, command_id, timeout if wait else None, **fields)


@app.command("reassign-group")
def reassign_group(
    group: Annotated[str, typer.Argument(help="branch or container.")],
    key: Annotated[str, typer.Argument(help="The first declaration number (branch) or the container number.")],
    to: Annotated[str, typer.Option("--to", help="The officer who gets the whole group.")],
    reason_code: Code,
    by: By = None,
    reason: Reason = None,
    command_id: CommandId = None,
    wait: Wait = False,
    timeout: Timeout = 60.0,
) -> None:
    """Move every open declaration of a branch group or a container group."""
    fields: dict[str, Any] = {"group": group, "key": key, "to_officer_id": to, "reason_code": reason_code.value}
    _send("reassign_group", by, reason, command_id, timeout if wait else None, **fields)


@app.command("absent")
def absent(
    officer: Annotated[str, typer.Argument(help="The officer who is absent.")],
    until: Annotated[str | None, typer.Option(help="Back at this time (ISO 8601 with offset).")] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Away since this time, if entered late (ISO 8601 with offset); reported as back-dated."),
    ] = None,
    unit: Annotated[list[str] | None, typer.Option(help="Only this unit, OFFICE/DEPARTMENT (repeatable).")] = None,
    redistribute: Annotated[bool, typer.Option(help="Hand their open declarations to the others.")] = True,
    by: By = None,
    reason: Reason = None,
    command_id: CommandId = None,
    wait: Wait = False,
    timeout: Timeout = 60.0,
) -> None:
    """Take an officer out of rotation and hand their open declarations to the others by rotation."""
    fields: dict[str, Any] = {"officer_id": officer, "redistribute": redistribute}
    if until is not None:
        fields["until"] = until
    if since is not None:
        fields["since"] = since
    if unit:
        fields["units"] = [_unit(text) for text in unit]
    _send("officer_absent", by, reason, command_id, timeout if wait else None, **fields)


@app.command("available")
def available(
    officer: Annotated[str, typer.Argument(help="The officer who is back.")],
    by: By = None,
    reason: Reason = None,
    command_id: CommandId = None,
    wait: Wait = False,
    timeout: Timeout = 60.0,
) -> None:
    """Bring an officer back into rotation; held declarations are assigned."""
    _send("officer_available", by, reason, command_id, timeout if wait else None, officer_id=officer)


@app.command("complete")
def complete(
    declaration: Annotated[str, typer.Argument(help="The 12-digit declaration number.")],
    by: By = None,
    reason: Reason = None,
    command_id: CommandId = None,
    wait: Wait = False,
    timeout: Timeout = 60.0,
) -> None:
    """The check is finished: the declaration is no longer open."""
    _send("complete", by, reason, command_id, timeout if wait else None, declaration_number=declaration)


@app.command("key")
def key(officer: Annotated[str, typer.Argument(help="The supervisor the key is for.")]) -> None:
    """Print a new random key line for the command keys file (embedded broker)."""
    typer.echo(f'"{officer}" = "{new_key()}"')


def _send(
    name: str,
    by: str | None,
    reason: str | None,
    command_id: str | None,
    wait: float | None,
    clock: Clock = system_clock,
    **fields: Any,
) -> None:
    settings = Settings()
    issued_by = by or broker_user(settings) or settings.supervisor
    if not issued_by:
        raise InvalidInput("who issues this command? give --by SUPERVISOR (or set ASSIGNER_SUPERVISOR)")
    payload = command_payload(name, issued_by, clock(), command_id, reason, **fields)
    answer = send_command(settings, payload, wait)
    typer.echo(
        f"command {payload['command_id']} ({name}) published to {display_url(settings)}"
        + ("; its answer comes as command.accepted or command.rejected on assigner.events" if wait is None else "")
    )
    if wait is None:
        return
    if answer is None:
        typer.echo(f"no answer within {wait:g} s: is a worker running?", err=True)
        raise typer.Exit(NO_ANSWER)
    if not answer.accepted:
        typer.echo(f"rejected: {answer.reason}")
        raise typer.Exit(REJECTED)
    typer.echo("accepted")


def _unit(text: str) -> dict[str, str]:
    office, _, department = text.partition("/")
    return {"customs_office": office, "department": department}
