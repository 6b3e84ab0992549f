"""What every route of the console takes from a request: the runtime, the session book, and its templates."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from assigner.bootstrap import Runtime
from assigner.console.sessions import Session, SessionBook


def runtime_of(request: Request) -> Runtime:
    """The console's runtime (settings, database, clock)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def sessions_of(request: Request) -> SessionBook:
    """The console's signed-in supervisors."""
    book: SessionBook = request.app.state.sessions
    return book


def render(request: Request, template: str, session: Session | None, **context: Any) -> Response:
    """A template with the session and its messages; a part of a page (`_name.html`) leaves the messages for
    the next whole page."""
    whole = not template.startswith("_")
    flash = list(session.flash) if session and whole else []
    if session and whole:
        session.flash.clear()
    response: Response = request.app.state.templates.TemplateResponse(
        request, template, {"session": session, "flash": flash, **context}
    )
    return response
