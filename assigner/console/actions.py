"""The commands a supervisor gives from a unit's page: the same messages `assigner command` publishes."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from assigner.bootstrap import Runtime
from assigner.broker.command_sender import command_payload, send_command
from assigner.broker.connection import BrokerUnreachable
from assigner.console.sessions import Session
from assigner.domain.errors import InvalidInput
from assigner.domain.model import Unit

# The form's fields each command takes (besides reason), as the contract names them.
FIELDS = {
    "reassign": ("declaration_number", "to_officer_id"),
    "reassign_group": ("group", "key", "to_officer_id"),
    "officer_absent": ("officer_id", "until", "redistribute"),
    "officer_available": ("officer_id",),
    "complete": ("declaration_number",),
}


def publish_command(runtime: Runtime, session: Session, unit: Unit, name: str, form: dict[str, str]) -> tuple[str, str]:
    """Publish the command a form asks for, as the signed-in supervisor, and wait for its answer: (kind, what
    to tell them), kind being accepted, rejected or pending."""
    if name not in FIELDS:
        return "rejected", f"no such command: {name}"
    try:
        fields = _fields(runtime, unit, name, form)
        payload = command_payload(
            name, session.officer_id, runtime.clock(), reason=form.get("reason") or None, **fields
        )
        settings = runtime.settings
        if session.broker_url is not None:  # their own login: RabbitMQ vouches for them (user_id)
            settings = settings.model_copy(update={"broker_url": session.broker_url})
        answer = send_command(settings, payload, runtime.settings.console_answer_seconds)
    except (InvalidInput, BrokerUnreachable) as error:
        return "rejected", str(error)
    described = _describe(name, payload)
    if answer is None:
        return "pending", (
            f"{described}: sent, no answer within {runtime.settings.console_answer_seconds:g} s "
            "(is a worker running?); it is done when a worker takes it"
        )
    if not answer.accepted:
        return "rejected", f"{described}: rejected: {answer.reason}"
    return "accepted", f"{described}: accepted"


def _fields(runtime: Runtime, unit: Unit, name: str, form: dict[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = {key: form[key].strip() for key in FIELDS[name] if form.get(key, "").strip()}
    if name == "officer_absent":
        fields["redistribute"] = form.get("redistribute") == "on"
        fields["units"] = [{"customs_office": unit.customs_office, "department": unit.department}]
        if "until" in fields:
            fields["until"] = _local_time(runtime, unit, str(fields["until"]))
    return fields


def _local_time(runtime: Runtime, unit: Unit, text: str) -> str:
    """A browser's `datetime-local` value, read in the office's time zone, with its offset."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise InvalidInput(f"until: '{text}' is not a date and time") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(runtime.policy.hours.timezone_for(unit.customs_office)))
    return moment.isoformat()


def _describe(name: str, payload: dict[str, object]) -> str:
    subject = payload.get("declaration_number") or payload.get("key") or payload.get("officer_id") or ""
    return f"{name.replace('_', ' ')} {subject}".strip()
