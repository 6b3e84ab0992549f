"""The contract as an AsyncAPI 3.0 document (`assigner schema asyncapi`, checked in as docs/asyncapi.yaml).

Its messages are every kind of assigner.schemas.kinds (one message per member of a discriminated union), their
payloads the JSON Schemas generated from the models, as `assigner schema <kind>` prints them; its channels are
assigner.broker.asyncapi_channels'. The operations are the clients': upstream systems and supervisors `send`,
downstream systems and operators `receive`."""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import BaseModel

from assigner import __version__
from assigner.broker import topology
from assigner.broker.asyncapi_channels import (
    AMQP_BINDING_VERSION,
    CHANNELS,
    DEAD_LETTER_CHANNELS,
    Channel,
    channels_of,
)
from assigner.broker.command_keys import SIGNATURE_HEADER
from assigner.domain.untrusted import REASON_LIMIT
from assigner.schemas.kinds import KINDS, Member, MessageKind, Route, members

ASYNCAPI_VERSION = "3.0.0"
SCHEMA_REF = "#/components/schemas/{model}"
DEAD_LETTER = "dead_letter"
SECURITY = "amqpUser"
SIGNED = "signedOnTheEmbeddedBroker"

DESCRIPTION = " ".join(
    f"""
The public contract of assigner (docs/contract.md), generated from its models by `assigner schema asyncapi`.
Upstream systems and supervisors' tools publish plain JSON over AMQP 0-9-1 with any client; downstream systems
bind queues of their own to the exchange `{topology.EVENTS}`. The operations are theirs: `send` is what a client
publishes, `receive` what it consumes. The worker declares every queue and exchange at start (all durable); every
message is persistent (delivery mode 2), `application/json`, UTF-8. Unknown extra fields of a declaration are
kept; names, fields and meanings are never changed silently, only added to. A message that can never be
processed goes, as received, to its queue's dead-letter queue, with the header `{topology.ERROR_HEADER}` saying
why.""".split()
)
SERVER = {
    "host": "{host}:{port}",
    "pathname": "/{vhost}",
    "protocol": "amqp",
    "protocolVersion": "0.9.1",
    "title": "RabbitMQ",
    "description": "The RabbitMQ broker of the setting `broker_url` (`ASSIGNER_BROKER_URL`, amqp:// or amqps://). "
    "Each party logs in as a RabbitMQ user of its own, with the permissions README's \"RabbitMQ users and "
    'permissions" gives. The embedded broker (`embedded://`, files on one machine) has no server to reach.',
    "variables": {
        "host": {"description": "the broker's host name", "examples": ["rabbitmq.customs.example"]},
        "port": {"description": "5672 (amqp) or 5671 (amqps)", "default": "5672", "examples": ["5672", "5671"]},
        "vhost": {"description": "the virtual host, URL-encoded", "examples": ["customs"]},
    },
    "security": [{"$ref": f"#/components/securitySchemes/{SECURITY}"}],
}
SECURITY_SCHEME = {
    "type": "userPassword",
    "description": "The AMQP login of the party's own RabbitMQ user. RabbitMQ checks that a message's `user_id` "
    "property, when set, is that user: the worker trusts it as the sender. No user that sends messages may have "
    "the `impersonator` tag, which lets a user send any `user_id`.",
}

SIGNED_TRAIT = {
    "headers": {
        "type": "object",
        "properties": {
            SIGNATURE_HEADER: {
                "type": "string",
                "pattern": "^sha256=[0-9a-f]{64}$",
                "description": "required on the embedded broker, which vouches for nobody, and only there: sha256= "
                "and the hex HMAC-SHA256 of the exact body bytes with the key of the supervisor in `issued_by` "
                '(README, "Supervisor commands"); such a command must also carry `issued_at`',
            }
        },
    }
}


def document() -> dict[str, Any]:
    """The AsyncAPI 3.0 document of the contract, as plain data."""
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    on_channel: dict[str, list[str]] = {channel.name: [] for channel in CHANNELS}
    for kind in KINDS:
        for member in members(kind):
            key = message_key(kind, member)
            messages[key] = _message(kind, member, _add_schema(schemas, member.model))
            for channel in channels_of(kind.route, member.model):
                on_channel[channel.name].append(key)
    messages[DEAD_LETTER] = _dead_letter()
    for channel in DEAD_LETTER_CHANNELS:
        on_channel[channel.name].append(DEAD_LETTER)
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "assigner",
            "version": __version__,
            "description": DESCRIPTION,
            "license": {"name": "Apache-2.0"},
        },
        "defaultContentType": "application/json",
        "servers": {"rabbitmq": SERVER},
        "channels": {c.name: _channel(c, on_channel[c.name], messages) for c in CHANNELS},
        "operations": {c.operation.name: _operation(c, on_channel[c.name]) for c in CHANNELS},
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "messages": messages,
            "messageTraits": {SIGNED: SIGNED_TRAIT},
            "securitySchemes": {SECURITY: SECURITY_SCHEME},
        },
    }


def yaml_document() -> str:
    """The document as YAML, as docs/asyncapi.yaml holds it."""
    header = "# Generated by `assigner schema asyncapi > docs/asyncapi.yaml`: edit the models, not this file.\n"
    return header + yaml.safe_dump(document(), sort_keys=False, allow_unicode=True, width=120)


def message_key(kind: MessageKind, member: Member) -> str:
    """A message's name in the document: the kind's, or kind.member for a member of a union (event.<name>)."""
    return kind.name if member.name == kind.name else f"{kind.name}.{member.name}"


def _add_schema(schemas: dict[str, Any], model: type[BaseModel]) -> dict[str, str]:
    """Add a model's JSON Schema and those it refers to (its $defs) to the components; a $ref to it."""
    schema = asyncapi_schema(model.model_json_schema(ref_template=SCHEMA_REF))
    definitions = schema.pop("$defs", {})
    for name, definition in {**definitions, model.__name__: schema}.items():
        if schemas.setdefault(name, definition) != definition:
            raise ValueError(f"two different JSON Schemas named {name}: rename one of the models")
    return {"$ref": SCHEMA_REF.format(model=model.__name__)}


def asyncapi_schema(schema: Any) -> Any:
    """A pydantic JSON Schema as an AsyncAPI Schema: OpenAPI's `discriminator` object becomes AsyncAPI's, the
    name of the property (everything else pydantic writes is in JSON Schema draft-07 as well)."""
    if isinstance(schema, list):
        return [asyncapi_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {key: asyncapi_schema(value) for key, value in schema.items()}
    discriminator = converted.get("discriminator")
    if isinstance(discriminator, dict) and "propertyName" in discriminator:
        converted["discriminator"] = discriminator["propertyName"]
    return converted


def _message(kind: MessageKind, member: Member, payload: dict[str, str]) -> dict[str, Any]:
    summary = (member.model.__doc__ or "").strip().splitlines()[0] if member.model.__doc__ else ""
    message: dict[str, Any] = {
        "name": member.name,
        "title": kind.name if member.name == kind.name else f"{kind.name} {member.name}",
        "summary": summary or member.name,
        "contentType": "application/json",
        "payload": payload,
    }
    if kind.route is Route.COMMANDS:
        message["traits"] = [{"$ref": f"#/components/messageTraits/{SIGNED}"}]
    if kind.route is Route.EVENTS or kind.amqp_type:
        message_type = kind.amqp_type or member.name
        message["bindings"] = {"amqp": {"messageType": message_type, "bindingVersion": AMQP_BINDING_VERSION}}
    return message


def _dead_letter() -> dict[str, Any]:
    return {
        "name": DEAD_LETTER,
        "title": "dead letter",
        "summary": "A message that can never be processed, as it was received, and why.",
        "description": "The body and headers as received, with the properties `message_id` (the producer's, or "
        "`dead-letter-` and the body's fingerprint, the same for every copy), `correlation_id`, `app_id`, "
        "`timestamp` and `content_type` (`application/octet-stream` when there was none) kept. Each poison "
        "message is dead-lettered once.",
        "contentType": "application/octet-stream",
        "headers": {
            "type": "object",
            "required": [topology.ERROR_HEADER, topology.DEAD_LETTERED_AT_HEADER],
            "properties": {
                topology.ERROR_HEADER: {
                    "type": "string",
                    "maxLength": REASON_LIMIT,
                    "description": "why, in one line, control characters escaped",
                },
                topology.DEAD_LETTERED_AT_HEADER: {
                    "type": "string",
                    "format": "date-time",
                    "description": "when it was dead-lettered (ISO 8601 with offset)",
                },
            },
        },
        "payload": {"description": "the body exactly as received: JSON or not"},
    }


def _channel(channel: Channel, keys: list[str], messages: dict[str, Any]) -> dict[str, Any]:
    parameters = {name: dict(parameter) for name, parameter in channel.parameters.items()}
    if "event" in parameters:
        parameters["event"]["enum"] = [messages[key]["name"] for key in keys]
    described: dict[str, Any] = {
        "address": channel.address,
        "title": channel.title,
        "description": channel.description,
        "servers": [{"$ref": "#/servers/rabbitmq"}],
        "messages": {key: {"$ref": f"#/components/messages/{key}"} for key in keys},
    }
    if parameters:
        described["parameters"] = parameters
    described["bindings"] = {"amqp": {**channel.binding, "bindingVersion": AMQP_BINDING_VERSION}}
    return described


def _operation(channel: Channel, keys: list[str]) -> dict[str, Any]:
    operation = channel.operation
    return {
        "action": operation.action,
        "channel": {"$ref": f"#/channels/{channel.name}"},
        "title": operation.title,
        "description": operation.description,
        "messages": [{"$ref": f"#/channels/{channel.name}/messages/{key}"} for key in keys],
        "bindings": {"amqp": {**operation.binding, "bindingVersion": AMQP_BINDING_VERSION}},
    }
