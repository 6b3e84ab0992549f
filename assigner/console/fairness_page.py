"""A unit's fairness tests on the console, as `assigner report --fairness` runs them (domain/fairness.py): per
officer their declarations against a fair draw among the eligible, the enterprises concentrated on one officer, the
thin turns; over the days a supervisor asks for (`?from=` and `?to=`, written the reader's way; today unless
asked). The tests replay the whole audit trail: off the event loop, and kept per trail head
(services/fairness_cache.py), so a reload reads them again only when the trail has grown."""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from assigner.console.access import current_session, supervised_unit
from assigner.console.formats import PATTERNS, UnreadableTime, read_day
from assigner.console.language import Language
from assigner.console.web import language_of, render, runtime_of
from assigner.domain import fairness as tests
from assigner.domain.errors import InvalidInput
from assigner.domain.reports import Period, Scope
from assigner.services.fairness_cache import KeptFairness
from assigner.services.reports import period_of

log = structlog.get_logger("assigner.console")
THIN_SHOWN = 100  # thin turns listed on the page; it says how many there are
LONGEST_DAY = 40  # characters of a typed day read (and shown back); a longer text is no day anyway


@dataclass(frozen=True)
class Asked:
    """The period a page asks for: as typed (shown back in the form), and read (None when it cannot be)."""

    typed_from: str
    typed_to: str
    period: Period | None
    problem: str | None = None


async def unit_fairness(request: Request) -> Response:
    """One unit's fairness tests over the period asked for, or why they cannot be run."""
    session = await current_session(request)
    where = supervised_unit(request, session)
    language = language_of(request)
    zone = runtime_of(request).policy.hours.timezone_for(where.customs_office)
    asked = _asked(request, zone, language)
    found, problem = None, asked.problem
    if asked.period is not None:
        kept: KeptFairness = request.app.state.fairness
        scope = Scope(where.customs_office, where.department)
        try:
            units = await run_in_threadpool(kept.tests, runtime_of(request).unit_of_work, scope, asked.period)
            found = units[0] if units else None  # None: no turn of the period decided one of its declarations
        except InvalidInput as error:  # the trail does not follow the rules: said, not tested
            log.warning("console.fairness_refused", officer_id=session.officer_id, unit=str(where), reason=str(error))
            problem = language.gettext("The fairness tests cannot be run: %(reason)s", reason=error)
    return render(
        request,
        "fairness.html",
        session,
        unit=where,
        zone=zone,
        asked=asked,
        problem=problem,
        found=found,
        thin_shown=THIN_SHOWN,
        alpha=tests.ALPHA,
        minimum=tests.MIN_DECLARATIONS,
        thin=tests.THIN,
    )


def _asked(request: Request, zone: str, language: Language) -> Asked:
    """The period of the page's address, in the office's time zone `zone`: its days as typed, and read."""
    typed = {name: request.query_params.get(name, "").strip()[:LONGEST_DAY] for name in ("from", "to")}
    try:
        days = {name: read_day(text, language) if text else None for name, text in typed.items()}
        period = period_of(days["from"], days["to"], zone, runtime_of(request).clock())
    except UnreadableTime as error:
        hint = PATTERNS[language.code].day_hint
        problem = language.gettext("“%(text)s” is not a day written %(format)s", text=error, format=hint)
        return Asked(typed["from"], typed["to"], None, problem)
    except InvalidInput as error:
        problem = language.gettext("This period cannot be tested: %(reason)s", reason=error)
        return Asked(typed["from"], typed["to"], None, problem)
    typed_day = PATTERNS[language.code].typed_day  # shown back as the form asks for it, to be sent again
    return Asked(period.first_day.strftime(typed_day), period.last_day.strftime(typed_day), period)
