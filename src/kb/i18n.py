"""Interface strings per language: gettext catalogues, read with Babel.

The words kb adds around the content (panel labels, headings of the browse
pages, the PDF cover and colophon) are English message ids in the code and
templates, extracted into ``locale/kb.pot`` and translated in
``locale/<language>/LC_MESSAGES/kb.po``. The ``.po`` files are compiled in
memory when first used (a few milliseconds) rather than shipped as ``.mo``:
the text a translator edits is the only copy, so a compiled file can never
be stale or forgotten in a pull request.

Regenerate the template after changing an interface string, then merge it
into each catalogue (see CONTRIBUTING.md)::

    pybabel extract -F src/kb/locale/babel.cfg -k N_ --no-location \
        --omit-header --sort-output -o src/kb/locale/kb.pot .
    pybabel update -i src/kb/locale/kb.pot -d src/kb/locale -D kb --omit-header -w 100
"""

from __future__ import annotations

import gettext
import unicodedata
from functools import lru_cache
from io import BytesIO
from pathlib import Path

import pycountry
from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "kb"
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"


def N_(message: str) -> str:
    """Marks a message for extraction where it is translated later (a table of labels)."""
    return message


def primary(language: str) -> str:
    """``fr`` for ``fr-BF``: catalogues are per language, not per region."""
    return language.split("-")[0].lower()


def catalogue_path(language: str) -> Path:
    return LOCALE_DIR / primary(language) / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=16)
def _catalogue(path: Path, language: str) -> Catalog:
    with path.open("rb") as stream:
        return read_po(stream, locale=language)


@lru_cache(maxsize=16)
def translations(language: str) -> gettext.NullTranslations:
    """The interface strings in ``language``; English (the message ids) when it has none."""
    path = catalogue_path(language)
    if not path.is_file():
        return gettext.NullTranslations()
    compiled = BytesIO()
    write_mo(compiled, _catalogue(path, primary(language)))  # fuzzy entries left out
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def has_catalogue(language: str) -> bool:
    return catalogue_path(language).is_file()


@lru_cache(maxsize=1)
def interface_messages() -> tuple[str, ...]:
    """Every interface message id, from the template."""
    with TEMPLATE.open("rb") as stream:
        template = read_po(stream)
    return tuple(str(m.id[0] if isinstance(m.id, tuple) else m.id) for m in template if m.id)


def missing_messages(language: str) -> list[str]:
    """Message ids with no (or only a fuzzy) translation in ``language``."""
    path = catalogue_path(language)
    if not path.is_file():
        return list(interface_messages())
    catalogue = _catalogue(path, primary(language))
    missing = []
    for message_id in interface_messages():
        message = catalogue.get(message_id)
        strings = message.string if message is not None else ""
        if isinstance(strings, tuple):
            strings = "" if not all(strings) else strings[0]
        if message is None or not strings or message.fuzzy:
            missing.append(message_id)
    return missing


@lru_cache(maxsize=1024)
def country_name(code: str, language: str = "en") -> str:
    """A country's name in ``language``, in reading order (``State of Palestine``)."""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    name = str(getattr(country, "common_name", None) or country.name)
    if primary(language) != "en":
        try:
            translation = gettext.translation(
                "iso3166-1", pycountry.LOCALES_DIR, languages=[primary(language)]
            )
            name = translation.gettext(name)
        except OSError:
            pass  # no translation shipped for this language: keep the English name
    if ", " in name:
        # pycountry files some names as "Palestine, State of"; print them as said.
        head, tail = name.split(", ", 1)
        name = f"{tail} {head}"
    return name


@lru_cache(maxsize=256)
def language_name(code: str, language: str = "en") -> str:
    """The name of the language ``code`` in ``language`` (``French``, ``français``)."""
    try:
        name = Locale.parse(primary(language)).languages.get(primary(code))
    except (ValueError, UnknownLocaleError):
        name = None
    if not name:
        return code
    return str(name[:1].upper() + name[1:])


def own_name(code: str) -> str:
    """A language's name in itself, as a language switch shows it (``Français``)."""
    return language_name(code, code)


#: Languages written right to left (ISO 639-1), for ``dir="rtl"``.
RIGHT_TO_LEFT = frozenset({"ar", "dv", "fa", "he", "ks", "ku", "ps", "sd", "ug", "ur", "yi"})


#: Languages that separate the items of a list with the Arabic comma.
ARABIC_COMMA = frozenset({"ar", "fa", "ps", "sd", "ug", "ur"})


def list_separator(language: str, clauses: bool = False) -> str:
    """``، `` between the items of a list in Arabic script, ``, `` elsewhere; with
    ``clauses``, the semicolon (``؛ ``, ``; ``)."""
    arabic = primary(language) in ARABIC_COMMA
    if clauses:
        return "\u061b " if arabic else "; "
    return "\u060c " if arabic else ", "


def direction(language: str) -> str:
    """``rtl`` for a language written right to left, else ``ltr``."""
    return "rtl" if primary(language) in RIGHT_TO_LEFT else "ltr"


def text_direction(text: str) -> str | None:
    """The direction of ``text`` by its first strongly directional letter, as HTML's
    ``dir="auto"`` decides it (an English source cited in an Arabic document); None
    for text with no letter."""
    for character in text:
        kind = unicodedata.bidirectional(character)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return None


#: What a translation marked ``translation_review: pending`` says, on its page and in its PDF.
REVIEW_NOTICE = N_(
    "This translation has not yet been reviewed by a native speaker; "
    "where precision matters, check the original."
)


def review_notice(language: str, default_language: str) -> list[tuple[str, str, str]]:
    """The notice of an unreviewed translation as (language, direction, text): in the
    document's language, then in the site's default one for readers who check the original."""
    notice: dict[str, str] = {}
    for lang in (language, default_language):
        shown = interface_language(lang)  # a language without a catalogue shows English
        notice.setdefault(shown, translations(shown).gettext(REVIEW_NOTICE))
    return [(lang, direction(lang), text) for lang, text in notice.items()]


def interface_language(language: str) -> str:
    """The language the interface is shown in for ``language``: itself if kb has its
    catalogue, else English (the message ids), so names match the words around them."""
    return language if has_catalogue(language) else "en"
