"""Every kind of message of the contract, in one place: `assigner schema <kind>` prints each one's JSON Schema,
and the AsyncAPI document (assigner.broker.asyncapi) describes each one where it travels.

A new kind is one line in KINDS: its name, its model (a pydantic model, or a union of models discriminated by
a literal field, one message per member), and its route."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, TypeAdapter
from pydantic.fields import FieldInfo

from assigner.schemas.command import Command
from assigner.schemas.completion import COMPLETION_TYPE, CheckCompletedMessage
from assigner.schemas.declaration import DeclarationMessage
from assigner.schemas.event import Event

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class Route(StrEnum):
    """Where a kind of message travels; assigner.broker.asyncapi names the queues and exchanges of each."""

    DECLARATIONS = "declarations"  # upstream systems -> queue assigner.declarations
    COMMANDS = "commands"  # supervisors -> exchange and queue assigner.commands
    EVENTS = "events"  # the worker -> topic exchange assigner.events


@dataclass(frozen=True)
class MessageKind:
    """One kind of message: its name (the CLI's word for it), its model and where it travels."""

    name: str
    model: Any  # a pydantic model, or Annotated[A | B | ..., Field(discriminator=...)]
    route: Route
    amqp_type: str | None = None  # the AMQP `type` property that tells this kind from others on its queue


@dataclass(frozen=True)
class Member:
    """One message of a kind: its name (the discriminator's value, or the kind's name) and its model."""

    name: str
    model: type[BaseModel]


KINDS: tuple[MessageKind, ...] = (
    MessageKind("declaration", DeclarationMessage, Route.DECLARATIONS),
    MessageKind("completion", CheckCompletedMessage, Route.DECLARATIONS, COMPLETION_TYPE),
    MessageKind("command", Command, Route.COMMANDS),
    MessageKind("event", Event, Route.EVENTS),
)


def kind_names() -> list[str]:
    """The kinds' names, in KINDS' order."""
    return [kind.name for kind in KINDS]


def message_kind(name: str) -> MessageKind:
    """The kind of this name; KeyError when there is none."""
    for kind in KINDS:
        if kind.name == name:
            return kind
    raise KeyError(name)


@cache
def _adapter(name: str) -> TypeAdapter[Any]:
    return TypeAdapter(message_kind(name).model)


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one kind of message, as `assigner schema <name>` prints it."""
    schema = _adapter(name).json_schema()
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema.setdefault("title", f"assigner {name}")
    return schema


def members(kind: MessageKind) -> tuple[Member, ...]:
    """The messages of a kind: the model itself, or each model of a discriminated union, named by the value
    of its discriminator field (e.g. event `declaration.assigned`)."""
    if isinstance(kind.model, type) and issubclass(kind.model, BaseModel):
        return (Member(kind.name, kind.model),)
    if get_origin(kind.model) is not Annotated:
        raise TypeError(f"kind {kind.name}: a pydantic model or a discriminated union of models, not {kind.model!r}")
    union, *metadata = get_args(kind.model)
    discriminator = next(
        (m.discriminator for m in metadata if isinstance(m, FieldInfo) and isinstance(m.discriminator, str)), None
    )
    if discriminator is None:
        raise TypeError(f"kind {kind.name}: a union needs Field(discriminator='<field>')")
    return tuple(Member(_literal(model, discriminator), model) for model in get_args(union))


def _literal(model: type[BaseModel], field: str) -> str:
    """The one value a model's discriminator field may take (its Literal)."""
    values = get_args(model.model_fields[field].annotation)
    if len(values) != 1 or not isinstance(values[0], str):
        raise TypeError(f"{model.__name__}.{field}: one Literal string, not {values!r}")
    return values[0]
