"""Signed-in officers and supervisors: kept in this process's memory only, behind a signed, expiring cookie.

No password is stored anywhere but here, for the session's length: on RabbitMQ the console publishes an
officer's commands on a connection of their own user, so the broker still vouches for the sender. A
session ends at its absolute expiry, after `idle` without a request of the officer's, or when the book is
full and it is the oldest; its units are read again from the rosters every ROSTER_CHECK.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from itsdangerous import BadSignature, TimestampSigner

from assigner.domain.model import Unit

COOKIE = "assigner_session"
FORM_TOKEN_SECONDS = 3600  # how long a sign-in form stays good
ROSTER_CHECK = timedelta(minutes=1)  # an officer taken off a roster loses its units within this


@dataclass
class Session:
    """One signed-in officer: who, the units they supervise and those whose roster lists them, how their commands
    go out, the forms' CSRF token."""

    officer_id: str
    units: list[Unit]  # the units they supervise (none for an officer who only checks)
    broker_url: str | None  # on RabbitMQ: their own login; None on the embedded broker (commands are signed)
    expires_at: datetime
    last_seen: datetime  # the supervisor's latest request (a page's own refetches do not count)
    roster_checked_at: datetime  # when `units` were last read from the roster
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    flash: list[tuple[str, str]] = field(default_factory=list)  # (kind, text) shown once on the next page
    rostered: list[Unit] = field(default_factory=list)  # the units whose roster lists them: their own work

    def roster_check_due(self, now: datetime) -> bool:
        """Whether its units must be read from the roster again before they are trusted."""
        return now - self.roster_checked_at >= ROSTER_CHECK

    def ended(self, now: datetime, idle: timedelta) -> bool:
        """Whether it has expired or has been idle for `idle`."""
        return self.expires_at <= now or self.last_seen + idle <= now


class SessionBook:
    """The sessions of this console, by a random token; the cookie is the token signed with a timestamp."""

    def __init__(self, secret: str, lifetime: timedelta, idle: timedelta, max_sessions: int) -> None:
        self.signer = TimestampSigner(secret, salt="assigner-console-session")
        self.form_signer = TimestampSigner(secret, salt="assigner-console-sign-in")
        self.lifetime = lifetime
        self.idle = idle
        self.max_sessions = max_sessions
        self._sessions: OrderedDict[str, Session] = OrderedDict()  # oldest first
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
        """Keep a new session, forgetting the oldest ones beyond `max_sessions`; returns the cookie's value."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            for old in [old for old, kept in self._sessions.items() if kept.ended(session.last_seen, self.idle)]:
                del self._sessions[old]
            self._sessions[token] = session
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
        return self.signer.sign(token).decode()

    def find(self, cookie: str | None, now: datetime, active: bool = True) -> Session | None:
        """The session a cookie names, unless its signature is wrong, it has expired or it has been idle too
        long; an `active` request (the supervisor's, not a page's own refetch) keeps it from going idle."""
        if not cookie:
            return None
        try:
            token = self.signer.unsign(cookie, max_age=int(self.lifetime.total_seconds())).decode()
        except BadSignature:
            return None
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            if session.ended(now, self.idle):
                del self._sessions[token]
                return None
            if active:
                session.last_seen = now
        return session

    def __len__(self) -> int:
        return len(self._sessions)

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
