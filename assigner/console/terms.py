"""The codes the console shows as they are stored (statuses, audit actions, modes, reasons, group kinds,
channels), in the reader's words; a value not listed (free text, an officer id) is shown as it comes."""

from __future__ import annotations

import re

from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from assigner.console.language import N_, Language
from assigner.domain.commands import ReasonCode

TERMS: dict[str, dict[str, str]] = {
    # a roster line's status, an officer skipped by a turn, a declaration's status
    "status": {
        "active": N_("active"),
        "absent": N_("absent"),
        "inactive": N_("inactive"),
        "recorded": N_("recorded only"),
        "held": N_("held"),
        "assigned": N_("assigned"),
        "completed": N_("completed"),
    },
    # what an audit entry records: a decision, a change, a command
    "action": {
        "recorded": N_("recorded only"),
        "held": N_("held"),
        "assigned": N_("assigned"),
        "reassigned": N_("reassigned"),
        "completed": N_("completed"),
        "overdue": N_("flagged overdue"),
        "duplicate": N_("duplicate"),
        "amendment": N_("amendment"),
        "officer_returned": N_("officer back"),
        "command_rejected": N_("command rejected"),
        "roster_import": N_("roster imported"),
        "reassign": N_("reassign command"),
        "reassign_group": N_("reassign group command"),
        "officer_absent": N_("officer absent command"),
        "officer_available": N_("officer back command"),
        "complete": N_("complete command"),
    },
    # how an assignment was made
    "mode": {
        "auto": N_("automatic"),
        "group": N_("with a group"),
        "manual": N_("by hand"),
        "redistributed": N_("redistributed"),
    },
    # why a declaration is held, or why it went where it did (the reasons the system itself writes)
    "reason": {
        "no_eligible_officer": N_("no officer can take it"),
        "unknown_department": N_("unknown processing department"),
        "rotation": N_("by rotation"),
        "absence ended at its until": N_("the absence ended at its set time"),
        "held": N_("held"),
    },
    "group": {
        "branch": N_("branch lot"),
        "container": N_("shared container"),
    },
    "channel": {
        "green": N_("green channel"),
        "yellow": N_("yellow channel"),
        "red": N_("red channel"),
    },
    "actor": {
        "system": N_("system"),
    },
    # why a supervisor reassigned by hand (domain.commands.ReasonCode, the special cases of Official Letter 9689)
    "reason_code": {
        "branch_declaration": N_("branch declaration"),
        "shared_container": N_("shared container"),
        "officer_absent": N_("officer absent"),
        "workload": N_("workload"),
        "conflict_of_interest": N_("conflict of interest"),
        "other": N_("other (say why)"),
        "unrecorded": N_("reason not recorded"),
    },
}


# The reasons the system writes with values in them (an audit entry's why, as domain/decision_records.py words it), read
# back and said in the reader's words; one worded otherwise is shown as it comes.
SYSTEM_REASONS = [
    (
        re.compile(r"released from hold: an officer became eligible; (?P<how>.+)"),
        N_("released from hold: an officer became eligible; %(how)s"),
    ),
    (re.compile(r"branch group of (?P<follows>\S+)"), N_("branch group of %(follows)s")),
    (re.compile(r"container group of (?P<follows>\S+)"), N_("container group of %(follows)s")),
    (
        re.compile(r"channel (?P<channel>\w+) is not assigned automatically in this unit"),
        N_("%(channel)s is not assigned automatically in this unit"),
    ),
    (
        re.compile(r"amendment (?P<amendment>\d+) of (?P<was>\S+): stays where it is"),
        N_("amendment %(amendment)s of %(was)s: stays where it is"),
    ),
]


def term_text(code: object, kind: str, language: Language) -> str:
    """`code` of the vocabulary `kind` in the reader's words; anything else as it comes (None: nothing)."""
    if code is None:
        return ""
    known = TERMS[kind].get(str(code))
    if known:
        return language.gettext(known)
    return reason_text(str(code), language) if kind == "reason" else str(code)


def reason_text(reason: str, language: Language) -> str:
    """A reason the system wrote with values in it, in the reader's words; any other as it comes."""
    for pattern, message in SYSTEM_REASONS:
        found = pattern.fullmatch(reason)
        if found:
            values = found.groupdict()
            if "how" in values:
                values["how"] = term_text(values["how"], "reason", language)
            if "channel" in values:
                values["channel"] = term_text(values["channel"], "channel", language)
            return language.gettext(message, **values)
    return reason


def install_terms(env: Environment) -> None:
    """The templates' `term` filter: `{{ line.status|term("status") }}`, in the language of the render."""

    @pass_context
    def term(context: Context, code: object, kind: str) -> str:
        return term_text(code, kind, context["language"])

    env.filters["term"] = term
    env.globals["reason_code_values"] = [code.value for code in ReasonCode]  # the reassign forms' choices
