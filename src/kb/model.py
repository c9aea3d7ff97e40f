"""The domain model: documents and the vocabularies they are classified by.

Plain frozen dataclasses with no I/O and no knowledge of MkDocs, Whoosh or
WeasyPrint, so that every later stage (graph, index, site, PDF) reads the
same validated values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

#: The document types of the contract, and the folder each is kept in.
DOCUMENT_TYPES: Mapping[str, str] = MappingProxyType(
    {"case-study": "case-studies", "guideline": "guidelines", "lesson": "lessons", "tool": "tools"}
)
TYPE_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "case-study": ("Case study", "Case studies"),
        "guideline": ("Facilitation guideline", "Facilitation guidelines"),
        "lesson": ("Lesson", "Lessons"),
        "tool": ("Tool", "Tools and templates"),
    }
)
STATUSES = ("published", "draft")


@dataclass(frozen=True)
class Term:
    """One entry of a vocabulary: a theme, a level, a stakeholder group."""

    id: str
    label: str
    description: str = ""
    order: int = 0
    #: Other names people search for it by ("M&E", "exit strategy").
    aliases: tuple[str, ...] = ()
    #: The label and description in other languages than the default, by language.
    labels: Mapping[str, str] = field(default_factory=dict, compare=False)
    descriptions: Mapping[str, str] = field(default_factory=dict, compare=False)

    def label_in(self, language: str) -> str:
        """The label in ``language``, or in the default language when it has none."""
        return in_language(self.labels, language) or self.label

    def description_in(self, language: str) -> str:
        return in_language(self.descriptions, language) or self.description


def in_language(texts: Mapping[str, str], language: str) -> str:
    """``texts`` for ``fr-BF``, else for ``fr``, else empty."""
    return texts.get(language) or texts.get(language.split("-")[0].lower(), "")


@dataclass(frozen=True)
class Programme:
    id: str
    name: str
    full_name: str = ""
    years: tuple[int, ...] = ()
    countries: tuple[str, ...] = ()
    description: str = ""

    @property
    def label(self) -> str:
        return self.name


@dataclass(frozen=True)
class Facet:
    """An extra vocabulary a site owner adds (for example a lesson's activity)."""

    id: str
    label: str
    terms: Mapping[str, Term]
    multiple: bool = True


@dataclass(frozen=True)
class Taxonomy:
    themes: Mapping[str, Term]
    levels: Mapping[str, Term]
    stakeholders: Mapping[str, Term]
    programmes: Mapping[str, Programme]
    facets: Mapping[str, Facet] = field(default_factory=dict)

    def levels_in_order(self) -> list[Term]:
        return sorted(self.levels.values(), key=lambda t: (t.order, t.id))


@dataclass(frozen=True)
class Source:
    """A report, article or page a document draws on; ``id`` is what the text cites."""

    title: str
    url: str = ""
    year: int | None = None
    publisher: str = ""
    id: str = ""
    authors: tuple[str, ...] = ()

    def citation(self) -> str:
        parts = [p for p in (self.publisher, str(self.year) if self.year else "") if p]
        return f"{self.title} ({', '.join(parts)})" if parts else self.title


@dataclass(frozen=True)
class GlossaryEntry:
    """A term in one language: the short form, what it stands for, what it means."""

    term: str
    expansion: str
    definition: str


@dataclass(frozen=True)
class GlossaryTerm:
    """A glossary term in the site's language, with its versions in other languages."""

    entry: GlossaryEntry
    translations: Mapping[str, GlossaryEntry] = field(default_factory=dict)
    line: int = 1

    def in_language(self, language: str) -> GlossaryEntry:
        """The version for ``language`` (``fr-CA`` takes ``fr``), or the site's language."""
        primary = language.split("-")[0].lower()
        return self.translations.get(language) or self.translations.get(primary) or self.entry


@dataclass(frozen=True)
class Document:
    """A validated document of the knowledge base.

    ``path`` is relative to the project folder (``content/lessons/x.md``);
    ``body_line`` is the file line on which the Markdown body starts, so that
    problems found in the body can name their line.
    """

    id: str
    path: str
    type: str
    title: str
    summary: str
    themes: tuple[str, ...]
    levels: tuple[str, ...]
    date: dt.date
    body: str
    body_line: int
    language: str
    license: str
    countries: tuple[str, ...] = ()
    programme: str | None = None
    stakeholders: tuple[str, ...] = ()
    updated: dt.date | None = None
    authors: tuple[str, ...] = ()
    translation_of: str | None = None
    sources: tuple[Source, ...] = ()
    status: str = "published"
    reviewers: tuple[str, ...] = ()
    review: str = ""
    #: A translation marked ``translation_review: pending``: it awaits a native speaker.
    review_pending: bool = False
    facets: Mapping[str, tuple[str, ...]] = field(default_factory=dict, compare=False)
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    @property
    def last_changed(self) -> dt.date:
        return self.updated or self.date

    def line(self, field_name: str) -> int:
        """The file line of a front-matter key, or of the opening ``---``."""
        return self.lines.get(field_name, 1)


@dataclass(frozen=True)
class KnowledgeBase:
    """Every document (drafts included) and the vocabularies, once validated."""

    documents: Mapping[str, Document]
    taxonomy: Taxonomy
    glossary: tuple[GlossaryTerm, ...] = ()

    def published(self) -> list[Document]:
        return [d for d in self.documents.values() if not d.is_draft]

    def by_path(self) -> dict[str, Document]:
        return {d.path: d for d in self.documents.values()}
