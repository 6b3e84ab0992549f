"""`assigner schema`: the contract's JSON Schema, generated from the models."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated, Any

import typer
from pydantic import TypeAdapter

from assigner.schemas.command import COMMAND
from assigner.schemas.declaration import DeclarationMessage
from assigner.schemas.event import EVENT


class Kind(StrEnum):
    DECLARATION = "declaration"
    COMMAND = "command"
    EVENT = "event"


def json_schema(kind: Kind) -> dict[str, Any]:
    """The JSON Schema of one kind of message."""
    adapters: dict[Kind, TypeAdapter[Any]] = {
        Kind.DECLARATION: TypeAdapter(DeclarationMessage),
        Kind.COMMAND: COMMAND,
        Kind.EVENT: EVENT,
    }
    schema = adapters[kind].json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema.setdefault("title", f"assigner {kind.value}")
    return schema


def print_schema(kind: Annotated[Kind, typer.Argument(help="Which message.")]) -> None:
    """Print the JSON Schema of a declaration message, a command or an event (docs/contract.md)."""
    typer.echo(json.dumps(json_schema(kind), indent=2))
