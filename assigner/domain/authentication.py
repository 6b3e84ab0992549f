"""Who sent a message, and whether they may. A command's sender is the transport's word (RabbitMQ checks
`user_id` against the connection's user), or, where the transport vouches for nobody (the embedded broker),
an HMAC-SHA256 of the exact body bytes with the supervisor's key. A declaration's sender must be among those
the operator names, when they name any."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from assigner.domain.errors import AssignerError
from assigner.domain.untrusted import is_plain, quoted

SIGNATURE_PREFIX = "sha256="
CLAIM_LIMIT = 64  # characters of a command id, a command's name, a supervisor's id


class Unauthenticated(AssignerError):
    """The sender of a command is not vouched for: by the transport, or by a good signature."""


@dataclass(frozen=True)
class Claims:
    """What a command message says of itself before it is parsed: its id, name, issuer (strings, or None)."""

    command_id: str | None = None
    name: str | None = None
    issued_by: str | None = None
    issued_at: bool = False  # whether it says when it was issued

    @classmethod
    def of(cls, payload: Any) -> Claims:
        """The claims of a decoded body (none, when it is no JSON object); a claim that is not short plain
        text is no claim (it could not name a command or a supervisor, and nothing may store it)."""
        fields = payload if isinstance(payload, dict) else {}

        def text(name: str) -> str | None:
            value = fields.get(name)
            return value if isinstance(value, str) and is_plain(value, CLAIM_LIMIT) else None

        return cls(text("command_id"), text("command"), text("issued_by"), bool(fields.get("issued_at")))


@dataclass(frozen=True)
class Proof:
    """What the transport delivered beside the body: the AMQP user_id and the signature header, if any."""

    user_id: str | None = None
    signature: str | None = None


def sign(body: bytes, key: str) -> str:
    """The signature header's value for a body: sha256=<hex HMAC-SHA256 of the exact bytes sent>."""
    return SIGNATURE_PREFIX + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def is_signed_by(body: bytes, signature: object, key: str) -> bool:
    """Whether `signature` is the body's HMAC under `key`, compared as bytes in constant time.

    It is a header a sender wrote: any value (non-ASCII or NUL text, bytes, a number, a list) is simply
    a wrong signature, never an error (`hmac.compare_digest` refuses non-ASCII str).
    """
    if isinstance(signature, str):
        given = signature.strip().encode("utf-8", "surrogatepass")
    elif isinstance(signature, (bytes, bytearray)):
        given = bytes(signature).strip()
    else:
        return False
    return hmac.compare_digest(sign(body, key).encode("ascii"), given)


def authenticate(
    claims: Claims, body: bytes, proof: Proof, keys: Mapping[str, str] | None, signature_header: str
) -> str:
    """Who sent the command; raises Unauthenticated saying why nobody is vouched for.

    `keys` None: the transport vouches (the user_id it checked). Otherwise the body must be signed with the
    key of its `issued_by`, and carry `issued_at`, so that its replay window applies.
    """
    if keys is None:
        if not proof.user_id:
            raise Unauthenticated("no user_id property: the sender is not vouched for (publish with user_id set)")
        return proof.user_id
    if not proof.signature:
        raise Unauthenticated(
            f"not signed: the embedded broker cannot vouch for the sender ({signature_header} missing)"
        )
    issued_by = claims.issued_by
    key = keys.get(issued_by) if issued_by is not None else None
    if issued_by is None or key is None:
        raise Unauthenticated(f"no command key for issued_by '{issued_by}'")
    if not is_signed_by(body, proof.signature, key):
        raise Unauthenticated(f"bad signature: not made with the key of '{issued_by}'")
    if not claims.issued_at:
        raise Unauthenticated("a signed command must carry issued_at (its replay window)")
    return issued_by


def sender_refusal(user_id: object, allowed: Collection[str]) -> str | None:
    """Why a declaration's sender may not send it (declaration_senders names who may; the transport vouches for
    `user_id`); None when it may."""
    if not allowed or (isinstance(user_id, str) and user_id in allowed):
        return None
    who = "no user_id" if not user_id else f"user_id {quoted(user_id)}"
    return f"{who}: not among the senders of declarations (declaration_senders)"
