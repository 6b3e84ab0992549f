"""Dates, times, lengths of time and numbers as the reader writes them (Babel, in the reader's language), every
time in the office's zone: `02/06/2025 21:14`, `1 giờ 20 phút` and `1.234` in Vietnamese, `2 Jun 2025 21:14`,
`1 h 20 min` and `1,234` in English; and a day, or a date and time, typed in a form, read back the same way."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from assigner.console.language import Language
from assigner.domain.model import Unit


@dataclass(frozen=True)
class Patterns:
    """How a language writes a day and a time (Babel's patterns), and how a form asks for one (strptime's)."""

    day: str
    time: str
    typed: str  # strptime's pattern of a date and time typed in a form
    hint: str  # the same, as the form shows it to the reader
    typed_day: str  # strptime's pattern of a day alone typed in a form
    day_hint: str


PATTERNS = {
    "vi": Patterns("dd/MM/yyyy", "HH:mm", "%d/%m/%Y %H:%M", "dd/mm/yyyy hh:mm", "%d/%m/%Y", "dd/mm/yyyy"),
    # Day first and the month's name: unambiguous for an English reader of any country; typed the ISO way.
    "en": Patterns("d MMM yyyy", "HH:mm", "%Y-%m-%d %H:%M", "yyyy-mm-dd hh:mm", "%Y-%m-%d", "yyyy-mm-dd"),
}
SMALLEST_P = 0.001  # a p-value below it is written "< 0.001"


class UnreadableTime(ValueError):
    """A date (and time) typed in a form that is not written the way the form asks."""


def moment_text(moment: datetime, zone: str, language: Language, seconds: bool = False) -> str:
    """An instant as the reader writes it, in the time zone `zone`; 24-hour."""
    patterns = PATTERNS[language.code]
    pattern = f"{patterns.day} {patterns.time}{':ss' if seconds else ''}"
    return format_datetime(moment, pattern, tzinfo=ZoneInfo(zone), locale=language.locale)


def day_text(day: date, language: Language) -> str:
    """A day as the reader writes it."""
    return format_date(day, PATTERNS[language.code].day, locale=language.locale)


def number_text(value: float, language: Language) -> str:
    """A number as the reader writes it: 1.234 in Vietnamese, 1,234 in English."""
    return format_decimal(value, locale=language.locale)


def share_text(share: float, language: Language) -> str:
    """A share (0.154) as a percentage with one decimal, as the reader writes it: 15,4% or 15.4%."""
    return format_percent(share, "#,##0.0%", locale=language.locale)


def p_value_text(p_value: float, language: Language) -> str:
    """A p-value to three decimals as the reader writes them (0,042 or 0.042); a smaller one as "< 0,001"."""
    if p_value < SMALLEST_P:
        return f"< {format_decimal(SMALLEST_P, '0.000', locale=language.locale)}"
    return format_decimal(p_value, "0.000", locale=language.locale)


def duration_text(length: timedelta, language: Language) -> str:
    """A length of time as the reader says it, to the minute below it, in its two largest parts: "2 ngày 3 giờ",
    "1 giờ 20 phút", "5 phút" (in English "2 d 3 h", "1 h 20 min", "5 min"); under a minute, said so."""
    minutes = int(abs(length).total_seconds()) // 60
    if minutes == 0:
        return language.gettext("under 1 min")
    days, hours, minutes = minutes // (24 * 60), minutes // 60 % 24, minutes % 60
    parts = [
        language.gettext("%(days)s d", days=number_text(days, language)) if days else "",
        language.gettext("%(hours)s h", hours=number_text(hours, language)) if hours else "",
        language.gettext("%(minutes)s min", minutes=number_text(minutes, language)) if minutes and not days else "",
    ]
    return " ".join(part for part in parts if part)


def read_moment(text: str, zone: str, language: Language) -> datetime:
    """A date and time typed in a form, in the reader's way or ISO 8601 (2025-06-02 17:00), read in the office's
    time zone `zone` unless it carries its own offset; UnreadableTime otherwise."""
    text = " ".join(text.split())
    if ":" not in text:  # a day alone: its start or its end? Asked again rather than guessed
        raise UnreadableTime(text)
    try:
        moment = datetime.strptime(text, PATTERNS[language.code].typed)
    except ValueError:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError as error:
            raise UnreadableTime(text) from error
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=ZoneInfo(zone))


def read_day(text: str, language: Language) -> date:
    """A day typed in a form, in the reader's way or ISO 8601 (2025-06-02); UnreadableTime otherwise."""
    text = text.strip()
    try:
        return datetime.strptime(text, PATTERNS[language.code].typed_day).date()
    except ValueError:
        try:
            return date.fromisoformat(text)
        except ValueError as error:
            raise UnreadableTime(text) from error


def _in_language(write: Callable[[Any, Language], str]) -> Callable[..., str]:
    """A filter writing its value in the language of the render."""

    @pass_context
    def in_language(context: Context, value: Any) -> str:
        return write(value, context["language"])

    return in_language


def install_formats(env: Environment, zone_of: Callable[[str], str]) -> None:
    """The templates' filters, each in the language of the render, and `time_hint()`, how a form asks for a date
    and time; `zone_of` gives an office's time zone."""

    @pass_context
    def office_time(context: Context, moment: datetime, unit: Unit, seconds: bool = False) -> str:
        return moment_text(moment, zone_of(unit.customs_office), context["language"], seconds)

    @pass_context
    def time_hint(context: Context) -> str:
        return PATTERNS[context["language"].code].hint

    @pass_context
    def day_hint(context: Context) -> str:
        return PATTERNS[context["language"].code].day_hint

    env.filters.update(
        office_time=office_time,
        day=_in_language(day_text),
        number=_in_language(number_text),
        share=_in_language(share_text),
        duration=_in_language(duration_text),
        p_value=_in_language(p_value_text),
    )
    env.globals.update(time_hint=time_hint, day_hint=day_hint)
