"""The reader's language: Vietnamese or English, each a Babel message catalog (locale/LANG/LC_MESSAGES/
messages.po) compiled in memory when the console starts; chosen per request by the switch on every page
(`?lang=`, kept in a cookie), else the browser's Accept-Language, else Vietnamese.

The .po files are the only form of the catalogs in the repository and in the package: no compiled .mo to
fall out of step with them. An empty msgstr means the msgid as it is (the English catalog is mostly so)."""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale
from babel.core import negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import pass_context
from jinja2.runtime import Context
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("vi", "en")  # the first is the default: the readers are Vietnamese officers and unit leaders
DEFAULT = LANGUAGES[0]
COOKIE = "assigner_lang"
SWITCH = "lang"  # the query parameter of the switch
COOKIE_SECONDS = 365 * 24 * 3600


def N_(message: str) -> str:
    """Mark `message` for the catalogs where it is written; it is translated where it is shown."""
    return message


@dataclass(frozen=True)
class Language:
    """One of the console's languages: its code, its Babel locale (for dates and numbers), its catalog."""

    code: str
    locale: Locale
    translations: gettext.NullTranslations

    def gettext(self, message: str, **values: Any) -> str:
        """`message` in this language, its %(name)s placeholders filled from `values`."""
        text = self.translations.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, count: int, **values: Any) -> str:
        """The form of `singular`/`plural` for `count` in this language, its placeholders filled."""
        return self.translations.ngettext(singular, plural, count) % values


def load_languages(directory: Path = LOCALE_DIR) -> dict[str, Language]:
    """Every language's catalog, compiled from its .po file (fuzzy entries left out, as msgfmt does)."""
    languages = {}
    for code in LANGUAGES:
        with (directory / code / "LC_MESSAGES" / "messages.po").open("rb") as po:
            catalog = read_po(po, locale=code)
        compiled = BytesIO()
        write_mo(compiled, catalog)
        compiled.seek(0)
        languages[code] = Language(code, Locale.parse(code), Translations(compiled))
    return languages


def accepted(header: str) -> list[str]:
    """An Accept-Language header's language tags, most wanted first (q=0 and '*' left out)."""
    weighted = []
    for order, part in enumerate(header.split(",")):
        tag, _, parameters = part.strip().partition(";")
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag.strip() and tag.strip() != "*" and quality > 0:
            weighted.append((-quality, order, tag.strip()))
    return [tag for _, _, tag in sorted(weighted)]


def choose(request: Request) -> str:
    """The request's language code: the switch, its cookie, the browser's Accept-Language, or Vietnamese."""
    for asked in (request.query_params.get(SWITCH), request.cookies.get(COOKIE)):
        if asked in LANGUAGES:
            return asked
    found = negotiate_locale(accepted(request.headers.get("accept-language", "")), LANGUAGES, sep="-", aliases={})
    return found.lower() if found and found.lower() in LANGUAGES else DEFAULT


class ReaderLanguage(BaseHTTPMiddleware):
    """Every request: its language on `request.state.language` (and the response's Content-Language); a switch
    asked for is kept in a cookie."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        languages: dict[str, Language] = request.app.state.languages
        code = choose(request)
        request.state.language = languages[code]
        response = await call_next(request)
        response.headers["Content-Language"] = code
        if request.query_params.get(SWITCH) in LANGUAGES:
            response.set_cookie(
                COOKIE,
                code,
                max_age=COOKIE_SECONDS,
                httponly=True,
                samesite="strict",
                secure=request.app.state.secure_cookies,
            )
        return response


@pass_context
def template_gettext(context: Context, message: str) -> str:
    """gettext for the templates, in the language the render was given (never one shared by all requests)."""
    language: Language = context["language"]
    return language.translations.gettext(message)


@pass_context
def template_ngettext(context: Context, singular: str, plural: str, count: int) -> str:
    """ngettext for the templates, in the language the render was given."""
    language: Language = context["language"]
    return language.translations.ngettext(singular, plural, count)
