"""Whether a document names the countries it is tagged with, in its own language.

A country tag puts a document on that country's page and in its search
filter; a tag the text never mentions is usually a slip (copied front matter,
a programme's country list pasted whole). Names come from pycountry and its
translations, plus the short forms people write ("Tanzania", "the UK").
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from collections.abc import Iterator
from functools import lru_cache

import pycountry

from kb.model import Document
from kb.problems import Problem

#: Names in common use that ISO 3166's names do not contain, by language.
SHORT_FORMS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "CD": ("DRC", "DR Congo", "Congo"),
        "CG": ("Congo",),
        "CI": ("Ivory Coast",),
        "CZ": ("Czech Republic",),
        "GB": ("UK", "Britain", "England", "Scotland", "Wales", "Northern Ireland"),
        "KR": ("South Korea",),
        "KP": ("North Korea",),
        "LA": ("Laos",),
        "NL": ("Holland",),
        "PS": ("Palestine", "West Bank", "Gaza"),
        "RU": ("Russia",),
        "SY": ("Syria",),
        "TR": ("Turkey",),
        "US": ("USA", "United States", "America"),
        "VN": ("Vietnam",),
    },
    "fr": {
        "CD": ("RDC", "Congo"),
        "GB": ("Angleterre", "Écosse", "pays de Galles"),
        "PS": ("Palestine", "Cisjordanie", "Gaza"),
        "US": ("USA", "Amérique"),
    },
    "ar": {
        "PS": ("فلسطين", "الضفة الغربية", "غزة"),
    },
}

#: Arabic writes "and", "in", "to", "so" and "like" joined to the next word (ومصر, بالأردن).
ARABIC_PROCLITICS = "(?:[وف]?[بلك]?)"


def _folded(text: str) -> str:
    """Lower case without accents, with one kind of apostrophe: how names are compared."""
    text = text.replace("\u2019", "'")
    if text.isascii():
        return text.casefold()
    return unicodedata.normalize("NFKD", text).translate(_combining_marks()).casefold()


@lru_cache(maxsize=1)
def _combining_marks() -> dict[int, None]:
    """Every character with a combining class, to delete with ``str.translate`` (a
    whole body at once: 6.7 times faster than testing each character in Python).
    Unicode puts them all in its first two planes (the last is U+1E94A)."""
    return dict.fromkeys(c for c in range(0x20000) if unicodedata.combining(chr(c)))


def _primary(language: str) -> str:
    return language.split("-")[0].lower()


@lru_cache(maxsize=16)
def _translation(language: str) -> gettext.NullTranslations:
    if language == "en":
        return gettext.NullTranslations()
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])
    except OSError:
        return gettext.NullTranslations()


@lru_cache(maxsize=2048)
def country_names(code: str, language: str) -> tuple[str, ...]:
    """The names a text in ``language`` may call the country ``code`` by."""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return ()
    primary = _primary(language)
    translation = _translation(primary)
    names: list[str] = []
    for attribute in ("name", "common_name", "official_name"):
        english = getattr(country, attribute, None)
        if not english:
            continue
        name = translation.gettext(str(english))
        names.append(name)
        if ", " in name:
            # "Tanzania, United Republic of": people write the part before the comma.
            head, tail = name.split(", ", 1)
            names.extend((head, f"{tail} {head}"))
        if " (" in name:
            names.append(name.split(" (", 1)[0])
    names.extend(SHORT_FORMS.get(primary, {}).get(code, ()))
    return tuple(dict.fromkeys(n.strip() for n in names if n.strip()))


@lru_cache(maxsize=2048)
def _name_pattern(code: str, language: str) -> re.Pattern[str] | None:
    names = sorted((_folded(n) for n in country_names(code, language)), key=len, reverse=True)
    if not names:
        return None
    prefix = ARABIC_PROCLITICS if _primary(language) == "ar" else ""
    alternatives = "|".join(re.escape(n) for n in names)
    return re.compile(rf"(?<!\w){prefix}(?:{alternatives})(?!\w)")


def names_country(text: str, code: str, language: str) -> bool:
    """Whether ``text`` names the country ``code`` in ``language`` (case and accents aside)."""
    return _names_folded(_folded(text), code, language)


def _names_folded(folded: str, code: str, language: str) -> bool:
    pattern = _name_pattern(code, language)
    return pattern is not None and pattern.search(folded) is not None


def check_countries(doc: Document) -> Iterator[Problem]:
    """A warning for each country tag the document's text never names."""
    if not doc.countries:
        return
    folded = _folded(f"{doc.title}\n{doc.summary}\n{doc.body}")
    for index, code in enumerate(doc.countries):
        if _names_folded(folded, code, doc.language):
            continue
        names = [n for n in country_names(code, doc.language) if ", " not in n]
        shown = names[0] if names else code
        keypath = f"countries[{index}]"
        yield Problem(
            doc.path,
            doc.line(keypath),
            keypath,
            f"'{code}' ({shown}) is never named in the text; name the country where the "
            "document speaks of it, or remove the tag",
            "warning",
        )
