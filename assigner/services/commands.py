"""Use case: carry out a supervisor's command in one transaction, idempotent by its command_id."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from assigner.domain.authentication import Claims
from assigner.domain.commands import (
    Action,
    Command,
    CommandHeader,
    CommandRefused,
    Complete,
    Done,
    OfficerAbsent,
    OfficerAvailable,
    Reassign,
    ReassignGroup,
    Unauthorised,
)
from assigner.domain.decisions import Decision
from assigner.domain.events import Event, command_event, new_event_id
from assigner.domain.moves import Move
from assigner.domain.untrusted import excerpt
from assigner.services import command_actions as actions
from assigner.services.command_actions import Change, Context
from assigner.services.ports import Clock, Policy, UnitOfWork
from assigner.services.transactions import in_transaction

# Clocks disagree a little: a command stamped this far in the future is still taken.
CLOCK_SKEW = timedelta(minutes=5)

HANDLERS: dict[type[Any], Callable[[Context, Any], Change]] = {
    Reassign: actions.reassign,
    ReassignGroup: actions.reassign_group,
    OfficerAbsent: actions.officer_absent,
    OfficerAvailable: actions.officer_available,
    Complete: actions.complete,
}


class Expired(Unauthorised):
    """A command issued too long ago (or in the future): it may be a replay."""


class IdInUse(Unauthorised):
    """A command_id already used by a different command: neither is done again, the first one's record stays."""


@dataclass(frozen=True)
class CommandResult:
    """What a command did, or why it was refused, and the events to publish."""

    command_id: str | None
    rejected_because: str | None = None
    dead_letter: bool = False  # it could never be carried out: unauthenticated, unauthorised, invalid, expired
    replayed: bool = False
    moves: list[Move] = field(default_factory=list)
    released: list[Decision] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        """Whether the command was carried out (now, or the first time it came)."""
        return self.rejected_because is None


def carry_out(
    uow: UnitOfWork,
    command: Command,
    sender: str,
    body: dict[str, Any],
    clock: Clock,
    policy: Policy,
    max_age: timedelta,
) -> CommandResult:
    """Carry out a command sent by an authenticated `sender`; a refusal changes nothing and is recorded."""
    header = command.header
    try:
        if sender != header.issued_by:
            raise Unauthorised(f"issued_by '{header.issued_by}' is not the authenticated sender '{sender}'")
        result, _ = in_transaction(uow, lambda: _carry_out(uow, command, body, clock, policy, max_age))
        return result
    except CommandRefused as refused:
        unauthorised = isinstance(refused, Unauthorised)
        claims = Claims(header.command_id, header.name, header.issued_by, header.issued_at is not None)
        return reject(uow, claims, str(refused), clock, sender=sender, body=body, trusted=not unauthorised)


def reject(
    uow: UnitOfWork,
    claims: Claims,
    reason: str,
    clock: Clock,
    *,
    body: dict[str, Any],
    sender: str | None = None,
    trusted: bool = False,
) -> CommandResult:
    """Record a refused command: audited, answered by command.rejected (when it has an id), nothing else.

    Only a `trusted` refusal (an authorised sender asking for what cannot be done) keeps the command's id,
    so a replay gets the same answer, and its body in the audit entry; the others are dead-lettered, and a
    forged or malformed message must not use up a genuine command's id, nor fill the append-only log: its
    entry holds the body's digest and a short excerpt.
    """

    command_id, name, issued_by = claims.command_id, claims.name, claims.issued_by

    def work() -> CommandResult:
        now = clock()
        if command_id is not None and trusted:
            done = uow.commands.outcome(command_id)
            if done is not None:
                return _replay(uow, command_id, done)
            header = CommandHeader(command_id, name or "?", issued_by or "?")
            uow.commands.add(header, reason, body, now)
        details: dict[str, Any] = {
            "command": name,
            "issued_by": issued_by,
            "sender": sender,
            "dead_lettered": not trusted,
        }
        if trusted:  # an authenticated, valid command: kept whole, as its own record keeps it
            details["body"] = body
        else:  # anyone's bytes, up to the size limit: a digest and a bounded, safe excerpt
            details["excerpt"] = excerpt(body)
        uow.audit.record_change(
            now, sender or "unauthenticated", "command_rejected", reason, command_id=command_id, details=details
        )
        events = [command_event(command_id, reason, now, new_event_id())] if command_id is not None else []
        if not trusted:  # the answer names the id, but is not the command's own: a replay does not send it
            events = [replace(event, command_id=None) for event in events]
        uow.outbox.add(events, now)
        return CommandResult(command_id, reason, dead_letter=not trusted, events=events)

    result, _ = in_transaction(uow, work)
    return result


def _carry_out(
    uow: UnitOfWork, command: Command, body: dict[str, Any], clock: Clock, policy: Policy, max_age: timedelta
) -> CommandResult:
    header, now = command.header, clock()
    done = uow.commands.outcome(header.command_id)
    if done is not None:
        if not done.is_same_command(body):
            raise IdInUse(
                f"command_id {header.command_id} was used before for another command "
                f"({done.body.get('command', '?')}): give each command its own command_id"
            )
        return _replay(uow, header.command_id, done)
    if header.issued_at is not None and not now - max_age <= header.issued_at <= now + CLOCK_SKEW:
        raise Expired(
            f"issued_at {header.issued_at.isoformat()} is outside the accepted window "
            f"({max_age} before now, {CLOCK_SKEW} after)"
        )
    uow.commands.add(header, None, body, now)  # first: the same command delivered twice at once waits here
    uow.audit.record_change(
        now,
        header.issued_by,
        header.name,
        header.reason,
        command_id=header.command_id,
        officer_id=_officer_of(command.action),
        details={"command": body},
    )
    change = HANDLERS[type(command.action)](Context(uow, header, now, policy), command.action)
    accepted = command_event(header.command_id, None, now, new_event_id())
    uow.outbox.add([*change.events, accepted], now)
    events = [*change.events, *change.released_events, accepted]
    return CommandResult(header.command_id, moves=change.moves, released=change.released, events=events)


def _replay(uow: UnitOfWork, command_id: str, done: Done) -> CommandResult:
    """A command_id seen before: nothing is done again; its events are published again, same ids."""
    return CommandResult(
        command_id, None if done.accepted else done.reason, replayed=True, events=uow.outbox.for_command(command_id)
    )


def _officer_of(action: Action) -> str | None:
    if isinstance(action, (OfficerAbsent, OfficerAvailable)):
        return action.officer_id
    if isinstance(action, (Reassign, ReassignGroup)):
        return action.to_officer_id
    return None
