"""`assigner console`'s web app: Starlette, Jinja2 templates, a session of the console's own per supervisor."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from assigner.bootstrap import Runtime
from assigner.console import pages
from assigner.console.sessions import SessionBook

HERE = Path(__file__).resolve().parent
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


def create_console(runtime: Runtime, sessions: SessionBook | None = None,
                   welcome: dict[str, str] | None = None) -> Starlette:
    """The console over `runtime`'s database and broker. `welcome` maps one-time tokens to officer ids: the
    link /welcome/TOKEN signs that officer in once (the demo's way in; no real deployment gives one)."""
    settings = runtime.settings
    secret = settings.console_secret.get_secret_value() if settings.console_secret else secrets.token_hex(32)
    app = Starlette(
        routes=[
            Route("/", pages.units, methods=["GET"]),
            Route("/sign-in", pages.sign_in_form, methods=["GET"]),
            Route("/sign-in", pages.sign_in, methods=["POST"]),
            Route("/sign-out", pages.sign_out, methods=["POST"]),
            Route("/welcome/{token}", pages.welcome, methods=["GET"]),
            Route("/units/{office}/{department}", pages.unit, methods=["GET"]),
            Route("/units/{office}/{department}/live", pages.unit_live, methods=["GET"]),
            Route("/units/{office}/{department}/summary", pages.unit_summary, methods=["GET"]),
            Route("/units/{office}/{department}/commands/{name}", pages.command, methods=["POST"]),
            Route("/declarations/{number}", pages.declaration, methods=["GET"]),
            Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
        ],
        middleware=[Middleware(SecurityHeaders)],
    )
    app.state.runtime = runtime
    app.state.sessions = sessions or SessionBook(secret, timedelta(minutes=settings.console_session_minutes))
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    app.state.templates.env.filters["office_time"] = lambda moment, unit: moment.astimezone(
        ZoneInfo(runtime.policy.hours.timezone_for(unit.customs_office))).strftime("%Y-%m-%d %H:%M")
    app.state.welcome = dict(welcome or {})
    loopback = settings.console_host in ("127.0.0.1", "localhost", "::1")
    app.state.secure_cookies = (not loopback if settings.console_secure_cookies is None
                                else settings.console_secure_cookies)
    return app
