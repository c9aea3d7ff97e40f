"""What the page makers share: the site being made, its language, and how a page is put together.

``SiteBase`` holds the model, the graph and the downloads, and the helpers
that render a template into a page's fragment and make the page; the
document pages (``document_pages``) and the browse pages (``browse``) are
made by its subclasses, brought together in ``pages.SiteGenerator``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kb import i18n, urls
from kb.config import Settings
from kb.graph import KnowledgeGraph
from kb.model import DOCUMENT_TYPES, Document, KnowledgeBase, Term
from kb.site.downloads import Download
from kb.site.kept_panels import ListingMemo
from kb.site.markup import (
    Linker,
    Page,
    Pagination,
    environment,
    fingerprinted,
    front_matter,
    html_block,
    page_url,
    placeholder,
)

PAGE_SIZE = 50


@dataclass
class SiteBase:
    """The site being made, in one language, and the helpers that make its pages."""

    settings: Settings
    knowledge_base: KnowledgeBase
    graph: KnowledgeGraph
    documents: Sequence[Document]
    downloads: Sequence[Download] = ()
    #: The language of the browse pages made (the site's default when empty).
    language: str = ""
    #: The last build's lists of documents, taken again when made from the same.
    kept_listings: ListingMemo | None = None

    def __post_init__(self) -> None:
        self.pending: dict[str, str] = {}
        self.taxonomy = self.knowledge_base.taxonomy
        self.default_language = self.settings.default_language
        self.language = self.language or self.default_language
        self.languages = self.settings.site_languages
        self.urls = self.urls_in(self.language)
        translations = i18n.translations(self.language)
        self._ = translations.gettext
        self.ngettext = translations.ngettext
        self.included = {d.id for d in self.documents}
        self.output_paths = {d.id: self.document_page_path(d) for d in self.documents}
        self.by_source = {d.path: d for d in self.documents}
        self.content_prefix = self.settings.rel(self.settings.content_dir)
        self.pack_downloads: dict[str, list[Download]] = {}
        self.own_downloads: dict[str, Download] = {}
        for download in self.downloads:
            if download.kind == "document":
                for doc_id in download.document_ids:
                    self.own_downloads[doc_id] = download
            else:
                for doc_id in download.document_ids:
                    self.pack_downloads.setdefault(doc_id, []).append(download)

    # -- helpers -------------------------------------------------------------

    def urls_in(self, language: str) -> urls.BrowseUrls:
        return urls.BrowseUrls(urls.language_prefix(language, self.languages))

    def render_html(
        self, template: str, linker: Linker, language: str | None = None, **context: Any
    ) -> str:
        """A template in ``language`` (the browse pages' by default), its links in that language."""
        language = language or self.language
        return html_block(
            environment(language)
            .get_template(template)
            .render(
                page=linker,
                taxonomy=self.taxonomy,
                default_language=self.default_language,
                page_language=language,
                urls=self.urls_in(language),
                **context,
            )
        )

    def label(self, term: Term) -> str:
        return term.label_in(self.language)

    def description(self, term: Term) -> str:
        return term.description_in(self.language)

    def alternates(self, url: str) -> dict[str, str]:
        """A browse page (its URL in the default language) in every language of the site."""
        return {lang: urls.language_prefix(lang, self.languages) + url for lang in self.languages}

    def render(self, template: str, linker: Linker, **context: Any) -> str:
        """Render a fragment for the page being made; returns its placeholder."""
        return self._fragment(self.render_html(template, linker, **context))

    def _fragment(self, html: str) -> str:
        name = f"f{len(self.pending)}"
        self.pending[name] = html
        return placeholder(name)

    def page(self, path: str, text: str) -> Page:
        """The browse page being made (``path`` in the default language), with its fragments."""
        fragments, self.pending = self.pending, {}
        language = self.language if self.language != self.default_language else None
        return Page(
            self.urls.page(path),
            fingerprinted(text, fragments),
            fragments,
            language,
            self.alternates(page_url(path)),
        )

    def document_page_path(self, doc: Document) -> str:
        return f"{DOCUMENT_TYPES[doc.type]}/{doc.id}.md"

    def sorted_newest(self, docs: Iterable[Document]) -> list[Document]:
        return sorted(docs, key=lambda d: (-d.last_changed.toordinal(), d.title.lower(), d.id))

    def listing(
        self, linker: Linker, docs: Sequence[Document], pagination: Pagination | None = None
    ) -> str:
        memo = self.kept_listings
        if memo is None:
            return self.render("listing.html", linker, docs=docs, pagination=pagination)
        place = f"{self.language} {linker.url}"
        key = memo.key(self.language, linker, list(docs), pagination)
        html = memo.listing(place, key)
        if html is None:
            html = self.render_html("listing.html", linker, docs=docs, pagination=pagination)
            memo.keep_listing(place, key, html)
        return self._fragment(html)

    def paginated(
        self,
        base: str,
        title: str,
        intro: str,
        docs: Sequence[Document],
        lead: Callable[[Linker], str] | None = None,
        description: str = "",
    ) -> Iterable[Page]:
        """A listing over as many pages as it needs, PAGE_SIZE documents each.

        ``lead`` renders what each of its pages shows between the introduction
        and the list (``render``'s placeholder), from that page's linker.
        """
        pages = max(1, math.ceil(len(docs) / PAGE_SIZE))
        for number in range(1, pages + 1):
            pagination = Pagination(number, pages, self.urls.page(base))
            url = urls.listing_url(base, number)
            linker = Linker(self.urls.page(url))
            chunk = docs[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
            heading = (
                title
                if number == 1
                else self._("%(title)s (page %(number)s)") % {"title": title, "number": number}
            )
            text = front_matter(heading, description)
            text += self.render("heading.html", linker, title=heading, intro=intro)
            if lead is not None:
                text += "\n\n" + lead(linker)
            text += "\n\n" + self.listing(linker, chunk, pagination) + "\n"
            yield self.page(f"{url}{urls.LISTING_INDEX}.md", text)

    def in_site(self, field_name: str, value: str) -> list[Document]:
        return [d for d in self.graph.documents_by(field_name, value) if d.id in self.included]
