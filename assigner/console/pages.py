"""The console's pages: the supervisor's units, one unit, one declaration, and commands."""

from __future__ import annotations

from dataclasses import replace

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from assigner.bootstrap import Runtime
from assigner.console.access import check_csrf, current_session, supervised_unit, supervisor_session
from assigner.console.actions import publish_command
from assigner.console.listing import back_query, link, query_text, work_query
from assigner.console.web import language_of, render, runtime_of
from assigner.domain.model import Unit
from assigner.domain.reports import Period, Scope, UnitFigures
from assigner.services.reports import build_report, period_of
from assigner.services.supervision import UnitState, WorkQuery, declaration_in, unit_state

RECENT = 20  # the latest decisions a unit's page shows, with their why


def _today(runtime: Runtime, unit: Unit | None) -> Period:
    """Today in the unit's office time zone (the default one for several offices), as the report counts it."""
    timezone = runtime.policy.hours.timezone_for(unit.customs_office if unit else None)
    return period_of(None, None, timezone, runtime.clock())


async def units(request: Request) -> Response:
    """The supervisor's units: roster in order with who is next and who is absent, open work, what is overdue
    or soon due, today's figures."""
    session = await supervisor_session(request)
    runtime = runtime_of(request)
    views = [await run_in_threadpool(_unit_view, runtime, where) for where in session.units]
    return render(
        request,
        "units.html",
        session,
        states=[state for state, _ in views],
        figures={state.unit: figures for state, figures in views},
        today=_today(runtime, None),
    )


async def unit(request: Request) -> Response:
    """One unit: what is overdue or due within 30 minutes, the open work (searched, a page at a time), the held
    queue, the roster, the latest decisions, and the forms of the commands."""
    session = await current_session(request)
    where = supervised_unit(request, session)
    query = work_query(request.query_params)
    state, figures = await run_in_threadpool(_unit_view, runtime_of(request), where, query)
    today = _today(runtime_of(request), where)
    return render(request, "unit.html", session, **_unit_context(where, query, state), figures=figures, today=today)


async def unit_live(request: Request) -> Response:
    """The moving part of a unit's page (the same query: search, page, decisions), refetched."""
    session = await current_session(request, part=True)
    where = supervised_unit(request, session)
    query = work_query(request.query_params)
    state, figures = await run_in_threadpool(_unit_view, runtime_of(request), where, query)
    return render(request, "_unit_live.html", session, **_unit_context(where, query, state), figures=figures)


async def unit_summary(request: Request) -> Response:
    """One unit's part of the units page, refetched."""
    session = await current_session(request, part=True)
    where = supervised_unit(request, session)
    state, figures = await run_in_threadpool(_unit_view, runtime_of(request), where)
    return render(request, "_unit_summary.html", session, state=state, figures={where: figures})


def _unit_view(runtime: Runtime, where: Unit, query: WorkQuery | None = None) -> tuple[UnitState, UnitFigures | None]:
    """A unit's state (with the page `query` asks for, if any) and today's figures (blocking reads: run off the
    event loop)."""
    recent = RECENT if query is not None else 0
    state = unit_state(runtime.unit_of_work(), where, runtime.clock, runtime.policy.hours, query, recent)
    return state, _figures(runtime, where)


def _unit_context(where: Unit, query: WorkQuery, state: UnitState) -> dict[str, object]:
    """What the unit's page and its live part are rendered with: its address, the query as shown (on the page
    actually shown), the links to another page or to the other choice of decisions."""
    path = f"/units/{where.customs_office}/{where.department}"
    shown = replace(query, page=state.open.page) if state.open else query
    nearby = state.open.nearby() if state.open else []
    pages = {number: link(path, shown, page=number) for number in nearby if number is not None}
    return {
        "state": state,
        "unit_path": path,
        "query": shown,
        "back": query_text(shown),
        "live_path": link(f"{path}/live", shown),
        "page_links": pages,
        "decisions_link": link(path, shown, every_decision=not shown.every_decision),
        "clear_link": link(path, replace(shown, search="", page=1)),
    }


async def declaration(request: Request) -> Response:
    """One declaration's whole history, as `assigner audit show` prints it (only for a unit of the supervisor's)."""
    session = await current_session(request)
    number = request.path_params["number"]
    holding, entries = await run_in_threadpool(
        declaration_in, runtime_of(request).unit_of_work(), number, session.units
    )
    if holding is None:
        raise HTTPException(404, language_of(request).gettext("no declaration %(number)s in your units", number=number))
    return render(request, "declaration.html", session, holding=holding, entries=entries, number=number)


async def command(request: Request) -> Response:
    """Publish a command as the signed-in supervisor, wait for its answer, and say it on the unit's page."""
    session = await current_session(request)
    where = supervised_unit(request, session)
    form = await check_csrf(request, session)
    name = request.path_params["name"]
    fields = {key: str(value) for key, value in form.items()}
    # Publishing waits for the worker's answer (seconds): off the event loop, so other pages are not held up.
    kind, text = await run_in_threadpool(
        publish_command, runtime_of(request), session, where, name, fields, language_of(request)
    )
    session.flash.append((kind, text))
    back = back_query(str(form.get("back", "")))  # the page it was given from: the same search and page
    return RedirectResponse(link(f"/units/{where.customs_office}/{where.department}", back), status_code=303)


def _figures(runtime: Runtime, where: Unit) -> UnitFigures | None:
    """Today's report figures of a unit (in its office's time zone); None when it registered nothing today."""
    scope = Scope(where.customs_office, where.department)
    policy = runtime.policy
    report = build_report(
        runtime.unit_of_work(), scope, _today(runtime, where), runtime.clock(), policy.hours, policy.by_hand_baseline
    )
    found = [figures for figures in report.units if figures.unit == where]
    return found[0] if found else None
