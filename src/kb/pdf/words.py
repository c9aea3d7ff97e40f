"""The words a PDF adds around the content, in the languages packs are printed in.

Labels, dates and country names follow the pack's language, so that a French
pack reads as French from its cover to its citation (French quotation marks,
a no-break space before the colon, ``1er novembre``). Other languages fall
back to English.
"""

from __future__ import annotations

import datetime as dt
import gettext
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

import pycountry

NBSP = "\u00a0"

LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "en": MappingProxyType(
            {
                "case-study": "Case study",
                "guideline": "Facilitation guideline",
                "lesson": "Lesson",
                "case-study/plural": "case studies",
                "guideline/plural": "facilitation guidelines",
                "lesson/plural": "lessons",
                "tool": "Tool",
                "tool/plural": "tools and templates",
                "glossary": "Glossary",
                "themes": "Themes",
                "levels": "Levels",
                "countries": "Countries",
                "programme": "Programme",
                "date": "Date",
                "updated": "updated",
                "authors": "Authors",
                "sources": "Sources",
                "online": "Read online",
                "contents": "Contents",
                "about": "About this pack",
                "page": "Page",
                "of": "of",
                "licence_and_citation": "Licence and how to cite",
                "licence": "Licence",
                "how_to_cite": "How to cite",
                "cite_document": "How to cite this document",
                "licence_text": "The text is published under {licence}",
                "cc_by": (
                    "You may copy, translate, adapt and share it, for any purpose, "
                    "provided you name the source and say whether you changed it."
                ),
                "exceptions": "These documents carry a licence of their own:",
                "edition_note": (
                    "This edition reflects the knowledge base as of {date}. The online "
                    "version of each document may be more recent."
                ),
                "missing_image": "Image not available",
                "open_quote": "\u201c",
                "close_quote": "\u201d",
                "colon": ":",
            }
        ),
        "fr": MappingProxyType(
            {
                "case-study": "Étude de cas",
                "guideline": "Guide de facilitation",
                "lesson": "Leçon",
                "case-study/plural": "études de cas",
                "guideline/plural": "guides de facilitation",
                "lesson/plural": "leçons",
                "tool": "Outil",
                "tool/plural": "outils et modèles",
                "glossary": "Glossaire",
                "themes": "Thèmes",
                "levels": "Niveaux",
                "countries": "Pays",
                "programme": "Programme",
                "date": "Date",
                "updated": "mis à jour",
                "authors": "Auteurs",
                "sources": "Sources",
                "online": "Lire en ligne",
                "contents": "Sommaire",
                "about": "À propos de ce recueil",
                "page": "Page",
                "of": "sur",
                "licence_and_citation": "Licence et citation",
                "licence": "Licence",
                "how_to_cite": "Comment citer ce recueil",
                "cite_document": "Comment citer ce document",
                "licence_text": "Le texte est publié sous licence {licence}",
                "cc_by": (
                    "Vous pouvez le copier, le traduire, l'adapter et le diffuser, à toutes "
                    "fins, à condition d'en citer la source et d'indiquer si vous l'avez modifié."
                ),
                "exceptions": "Ces documents ont leur propre licence" + NBSP + ":",
                "edition_note": (
                    "Cette édition reflète la base de connaissances au {date}. La version en "
                    "ligne de chaque document peut être plus récente."
                ),
                "missing_image": "Image non disponible",
                "open_quote": "«" + NBSP,
                "close_quote": NBSP + "»",
                "colon": NBSP + ":",
            }
        ),
    }
)

MONTHS = {
    "en": (
        "January February March April May June July August September October November December"
    ).split(),
    "fr": (
        "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
    ).split(),
}


def primary(language: str) -> str:
    """``fr`` for ``fr-BF``; the language the words are chosen by."""
    return language.split("-")[0].lower()


def labels(language: str) -> Mapping[str, str]:
    """The words for ``language``, English when it has none of its own."""
    return LABELS.get(primary(language), LABELS["en"])


def long_date(date: dt.date, language: str) -> str:
    """``24 November 2026``; ``1er novembre 2026`` in French."""
    code = primary(language) if primary(language) in MONTHS else "en"
    day = "1er" if code == "fr" and date.day == 1 else str(date.day)
    return f"{day} {MONTHS[code][date.month - 1]} {date.year}"


def quoted(text: str, language: str) -> str:
    """``“text”``, or ``« text »`` in French."""
    words = labels(language)
    return f"{words['open_quote']}{text}{words['close_quote']}"


@lru_cache(maxsize=512)
def country_name(code: str, language: str) -> str:
    """The name of a country in ``language``, in reading order (``State of Palestine``)."""
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


def licence_name(licence: str) -> str:
    """``CC BY 4.0`` for the identifier ``CC-BY-4.0``."""
    if licence.upper().startswith("CC-"):
        return licence.upper().replace("-", " ")
    return licence
