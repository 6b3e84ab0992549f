"""`assigner schema`: the contract's JSON Schemas, generated from the models, or the whole contract as AsyncAPI."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from assigner.schemas.kinds import json_schema, kind_names

ASYNCAPI = "asyncapi"
CHOICES = (*kind_names(), ASYNCAPI)


def _choice(value: str) -> str:
    if value not in CHOICES:
        raise typer.BadParameter(f"'{value}' is not one of {', '.join(repr(choice) for choice in CHOICES)}")
    return value


def print_schema(
    kind: Annotated[
        str,
        typer.Argument(
            parser=_choice,
            help=f"{', '.join(CHOICES[:-1])}: that message's JSON Schema; {ASYNCAPI}: the whole contract as an "
            "AsyncAPI 3.0 document (YAML).",
        ),
    ],
) -> None:
    """Print the JSON Schema of a declaration message, a command or an event, or the contract as AsyncAPI
    (docs/contract.md, docs/asyncapi.yaml)."""
    if kind == ASYNCAPI:
        from assigner.broker.asyncapi import yaml_document  # PyYAML and the broker's names only for this one

        typer.echo(yaml_document(), nl=False)
    else:
        typer.echo(json.dumps(json_schema(kind), indent=2))
