"""`assigner console`'s web app: Starlette, Jinja2 templates, a session of the console's own per officer."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from assigner.bootstrap import Runtime
from assigner.console import access, fairness_page, officer_pages, pages
from assigner.console.formats import install_formats
from assigner.console.language import ReaderLanguage, load_languages, template_gettext, template_ngettext
from assigner.console.sessions import SessionBook
from assigner.console.terms import install_terms
from assigner.console.throttle import Throttle
from assigner.domain.errors import InvalidInput
from assigner.services.fairness_cache import KeptFairness
from assigner.settings import Settings

HERE = Path(__file__).resolve().parent
LOOPBACK = ("127.0.0.1", "localhost", "::1")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class SecurityHeaders(BaseHTTPMiddleware):
    """Every response: no framing, no sniffing, no referrer, nothing cached, only this site's resources."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response


def create_console(
    runtime: Runtime,
    sessions: SessionBook | None = None,
    welcome: dict[str, str] | None = None,
    throttle: Throttle | None = None,
) -> Starlette:
    """The console over `runtime`'s database and broker. `welcome` maps one-time tokens to officer ids: the
    link /welcome/TOKEN signs that officer in once (the demo's way in; no real deployment gives one)."""
    settings = runtime.settings
    app = Starlette(
        routes=[
            Route("/", pages.units, methods=["GET"]),
            Route("/sign-in", access.sign_in_form, methods=["GET"]),
            Route("/sign-in", access.sign_in, methods=["POST"]),
            Route("/sign-out", access.sign_out, methods=["POST"]),
            Route("/welcome/{token}", access.welcome, methods=["GET"]),
            Route("/units/{office}/{department}", pages.unit, methods=["GET"]),
            Route("/units/{office}/{department}/live", pages.unit_live, methods=["GET"]),
            Route("/units/{office}/{department}/summary", pages.unit_summary, methods=["GET"]),
            Route("/units/{office}/{department}/fairness", fairness_page.unit_fairness, methods=["GET"]),
            Route("/units/{office}/{department}/commands/{name}", pages.command, methods=["POST"]),
            Route("/declarations/{number}", pages.declaration, methods=["GET"]),
            Route("/my-work", officer_pages.own_work, methods=["GET"]),  # access.OWN_WORK
            Route("/my-work/live", officer_pages.own_work_live, methods=["GET"]),
            Route("/my-work/declarations/{number}", officer_pages.own_declaration_page, methods=["GET"]),
            Route("/my-work/complete", officer_pages.complete, methods=["POST"]),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        middleware=[Middleware(SecurityHeaders), Middleware(ReaderLanguage)],
    )
    app.state.runtime = runtime
    app.state.sessions = sessions or session_book(settings)
    app.state.throttle = throttle or Throttle()
    app.state.fairness = KeptFairness()  # the fairness tests read lately, by trail head
    app.state.languages = load_languages()
    app.state.templates = templates(runtime)
    app.state.welcome = dict(welcome or {})
    app.state.secure_cookies = secure_cookies(settings)
    return app


def templates(runtime: Runtime) -> Jinja2Templates:
    """The pages' templates: gettext in the language each render is given (`language` in its context), and the
    filters that write times (in the office's zone), numbers and stored codes the reader's way."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(),
        extensions=["jinja2.ext.i18n"],
    )
    env.policies["ext.i18n.trimmed"] = True  # a {% trans %} block's lines are one sentence, as babel.cfg extracts it
    # Installed once: each callable reads the render's own language, so concurrent requests never share one.
    env.install_gettext_callables(template_gettext, template_ngettext, newstyle=True)  # type: ignore[attr-defined]
    install_formats(env, runtime.policy.hours.timezone_for)
    install_terms(env)
    env.globals["by_hand_baseline"] = runtime.policy.by_hand_baseline  # the share by hand a unit is held to
    env.globals["absence_warning_below"] = runtime.settings.absence_warning_below
    return Jinja2Templates(env=env)


def session_book(settings: Settings) -> SessionBook:
    """The settings' session book: signed with console_secret (unset: a new secret each start)."""
    secret = settings.console_secret.get_secret_value() if settings.console_secret else secrets.token_hex(32)
    return SessionBook(
        secret,
        timedelta(minutes=settings.console_session_minutes),
        timedelta(minutes=settings.console_idle_minutes),
        settings.console_max_sessions,
    )


def secure_cookies(settings: Settings) -> bool:
    """Whether cookies are Secure: always, unless console_insecure_cookies asks otherwise for a console that
    listens on a loopback address (plain HTTP on this machine only; a TLS proxy in front keeps them Secure)."""
    if not settings.console_insecure_cookies:
        return True
    if settings.console_host not in LOOPBACK:
        raise InvalidInput(
            f"console_insecure_cookies is for a console on a loopback address, not on "
            f"{settings.console_host}: serve it over HTTPS (a TLS proxy) and leave it unset"
        )
    return False
