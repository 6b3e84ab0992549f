"""What every route of the console takes from a request: the runtime, the session book, the reader's language,
and its templates."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from assigner.bootstrap import Runtime
from assigner.console.language import Language
from assigner.console.sessions import Session, SessionBook


def runtime_of(request: Request) -> Runtime:
    """The console's runtime (settings, database, clock)."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def sessions_of(request: Request) -> SessionBook:
    """The console's signed-in supervisors."""
    book: SessionBook = request.app.state.sessions
    return book


def language_of(request: Request) -> Language:
    """The reader's language, as the ReaderLanguage middleware chose it for this request."""
    language: Language = request.state.language
    return language


def render(request: Request, template: str, session: Session | None, **context: Any) -> Response:
    """A template with the session, its messages and the reader's language; a part of a page (`_name.html`)
    leaves the messages for the next whole page."""
    whole = not template.startswith("_")
    flash = list(session.flash) if session and whole else []
    if session and whole:
        session.flash.clear()
    response: Response = request.app.state.templates.TemplateResponse(
        request, template, {"session": session, "flash": flash, "language": language_of(request), **context}
    )
    return response
