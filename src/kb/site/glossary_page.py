"""The site's glossary page: every term of ``content/glossary.yml``, with its translations."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markdown.extensions.toc import slugify

from kb.i18n import N_
from kb.model import GlossaryEntry, GlossaryTerm

URL = "glossary/"
TITLE = N_("Glossary")
INTRO = N_("The abbreviations and terms the documents use, and what they mean.")


@dataclass(frozen=True)
class GlossaryView:
    """A term as the page shows it: its anchor, its entry in the page's language, the others.

    ``language`` is the language of ``entry``: the page's when the term has a
    version in it, else the site's default. ``translations`` are the other
    versions, as (language, its name, version).
    """

    anchor: str
    entry: GlossaryEntry
    language: str
    translations: tuple[tuple[str, str, GlossaryEntry], ...]


def glossary_views(
    glossary: Sequence[GlossaryTerm],
    language_name: Callable[[str], str],
    language: str,
    default_language: str,
) -> list[GlossaryView]:
    """The terms in the page's language, in its alphabetical order, each with an anchor.

    The anchor (``#term-iwrm``) comes from the default language's term, so a
    link to a term leads to it on the glossary page of every language.
    """
    views = []
    seen: set[str] = set()
    for term in sorted(glossary, key=lambda t: t.entry.term.casefold()):
        anchor = "term-" + (slugify(term.entry.term, "-") or "x")
        while anchor in seen:
            anchor += "-"
        seen.add(anchor)
        versions = {default_language: term.entry, **term.translations}
        shown = next(
            (code for code in (language, language.split("-")[0].lower()) if code in versions),
            default_language,
        )
        translations = tuple(
            (code, language_name(code), version)
            for code, version in sorted(versions.items())
            if code != shown
        )
        views.append(GlossaryView(anchor, versions[shown], shown, translations))
    return sorted(views, key=lambda view: alphabetical(view.entry.term))


def alphabetical(text: str) -> str:
    """A sort key that puts É with E (a dictionary's order, in the Latin scripts)."""
    return "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    ).casefold()
