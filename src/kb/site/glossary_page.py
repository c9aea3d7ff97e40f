"""The site's glossary page: every term of ``content/glossary.yml``, with its translations."""

from __future__ import annotations

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
    """A term as the page shows it: its anchor, entry and (language, name, version)s."""

    anchor: str
    entry: GlossaryEntry
    translations: tuple[tuple[str, str, GlossaryEntry], ...]


def glossary_views(
    glossary: Sequence[GlossaryTerm], language_name: Callable[[str], str]
) -> list[GlossaryView]:
    """The terms in alphabetical order, each with an anchor (``#term-iwrm``)."""
    views = []
    seen: set[str] = set()
    for term in sorted(glossary, key=lambda t: t.entry.term.casefold()):
        anchor = "term-" + (slugify(term.entry.term, "-") or "x")
        while anchor in seen:
            anchor += "-"
        seen.add(anchor)
        translations = tuple(
            (code, language_name(code), version)
            for code, version in sorted(term.translations.items())
        )
        views.append(GlossaryView(anchor, term.entry, translations))
    return views
