"""Signed-in supervisors: kept in this process's memory only, behind a signed, expiring cookie.

No password is stored anywhere but here, for the session's length: on RabbitMQ the console publishes a
supervisor's commands on a connection of their own user, so the broker still vouches for the sender.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from itsdangerous import BadSignature, TimestampSigner

from assigner.domain.model import Unit

COOKIE = "assigner_session"
FORM_TOKEN_SECONDS = 3600  # how long a sign-in form stays good


@dataclass
class Session:
    """One signed-in supervisor: who, their units, how their commands go out, the forms' CSRF token."""

    officer_id: str
    units: list[Unit]
    broker_url: str | None  # on RabbitMQ: their own login; None on the embedded broker (commands are signed)
    expires_at: datetime
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    flash: list[tuple[str, str]] = field(default_factory=list)  # (kind, text) shown once on the next page


class SessionBook:
    """The sessions of this console, by a random token; the cookie is the token signed with a timestamp."""

    def __init__(self, secret: str, lifetime: timedelta) -> None:
        self.signer = TimestampSigner(secret, salt="assigner-console-session")
        self.form_signer = TimestampSigner(secret, salt="assigner-console-sign-in")
        self.lifetime = lifetime
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def form_token(self) -> tuple[str, str]:
        """A CSRF token for a form shown before any session (the sign-in form), and its cookie's value."""
        token = secrets.token_urlsafe(32)
        return token, self.form_signer.sign(token).decode()

    def form_token_matches(self, cookie: str | None, token: str) -> bool:
        """Whether a posted form's token is the one its cookie carries, signed here and not too old."""
        try:
            expected = self.form_signer.unsign(cookie or "", max_age=FORM_TOKEN_SECONDS).decode()
        except BadSignature:
            return False
        return hmac.compare_digest(expected, token)

    def open(self, session: Session) -> str:
        """Keep a new session; returns the cookie's value."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[token] = session
        return self.signer.sign(token).decode()

    def find(self, cookie: str | None, now: datetime) -> Session | None:
        """The session a cookie names, unless its signature is wrong or it has expired."""
        if not cookie:
            return None
        try:
            token = self.signer.unsign(cookie, max_age=int(self.lifetime.total_seconds())).decode()
        except BadSignature:
            return None
        with self._lock:
            session = self._sessions.get(token)
            if session is not None and session.expires_at <= now:
                del self._sessions[token]
                return None
        return session

    def close(self, cookie: str | None) -> None:
        """Forget the session a cookie names (signing out)."""
        if not cookie:
            return
        try:
            token = self.signer.unsign(cookie).decode()
        except BadSignature:
            return
        with self._lock:
            self._sessions.pop(token, None)
