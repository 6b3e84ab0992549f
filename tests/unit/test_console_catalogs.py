"""The console's message catalogs keep up with its sources: every message of a template or of the console's Python
is translated in the Vietnamese catalog and listed in the English one, no catalog keeps a message the sources
dropped, and no template shows text a reader would see without passing it through gettext."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import jinja2
import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import nodes

from assigner.console.language import LANGUAGES, LOCALE_DIR, load_languages

ROOT = Path(__file__).resolve().parents[2]  # the checkout: babel.cfg and the sources it names
TEMPLATES = ROOT / "assigner" / "console" / "templates"
MessageId = str | tuple[str, ...]
# Words a template may show as they are: the product's name, and each language named in its own words.
AS_THEY_ARE = {"assigner", "Tiếng", "Việt", "English"}
SHOWN_ATTRIBUTES = ("placeholder", "title", "alt", "aria-label")  # attribute values a reader sees or hears


def extracted() -> dict[MessageId, list[str]]:
    """The messages `pybabel extract -F babel.cfg` finds in the sources, with where each is."""
    with (ROOT / "babel.cfg").open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping)
    found: dict[MessageId, list[str]] = {}
    for filename, lineno, message, _, _ in extract_from_dir(ROOT, method_map, options_map):
        found.setdefault(message, []).append(f"{filename}:{lineno}")
    return found


def catalog(code: str) -> Catalog:
    with (LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=code)


def entries(code: str) -> Iterator[tuple[MessageId, object, bool]]:
    """Each message of a catalog: its id, its translation(s), and whether it is marked fuzzy."""
    for message in catalog(code):
        if message.id:
            yield message.id, message.string, message.fuzzy


@pytest.fixture(scope="module")
def sources() -> dict[MessageId, list[str]]:
    found = extracted()
    assert len(found) > 50, "the extraction found next to nothing: babel.cfg no longer names the console's sources"
    return found


class TestCatalogs:
    def test_every_message_has_a_vietnamese_translation(self, sources: dict[MessageId, list[str]]) -> None:
        translated = {message for message, string, fuzzy in entries("vi") if _filled(string) and not fuzzy}
        missing = {message: where for message, where in sources.items() if message not in translated}
        assert missing == {}, "run the pybabel commands of README's console section, then translate these"

    def test_every_message_is_listed_in_the_english_catalog(self, sources: dict[MessageId, list[str]]) -> None:
        listed = {message for message, _, fuzzy in entries("en") if not fuzzy}
        assert {message: where for message, where in sources.items() if message not in listed} == {}

    @pytest.mark.parametrize("code", LANGUAGES)
    def test_no_catalog_keeps_a_message_the_sources_dropped(
        self, code: str, sources: dict[MessageId, list[str]]
    ) -> None:
        assert [message for message, _, _ in entries(code) if message not in sources] == []
        assert list(catalog(code).obsolete) == []  # "#~" entries: pybabel update --ignore-obsolete drops them

    @pytest.mark.parametrize("code", LANGUAGES)
    def test_translations_keep_their_placeholders_and_plural_forms(self, code: str) -> None:
        assert [(message.id, [str(error) for error in errors]) for message, errors in catalog(code).check()] == []

    def test_the_catalogs_compile_and_translate(self) -> None:
        languages = load_languages()
        assert languages["vi"].gettext("Sign out") == "Đăng xuất"
        assert languages["vi"].gettext("Unit %(unit)s", unit="01B1/00") == "Đơn vị 01B1/00"
        assert languages["vi"].ngettext("%(minutes)s minute", "%(minutes)s minutes", 15, minutes=15) == "15 phút"
        assert languages["en"].gettext("Sign out") == "Sign out"  # an empty msgstr: the msgid as it is
        assert languages["en"].ngettext("%(minutes)s minute", "%(minutes)s minutes", 1, minutes=1) == "1 minute"

    def test_the_customs_trades_words_are_in_the_vietnamese_catalog(self) -> None:
        words = " ".join(str(string) for _, string, _ in entries("vi"))
        for word in ("tờ khai", "công chức", "phân công", "luồng vàng", "bộ phận xử lý", "đội trưởng", "Chi cục"):
            assert word in words


def _filled(string: object) -> bool:
    strings = string if isinstance(string, tuple | list) else (string,)
    return all(isinstance(text, str) and text.strip() for text in strings)


def untranslated_text(source: str) -> tuple[list[str], list[str]]:
    """What a template shows as it is written, outside gettext: the words between its tags, and the values of
    the attributes a reader sees; every expression counts as a value (a placeholder, \x00)."""
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    env.policies["ext.i18n.trimmed"] = True
    tree = env.parse(source)
    literal = "\x00".join(data.data for data in tree.find_all(nodes.TemplateData))
    attributes = re.findall(rf"\b(?:{'|'.join(SHOWN_ATTRIBUTES)})=\"([^\"]*)\"", literal)
    text = re.sub(r"<[^>]*>", "\x00", literal)
    words = [word for word in re.findall(r"[^\W\d_]{2,}", text) if word not in AS_THEY_ARE]
    return words, [value for value in attributes if re.search(r"[^\W\d_]", value)]


class TestTemplatesPassTheirTextThroughGettext:
    @pytest.mark.parametrize("template", sorted(path.name for path in TEMPLATES.glob("*.html")))
    def test_no_word_of_a_template_is_shown_untranslated(self, template: str) -> None:
        words, attributes = untranslated_text((TEMPLATES / template).read_text(encoding="utf-8"))
        assert (words, attributes) == ([], []), "wrap them in {{ _(...) }} or {% trans %}"

    def test_the_check_finds_a_word_outside_gettext(self) -> None:
        words, attributes = untranslated_text(
            '<h2>Held ({{ n }})</h2><input placeholder="dd/mm"><p>{{ _("Nothing held.") }}</p>'
            "{% trans %}Today{% endtrans %}<b>{{ x }}</b> · 5"
        )
        assert (words, attributes) == (["Held"], ["dd/mm"])
