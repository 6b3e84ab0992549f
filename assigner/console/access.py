"""The console's way in and out: the sign-in form and its throttle, the one-time link, signing out, the
session of each request (ended when idle, expired, or no longer on any roster), and which units it may see."""

from __future__ import annotations

import hmac
import math
from datetime import timedelta
from typing import Any

import structlog
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from assigner.console.formats import number_text
from assigner.console.language import Language
from assigner.console.sessions import COOKIE, FORM_TOKEN_SECONDS, Session
from assigner.console.sign_in import REFUSED, SignInRefused
from assigner.console.sign_in import sign_in as check_sign_in
from assigner.console.throttle import Throttle
from assigner.console.web import language_of, render, runtime_of, sessions_of
from assigner.domain.model import Unit
from assigner.services.roles import Roles, roles_of

log = structlog.get_logger("assigner.console")
SIGN_IN_CSRF = "assigner_sign_in"  # a signed token in a cookie and in the sign-in form (before any session)
LONGEST_ID = 200  # an officer id longer than this is cut (no roster has one): the throttle's keys stay small
OWN_WORK = "/my-work"  # where an officer who supervises nothing lands (officer_pages)


async def sign_in_form(request: Request) -> Response:
    """The sign-in form, with a CSRF token of its own (there is no session yet)."""
    return _form(request)


def _form(
    request: Request, refused: str | None = None, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    token, cookie = sessions_of(request).form_token()
    response = render(
        request,
        "sign_in.html",
        None,
        csrf=token,
        refused=refused,
        embedded=runtime_of(request).settings.broker_url is None,
    )
    _set_cookie(request, response, SIGN_IN_CSRF, cookie, FORM_TOKEN_SECONDS)
    response.status_code = status
    response.headers.update(headers or {})
    return response


async def sign_in(request: Request) -> Response:
    """Check the officer id and secret, unless too many sign-ins failed lately for that account or this client
    (429, Retry-After); on success, a session cookie and the units page (an officer who supervises nothing: their
    own work); on any failure, one same answer."""
    form = await request.form()
    if not sessions_of(request).form_token_matches(request.cookies.get(SIGN_IN_CSRF), str(form.get("csrf", ""))):
        raise HTTPException(403, _csrf_refused(request))
    runtime = runtime_of(request)
    officer_id = str(form.get("officer_id", "")).strip()[:LONGEST_ID]
    client = request.client.host if request.client else "unknown"
    account_key, client_key = f"account:{officer_id.casefold()}", f"client:{client}"
    throttle: Throttle = request.app.state.throttle
    now = runtime.clock()
    wait = math.ceil(throttle.admit((account_key, client_key), now))
    if wait:
        log.warning("console.sign_in_throttled", officer_id=officer_id, client=client, retry_after=wait)
        language = language_of(request)
        refused = language.gettext("too many failed sign-ins: try again in %(wait)s", wait=_duration(wait, language))
        return _form(request, refused, 429, {"Retry-After": str(wait)})
    try:
        roles, broker_url = await run_in_threadpool(check_sign_in, runtime, officer_id, str(form.get("secret", "")))
    except SignInRefused as refused:
        log.warning("console.sign_in_failed", officer_id=officer_id, client=client, reason=str(refused))
        return _form(request, language_of(request).gettext(REFUSED), 401)
    throttle.succeeded(account_key, client_key, now)
    log.info("console.signed_in", officer_id=officer_id, client=client, **_logged(roles))
    response = _open_session(request, officer_id, roles, broker_url)
    response.delete_cookie(SIGN_IN_CSRF)
    return response


def _duration(seconds: int, language: Language) -> str:
    if seconds < 120:
        return language.gettext("%(seconds)s s", seconds=number_text(seconds, language))
    minutes = math.ceil(seconds / 60)
    return language.ngettext(
        "%(minutes)s minute", "%(minutes)s minutes", minutes, minutes=number_text(minutes, language)
    )


def _csrf_refused(request: Request) -> str:
    return language_of(request).gettext("the form's CSRF token is missing or wrong: reload the page")


async def welcome(request: Request) -> Response:
    """A one-time link (the demo's): signs its officer in, once; any other token is unknown."""
    officer_id = request.app.state.welcome.pop(request.path_params["token"], None)
    if officer_id is None:
        raise HTTPException(404, language_of(request).gettext("this link is unknown or was used already: sign in"))
    roles = await run_in_threadpool(roles_of, runtime_of(request).unit_of_work(), officer_id)
    log.info("console.signed_in", officer_id=officer_id, by="one-time link", **_logged(roles))
    return _open_session(request, officer_id, roles, None)


def _logged(roles: Roles) -> dict[str, list[str]]:
    return {"units": [str(u) for u in roles.supervised], "rostered": [str(u) for u in roles.rostered]}


def _open_session(request: Request, officer_id: str, roles: Roles, broker_url: str | None) -> Response:
    """Keep the session, give its cookie, and go to the units page (their own work if they supervise nothing)."""
    runtime = runtime_of(request)
    now = runtime.clock()
    minutes = runtime.settings.console_session_minutes
    expires_at = now + timedelta(minutes=minutes)
    cookie = sessions_of(request).open(
        Session(officer_id, roles.supervised, broker_url, expires_at, now, now, rostered=roles.rostered)
    )
    response = RedirectResponse("/" if roles.supervised else OWN_WORK, status_code=303)
    _set_cookie(request, response, COOKIE, cookie, minutes * 60)
    return response


def _set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    """A cookie no script reads and no other site sends; Secure unless console_insecure_cookies is set."""
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite="strict", secure=request.app.state.secure_cookies
    )


async def sign_out(request: Request) -> Response:
    """End the session (its form carries the CSRF token too)."""
    session = await current_session(request)
    await check_csrf(request, session)
    sessions_of(request).close(request.cookies.get(COOKIE))
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(COOKIE)
    return response


async def current_session(request: Request, part: bool = False) -> Session:
    """The signed-in officer, their units read again from the rosters if the last reading is a minute old
    (on no roster and supervising nothing now: signed out); otherwise a redirect to the sign-in page (nothing is
    shown to anyone else). For a `part` of a page, fetched by the page itself, 401 instead, so the page keeps
    what it shows; nor does it count as activity."""
    runtime = runtime_of(request)
    cookie = request.cookies.get(COOKIE)
    now = runtime.clock()
    session = sessions_of(request).find(cookie, now, active=not part)
    if session is not None and session.roster_check_due(now):
        roles = await run_in_threadpool(roles_of, runtime.unit_of_work(), session.officer_id)
        session.units, session.rostered, session.roster_checked_at = roles.supervised, roles.rostered, now
        if roles.none:
            log.warning("console.session_ended", officer_id=session.officer_id, reason="on no roster now")
            sessions_of(request).close(cookie)
            session = None
    if session is None:
        if part:
            raise HTTPException(401, language_of(request).gettext("signed out"))
        raise HTTPException(303, headers={"Location": "/sign-in"})
    return session


async def supervisor_session(request: Request, part: bool = False) -> Session:
    """The signed-in officer if they supervise a unit; 403 for one who only checks (their page is OWN_WORK)."""
    session = await current_session(request, part)
    if not session.units:
        log.warning("console.units_refused", officer_id=session.officer_id, path=request.url.path)
        raise HTTPException(403, language_of(request).gettext("you supervise no unit"))
    return session


def supervised_unit(request: Request, session: Session) -> Unit:
    """The unit the request's address names (/units/{office}/{department}/...), if the session supervises it; 403
    otherwise."""
    unit = Unit(request.path_params["office"], request.path_params["department"])
    if unit not in session.units:
        log.warning("console.unit_refused", officer_id=session.officer_id, unit=str(unit))
        raise HTTPException(403, language_of(request).gettext("you do not supervise this unit"))
    return unit


async def check_csrf(request: Request, session: Session) -> Any:
    """The posted form, if it carries the session's CSRF token; 403 otherwise."""
    form = await request.form()
    if not hmac.compare_digest(session.csrf, str(form.get("csrf", ""))):
        log.warning("console.csrf_refused", officer_id=session.officer_id, path=request.url.path)
        raise HTTPException(403, _csrf_refused(request))
    return form
