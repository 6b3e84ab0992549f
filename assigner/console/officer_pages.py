"""An officer's own page (rule 9): their open declarations with the time left on each legal clock, those they
completed lately, their share of the day against their unit's median, why each came to them; and completing
their own declarations. Nothing of another officer's work: another's declaration is not found."""

from __future__ import annotations

import structlog
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from assigner.bootstrap import Runtime
from assigner.console.access import OWN_WORK, check_csrf, current_session
from assigner.console.actions import publish_command
from assigner.console.web import language_of, render, runtime_of
from assigner.domain.moves import Holding
from assigner.services.officer_work import OfficerWork, UnitShare, officer_work, own_declaration, unit_share

log = structlog.get_logger("assigner.console")
LONGEST_NUMBER = 40  # what is said back of a number asked for (a declaration number has 12 digits)


async def own_work(request: Request) -> Response:
    """The signed-in officer's page: the moving part below, refetched by the page itself."""
    session = await current_session(request)
    work, shares = await run_in_threadpool(_work_view, runtime_of(request), session.officer_id)
    return render(request, "own_work.html", session, work=work, shares=shares)


async def own_work_live(request: Request) -> Response:
    """The moving part of the officer's page (open, completed, shares), refetched every few seconds."""
    session = await current_session(request, part=True)
    work, shares = await run_in_threadpool(_work_view, runtime_of(request), session.officer_id)
    return render(request, "_own_work_live.html", session, work=work, shares=shares)


def _work_view(runtime: Runtime, officer_id: str) -> tuple[OfficerWork, list[UnitShare]]:
    """The officer's work and, for each unit whose roster lists them, their share of the day (blocking reads:
    run off the event loop)."""
    hours = runtime.policy.hours
    work = officer_work(runtime.unit_of_work(), officer_id, runtime.clock, hours)
    now = runtime.clock()
    return work, [unit_share(runtime.unit_of_work(), officer_id, unit, now, hours) for unit in work.units]


async def own_declaration_page(request: Request) -> Response:
    """One of the officer's own declarations, with its whole history; anyone else's is not found (404)."""
    session = await current_session(request)
    holding, entries = await _own(request, session.officer_id, request.path_params["number"])
    return render(request, "own_declaration.html", session, holding=holding, entries=entries)


async def complete(request: Request) -> Response:
    """Publish `complete` for one of the officer's own declarations, as them, and say the worker's answer on
    their page; anyone else's declaration is not found (404) and nothing is sent."""
    session = await current_session(request)
    form = await check_csrf(request, session)
    holding, _ = await _own(request, session.officer_id, str(form.get("declaration_number", "")).strip())
    fields = {"declaration_number": holding.declaration_number}
    # Publishing waits for the worker's answer (seconds): off the event loop, so other pages are not held up.
    kind, text = await run_in_threadpool(
        publish_command, runtime_of(request), session, holding.unit, "complete", fields, language_of(request)
    )
    session.flash.append((kind, text))
    return RedirectResponse(OWN_WORK, status_code=303)


async def _own(request: Request, officer_id: str, number: str) -> tuple[Holding, list[dict[str, object]]]:
    number = number[:LONGEST_NUMBER]
    holding, entries = await run_in_threadpool(own_declaration, runtime_of(request).unit_of_work(), officer_id, number)
    if holding is None:
        log.warning("console.declaration_not_own", officer_id=officer_id, declaration_number=number)
        raise HTTPException(404, language_of(request).gettext("no declaration %(number)s among yours", number=number))
    return holding, entries
