"""The commands a supervisor gives from a unit's page: the same messages `assigner command` publishes."""

from __future__ import annotations

from typing import Any

from assigner.bootstrap import Runtime
from assigner.broker.command_sender import command_payload, send_command
from assigner.broker.connection import BrokerUnreachable
from assigner.console.formats import PATTERNS, UnreadableTime, number_text, read_moment
from assigner.console.language import N_, Language
from assigner.console.sessions import Session
from assigner.domain.errors import InvalidInput
from assigner.domain.model import Unit
from assigner.services.supervision import eligible_left

# The form's fields each command takes (besides reason), as the contract names them.
FIELDS = {
    "reassign": ("declaration_number", "to_officer_id", "reason_code"),
    "reassign_group": ("group", "key", "to_officer_id", "reason_code"),
    "officer_absent": ("officer_id", "until", "redistribute"),
    "officer_available": ("officer_id",),
    "complete": ("declaration_number",),
}
# How the page names a command given, with its declaration, group or officer.
DESCRIBED = {
    "reassign": N_("reassign %(subject)s"),
    "reassign_group": N_("reassign group %(subject)s"),
    "officer_absent": N_("officer absent %(subject)s"),
    "officer_available": N_("officer available %(subject)s"),
    "complete": N_("complete %(subject)s"),
}


def publish_command(
    runtime: Runtime, session: Session, unit: Unit, name: str, form: dict[str, str], language: Language
) -> tuple[str, str]:
    """Publish the command a form asks for, as the signed-in supervisor, and wait for its answer: (kind, what
    to tell them in their language), kind being accepted, rejected or pending. What the contract or the worker
    says is wrong comes in English, as they say it, inside a sentence in the reader's language."""
    _ = language.gettext
    if name not in FIELDS:
        return "rejected", _("no such command: %(name)s", name=name)
    try:
        fields = _fields(runtime, unit, name, form, language)
    except UnreadableTime as error:
        hint = PATTERNS[language.code].hint
        return "rejected", _("until: “%(text)s” is not a date and time written %(format)s", text=error, format=hint)
    if name == "officer_absent" and form.get("few_confirmed") != "on":
        warning = _too_few_left(runtime, unit, str(fields.get("officer_id", "")), language)
        if warning is not None:
            return "rejected", warning
    try:
        payload = command_payload(
            name, session.officer_id, runtime.clock(), reason=form.get("reason") or None, **fields
        )
        settings = runtime.settings
        if session.broker_url is not None:  # their own login: RabbitMQ vouches for them (user_id)
            settings = settings.model_copy(update={"broker_url": session.broker_url})
        answer = send_command(settings, payload, runtime.settings.console_answer_seconds)
    except InvalidInput as error:
        return "rejected", _("not sent: %(reason)s", reason=error)
    except BrokerUnreachable as error:
        return "rejected", _("not sent, the broker cannot be reached: %(reason)s", reason=error)
    described = _describe(name, payload, language)
    if answer is None:
        seconds = number_text(runtime.settings.console_answer_seconds, language)
        return "pending", _(
            "%(command)s: sent, no answer within %(seconds)s s (is a worker running?); it is done when a worker "
            "takes it",
            command=described,
            seconds=seconds,
        )
    if not answer.accepted:
        return "rejected", _("%(command)s: rejected: %(reason)s", command=described, reason=answer.reason)
    return "accepted", _("%(command)s: accepted", command=described)


def _too_few_left(runtime: Runtime, unit: Unit, officer_id: str, language: Language) -> str | None:
    """What to tell a supervisor whose absence would leave the unit with fewer officers able to take a turn than
    the settings ask for (a unit of one or two turns every declaration into a foregone conclusion)."""
    minimum = runtime.settings.absence_warning_below
    left = eligible_left(runtime.unit_of_work(), unit, officer_id, runtime.clock)
    if left >= minimum:
        return None
    return language.gettext(
        "not sent: with %(officer)s absent, %(left)s officer(s) of the unit could take a turn, fewer than "
        "%(minimum)s; tick “leave fewer officers” and send again if it must be so",
        officer=officer_id,
        left=number_text(left, language),
        minimum=number_text(minimum, language),
    )


def _fields(runtime: Runtime, unit: Unit, name: str, form: dict[str, str], language: Language) -> dict[str, Any]:
    fields: dict[str, Any] = {key: form[key].strip() for key in FIELDS[name] if form.get(key, "").strip()}
    if name == "officer_absent":
        fields["redistribute"] = form.get("redistribute") == "on"
        fields["units"] = [{"customs_office": unit.customs_office, "department": unit.department}]
        if "until" in fields:
            zone = runtime.policy.hours.timezone_for(unit.customs_office)
            fields["until"] = read_moment(str(fields["until"]), zone, language).isoformat()
    return fields


def _describe(name: str, payload: dict[str, object], language: Language) -> str:
    subject = payload.get("declaration_number") or payload.get("key") or payload.get("officer_id") or ""
    return language.gettext(DESCRIBED[name], subject=subject).strip()
