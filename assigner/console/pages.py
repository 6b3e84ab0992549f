"""The console's pages: sign in and out, the supervisor's units, one unit, one declaration, and commands."""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Any

import structlog
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from assigner.bootstrap import Runtime
from assigner.console.actions import publish_command
from assigner.console.sessions import COOKIE, FORM_TOKEN_SECONDS, Session, SessionBook
from assigner.console.sign_in import SignInRefused, sign_in as check_sign_in
from assigner.domain.model import Unit
from assigner.domain.reports import Period, Scope, UnitFigures
from assigner.services.reports import build_report, period_of
from assigner.services.supervision import UnitState, declaration_in, supervised_units, unit_state

log = structlog.get_logger("assigner.console")
SIGN_IN_CSRF = "assigner_sign_in"  # a signed token in a cookie and in the sign-in form (before any session)
RECENT = 20  # the latest decisions a unit's page shows, with their why


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _sessions(request: Request) -> SessionBook:
    book: SessionBook = request.app.state.sessions
    return book


def _session(request: Request, part: bool = False) -> Session:
    """The signed-in supervisor, or a redirect to the sign-in page (nothing is shown to anyone else); for a
    `part` of a page, fetched by the page itself, 401 instead, so the page keeps what it shows."""
    session = _sessions(request).find(request.cookies.get(COOKIE), _runtime(request).clock())
    if session is None:
        if part:
            raise HTTPException(401, "signed out")
        raise HTTPException(303, headers={"Location": "/sign-in"})
    return session


def _page(request: Request, template: str, session: Session | None, **context: Any) -> Response:
    whole = not template.startswith("_")  # a part of a page leaves the messages for the next whole page
    flash = list(session.flash) if session and whole else []
    if session and whole:
        session.flash.clear()
    response: Response = request.app.state.templates.TemplateResponse(
        request, template, {"session": session, "flash": flash, **context})
    return response


def _unit_of(request: Request, session: Session) -> Unit:
    unit = Unit(request.path_params["office"], request.path_params["department"])
    if unit not in session.units:
        log.warning("console.unit_refused", officer_id=session.officer_id, unit=str(unit))
        raise HTTPException(403, "you do not supervise this unit")
    return unit


def _today(runtime: Runtime, unit: Unit | None) -> Period:
    """Today in the unit's office time zone (the default one for several offices), as the report counts it."""
    timezone = runtime.policy.hours.timezone_for(unit.customs_office if unit else None)
    return period_of(None, None, timezone, runtime.clock())


async def sign_in_form(request: Request, refused: str | None = None) -> Response:
    """The sign-in form, with a CSRF token of its own (there is no session yet)."""
    token, cookie = _sessions(request).form_token()
    response = _page(request, "sign_in.html", None, csrf=token, refused=refused,
                     embedded=_runtime(request).settings.broker_url is None)
    _set_cookie(request, response, SIGN_IN_CSRF, cookie, FORM_TOKEN_SECONDS)
    if refused:
        response.status_code = 401
    return response


async def sign_in(request: Request) -> Response:
    """Check the officer id and secret; on success, a session cookie and the units page."""
    form = await request.form()
    if not _sessions(request).form_token_matches(request.cookies.get(SIGN_IN_CSRF), str(form.get("csrf", ""))):
        raise HTTPException(403, "the form's CSRF token is missing or wrong: reload the page")
    runtime = _runtime(request)
    officer_id = str(form.get("officer_id", "")).strip()
    client = request.client.host if request.client else None
    try:
        units, broker_url = await run_in_threadpool(check_sign_in, runtime, officer_id, str(form.get("secret", "")))
    except SignInRefused as refused:
        log.warning("console.sign_in_failed", officer_id=officer_id, client=client, reason=str(refused))
        return await sign_in_form(request, str(refused))
    log.info("console.signed_in", officer_id=officer_id, client=client, units=[str(u) for u in units])
    response = _open_session(request, officer_id, units, broker_url)
    response.delete_cookie(SIGN_IN_CSRF)
    return response


async def welcome(request: Request) -> Response:
    """A one-time link (the demo's): signs its officer in, once; any other token is unknown."""
    officer_id = request.app.state.welcome.pop(request.path_params["token"], None)
    if officer_id is None:
        raise HTTPException(404, "this link is unknown or was used already: sign in")
    units = await run_in_threadpool(supervised_units, _runtime(request).unit_of_work(), officer_id)
    log.info("console.signed_in", officer_id=officer_id, by="one-time link", units=[str(u) for u in units])
    return _open_session(request, officer_id, units, None)


def _open_session(request: Request, officer_id: str, units: list[Unit], broker_url: str | None) -> Response:
    """Keep the session, give its cookie, and go to the units page."""
    runtime = _runtime(request)
    expires = runtime.clock() + timedelta(minutes=runtime.settings.console_session_minutes)
    cookie = _sessions(request).open(Session(officer_id, units, broker_url, expires))
    response = RedirectResponse("/", status_code=303)
    _set_cookie(request, response, COOKIE, cookie, runtime.settings.console_session_minutes * 60)
    return response


def _set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    """A cookie no script reads and no other site sends; Secure unless the console is on loopback."""
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict",
                        secure=request.app.state.secure_cookies)


async def sign_out(request: Request) -> Response:
    """End the session (its form carries the CSRF token too)."""
    session = _session(request)
    await _check_csrf(request, session)
    _sessions(request).close(request.cookies.get(COOKIE))
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(COOKIE)
    return response


async def units(request: Request) -> Response:
    """The supervisor's units: roster in order with who is next and who is absent, open work, today's figures."""
    session = _session(request)
    runtime = _runtime(request)
    views = [await run_in_threadpool(_unit_view, runtime, where, 0) for where in session.units]
    return _page(request, "units.html", session, states=[state for state, _ in views],
                 figures={state.unit: figures for state, figures in views}, today=_today(runtime, None))


async def unit(request: Request) -> Response:
    """One unit: the roster, each officer's open and held declarations, the latest decisions, and the forms of
    the commands."""
    session = _session(request)
    where = _unit_of(request, session)
    state, figures = await run_in_threadpool(_unit_view, _runtime(request), where, RECENT)
    return _page(request, "unit.html", session, state=state, figures=figures, today=_today(_runtime(request), where))


async def unit_live(request: Request) -> Response:
    """The moving part of a unit's page (roster, figures, open and held work, latest decisions), refetched."""
    session = _session(request, part=True)
    where = _unit_of(request, session)
    state, figures = await run_in_threadpool(_unit_view, _runtime(request), where, RECENT)
    return _page(request, "_unit_live.html", session, state=state, figures=figures)


async def unit_summary(request: Request) -> Response:
    """One unit's part of the units page, refetched."""
    session = _session(request, part=True)
    where = _unit_of(request, session)
    state, figures = await run_in_threadpool(_unit_view, _runtime(request), where, 0)
    return _page(request, "_unit_summary.html", session, state=state, figures={where: figures})


def _unit_view(runtime: Runtime, where: Unit, recent: int) -> tuple[UnitState, UnitFigures | None]:
    """A unit's state and today's figures (blocking reads: run off the event loop)."""
    return unit_state(runtime.unit_of_work(), where, runtime.clock, recent=recent), _figures(runtime, where)


async def declaration(request: Request) -> Response:
    """One declaration's whole history, as `assigner audit show` prints it (only for a unit of the supervisor's)."""
    session = _session(request)
    number = request.path_params["number"]
    holding, entries = await run_in_threadpool(declaration_in, _runtime(request).unit_of_work(), number,
                                               session.units)
    if holding is None:
        raise HTTPException(404, f"no declaration {number} in your units")
    return _page(request, "declaration.html", session, holding=holding, entries=entries, number=number)


async def command(request: Request) -> Response:
    """Publish a command as the signed-in supervisor, wait for its answer, and say it on the unit's page."""
    session = _session(request)
    where = _unit_of(request, session)
    form = await _check_csrf(request, session)
    name = request.path_params["name"]
    fields = {key: str(value) for key, value in form.items()}
    # Publishing waits for the worker's answer (seconds): off the event loop, so other pages are not held up.
    kind, text = await run_in_threadpool(publish_command, _runtime(request), session, where, name, fields)
    session.flash.append((kind, text))
    return RedirectResponse(f"/units/{where.customs_office}/{where.department}", status_code=303)


async def _check_csrf(request: Request, session: Session) -> Any:
    form = await request.form()
    if not hmac.compare_digest(session.csrf, str(form.get("csrf", ""))):
        log.warning("console.csrf_refused", officer_id=session.officer_id, path=request.url.path)
        raise HTTPException(403, "the form's CSRF token is missing or wrong: reload the page")
    return form


def _figures(runtime: Runtime, where: Unit) -> UnitFigures | None:
    """Today's report figures of a unit (in its office's time zone); None when it registered nothing today."""
    report = build_report(runtime.unit_of_work(), Scope(where.customs_office, where.department), _today(runtime, where))
    found = [figures for figures in report.units if figures.unit == where]
    return found[0] if found else None
