"""The words a PDF adds around the content, in the languages packs are printed in.

Labels, dates and country names follow the pack's language, so that a French
pack reads as French from its cover to its citation (French quotation marks,
a no-break space before the colon, ``1er novembre``). Other languages fall
back to English; the words themselves are in the interface catalogue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

from kb import i18n
from kb.i18n import N_

NBSP = "\u00a0"

#: The words of the PDFs, by key; the English texts are message ids of the
#: interface catalogue (``kb.i18n``), translated there.
MESSAGES: Mapping[str, str] = MappingProxyType(
    {
        "case-study": N_("Case study"),
        "guideline": N_("Facilitation guideline"),
        "lesson": N_("Lesson"),
        "case-study/plural": N_("case studies"),
        "guideline/plural": N_("facilitation guidelines"),
        "lesson/plural": N_("lessons"),
        "tool": N_("Tool"),
        "tool/plural": N_("tools and templates"),
        "glossary": N_("Glossary"),
        "themes": N_("Themes"),
        "levels": N_("Levels"),
        "countries": N_("Countries"),
        "programme": N_("Programme"),
        "date": N_("Date"),
        "updated": N_("updated"),
        "authors": N_("Authors"),
        "sources": N_("Sources"),
        "online": N_("Read online"),
        "link_addresses": N_("Addresses of the links"),
        # Before a page number: "(see p. 12)".
        "see_page": N_("see p."),
        "contents": N_("Contents"),
        "about": N_("About this pack"),
        "page": N_("Page"),
        "of": N_("of"),
        "licence_and_citation": N_("Licence and how to cite"),
        "licence": N_("Licence"),
        "how_to_cite": N_("How to cite"),
        "cite_document": N_("How to cite this document"),
        "licence_text": N_("The text is published under {licence}"),
        "cc_by": N_(
            "You may copy, translate, adapt and share it, for any purpose, "
            "provided you name the source and say whether you changed it."
        ),
        "exceptions": N_("These documents carry a licence of their own:"),
        "edition_note": N_(
            "This edition reflects the knowledge base as of {date}. The online "
            "version of each document may be more recent."
        ),
        "missing_image": N_("Image not available"),
    }
)

#: Quotation marks and the colon's spacing: typography, not words to translate.
PUNCTUATION: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "en": {"open_quote": "\u201c", "close_quote": "\u201d", "colon": ":"},
        "fr": {"open_quote": "«" + NBSP, "close_quote": NBSP + "»", "colon": NBSP + ":"},
        "ar": {"open_quote": "«", "close_quote": "»", "colon": ":"},
    }
)

MONTHS = {
    "en": (
        "January February March April May June July August September October November December"
    ).split(),
    "fr": (
        "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
    ).split(),
    # The names used across Egypt and most Arabic media; the Levant also says كانون الثاني...
    "ar": "يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر".split(),
}


def primary(language: str) -> str:
    """``fr`` for ``fr-BF``; the language the words are chosen by."""
    return language.split("-")[0].lower()


@lru_cache(maxsize=32)
def labels(language: str) -> Mapping[str, str]:
    """The words for ``language``, English where its catalogue has none of its own."""
    translated = i18n.translations(language)
    said = {key: translated.gettext(message) for key, message in MESSAGES.items()}
    said.update(PUNCTUATION.get(primary(language), PUNCTUATION["en"]))
    return MappingProxyType(said)


def long_date(date: dt.date, language: str) -> str:
    """``24 November 2026``; ``1er novembre 2026`` in French."""
    code = primary(language) if primary(language) in MONTHS else "en"
    day = "1er" if code == "fr" and date.day == 1 else str(date.day)
    return f"{day} {MONTHS[code][date.month - 1]} {date.year}"


def quoted(text: str, language: str) -> str:
    """``“text”``, or ``« text »`` in French."""
    words = labels(language)
    return f"{words['open_quote']}{text}{words['close_quote']}"


def country_name(code: str, language: str) -> str:
    """The name of a country in ``language`` (see :func:`kb.i18n.country_name`)."""
    return i18n.country_name(code, language)


def licence_name(licence: str) -> str:
    """``CC BY 4.0`` for the identifier ``CC-BY-4.0``."""
    if licence.upper().startswith("CC-"):
        return licence.upper().replace("-", " ")
    return licence
