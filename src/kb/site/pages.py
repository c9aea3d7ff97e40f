"""Generate the Markdown pages of the site from the model and the graph.

Document bodies are the editors' Markdown, with links to other documents and
files rewritten to where the generated pages and copied files are. The pages
are made by ``document_pages`` and ``browse``, from what ``generator`` and
``markup`` share.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kb.config import Settings
from kb.errors import KbError
from kb.graph import KnowledgeGraph
from kb.model import Document, KnowledgeBase
from kb.site.browse import BrowsePages
from kb.site.document_pages import DocumentPages
from kb.site.downloads import Download
from kb.site.kept_panels import PanelMemo
from kb.site.markup import (
    TOC,
    Page,
    country_name,
    filesize,
    inject,
    language_name,
    page_url,
    placeholder,
    type_label,
    without_title_heading,
)

__all__ = [
    "TOC",
    "Page",
    "SiteGenerator",
    "Written",
    "country_name",
    "document_fragments_job",
    "filesize",
    "inject",
    "language_name",
    "page_url",
    "placeholder",
    "type_label",
    "without_title_heading",
    "write_pages",
]


@dataclass
class SiteGenerator(DocumentPages, BrowsePages):
    """Everything needed to write the pages; ``pages()`` yields them."""

    def all_listing_pages(self) -> Iterable[Page]:
        """The browse pages in every language of the site, the default's at the root."""
        yield from self.listing_pages()
        for language in self.languages[1:]:
            yield from dataclasses.replace(self, language=language).listing_pages()

    def pages(
        self, only: set[str] | None = None, listings: bool = True, fragments: bool = True
    ) -> Iterable[Page]:
        """All pages, or (for the preview) only some documents' pages, with or without listings.

        Without ``fragments``, document pages come without their panels, which
        ``document_fragments`` makes (in another process, for ``kb build``).
        """
        if listings:
            yield from self.all_listing_pages()
        for doc in self.documents:
            if only is None or doc.id in only:
                yield self.document_page(doc, fragments)


@dataclass
class Written:
    """What ``write_pages`` did: the paths written, every path, every page's fragments, language.

    ``texts`` and ``digests``: every page's Markdown and a hash of it, by path,
    when the pages were kept in memory rather than written.
    """

    written: set[str] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)
    fragments: dict[str, Mapping[str, str]] = field(default_factory=dict)
    languages: dict[str, str] = field(default_factory=dict)
    alternates: dict[str, Mapping[str, str]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)


def write_pages(
    pages: Iterable[Page], docs_dir: Path | None, known: Mapping[str, str] | None = None
) -> Written:
    """Write pages, touching only files whose text changed (MkDocs' dirty build skips the rest).

    With ``docs_dir`` None, nothing is written: the pages stay in memory
    (``Written.texts``, which MkDocs reads through ``kb.rendering.InMemoryPages``),
    and ``written`` names those whose hash is not the one in ``known`` (the
    last build's ``Written.digests``).
    """
    result = Written()
    folded: dict[str, str] = {}
    for page in pages:
        # The loader refuses ids that take a site page's place; this is the last
        # guard, should a new page and an id ever meet (on any disk's idea of case).
        first = folded.setdefault(page.path.casefold(), page.path)
        if page.path in result.seen or first != page.path:
            raise KbError(
                f"two pages of the site would be written to {page.path}"
                f"{'' if first == page.path else f' (and {first})'}; rename the document"
            )
        result.seen.add(page.path)
        if page.fragments:
            result.fragments[page.path] = page.fragments
        if page.language:
            result.languages[page.path] = page.language
        if len(page.alternates) > 1:
            result.alternates[page.path] = page.alternates
        data = page.text.encode("utf-8")
        if docs_dir is None:
            result.texts[page.path] = page.text
            result.digests[page.path] = hashlib.blake2b(data, digest_size=16).hexdigest()
            if (known or {}).get(page.path) != result.digests[page.path]:
                result.written.add(page.path)
            continue
        target = docs_dir / page.path
        try:
            if target.read_bytes() == data:
                continue
        except OSError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        result.written.add(page.path)
    return result


def document_fragments_job(
    settings: Settings,
    knowledge_base: KnowledgeBase,
    graph: KnowledgeGraph,
    documents: Sequence[Document],
    downloads: Sequence[Download],
    memo: PanelMemo | None = None,
) -> dict[str, Mapping[str, str]]:
    """Every document page's fragments, by page path (``memo``: the last build's)."""
    generator = SiteGenerator(settings, knowledge_base, graph, documents, downloads)
    return {generator.output_paths[d.id]: generator.document_fragments(d, memo) for d in documents}
