"""The browse pages: home, listings by type, theme, level, programme and country, and more.

Each is made in the generator's language; paths and URLs given here are the
default language's, and ``page()`` and ``self.urls`` put them under the
language's prefix. A browse page lists each document once.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

from kb import i18n, urls
from kb.i18n import N_
from kb.model import DOCUMENT_TYPES, Document, Term
from kb.site import cite, glossary_page
from kb.site.generator import SiteBase
from kb.site.markup import Linker, Page, country_name, front_matter, language_name, type_label
from kb.site.offline import bundle_name

GROUP_PREVIEW = 8
NEWEST = 8

#: The words of the search page's scripts (assets/kb/search.js and search-engine.js),
#: handed to them translated.
SEARCH_WORDS = (
    N_("Showing results for “{query}”."),
    N_("Nothing matches “{query}”; showing results for “{corrected}”."),
    N_("Few pages have every word; pages with most of them are included."),
    N_("No page has every word; showing pages with most of them."),
    N_("Type"),
    N_("Theme"),
    N_("Level"),
    N_("Programme"),
    N_("Country"),
    N_("Language"),
    N_("Filter"),
    N_("Filter ({count})"),
    N_("Languages"),
    N_("Active filters"),
    N_("More results"),
    N_("This language"),
    N_("All languages"),
    N_("Search for"),
    N_("Remove the filter {name}: {value}"),
    N_("Search all languages"),
    N_("Some of these words are in another language of the site."),
    N_("Browse the {vocabulary}"),
    N_("theme"),
    N_("level"),
    N_("programme"),
    N_("country"),
    N_("Browse by"),
    N_("or"),
    N_("Nothing found. You could:"),
    N_("{count} result for “{query}”."),
    N_("{count} results for “{query}”."),
    N_("Did you mean “{suggestion}”?"),
    N_("English"),
    N_("French"),
    N_("Arabic"),
)


class BrowsePages(SiteBase):
    """Makes the site's own pages in the generator's language."""

    def home(self) -> Page:
        linker = Linker(self.urls.page(""))
        newest = self.sorted_newest(self.documents)[:NEWEST]
        counts = {t: len(self.graph.documents_by("type", t)) for t in DOCUMENT_TYPES}
        site_name = self.settings.site_name_in(self.language)
        description = self.settings.description_in(self.language)
        text = front_matter(site_name, description, hide=["navigation", "toc"])
        # Its heading is the site's name: Material would print the navigation's "Home".
        text += f"<h1>{html.escape(site_name)}</h1>\n\n"
        text += self.render(
            "home.html",
            linker,
            site_name=site_name,
            description=description,
            counts=counts,
            themes=self.theme_counts(),
            levels=self.level_counts(),
            programmes=self.programme_counts(),
            countries=self.country_counts(),
            newest=newest,
            packs=[d for d in self.downloads if d.kind == "pack"],
            start_here=self.start_here(),
        )
        return self.page("index.md", text + "\n")

    def start_here(self) -> Document | None:
        """The document the home page sends newcomers to, if the site has it."""
        doc = self.knowledge_base.documents.get(self.settings.start_here)
        if doc is None or doc.id not in self.included:
            return None
        # On the browse pages of another language, its translation when there is one.
        for other in self.graph.translations(doc.id):
            if other.language == self.language and other.id in self.included:
                return other
        return doc

    def glossary_page(self) -> Iterable[Page]:
        """The glossary, when the project has one."""
        glossary = self.knowledge_base.glossary
        if not glossary:
            return
        linker = Linker(self.urls.page(glossary_page.URL))
        title, intro = self._(glossary_page.TITLE), self._(glossary_page.INTRO)
        text = front_matter(title, intro)
        text += self.render("heading.html", linker, intro=intro) + "\n\n"
        terms = glossary_page.glossary_views(
            glossary,
            lambda code: language_name(code, i18n.interface_language(self.language)),
            self.language,
            self.default_language,
        )
        text += self.render("glossary.html", linker, terms=terms) + "\n"
        yield self.page(f"{glossary_page.URL}index.md", text)

    def theme_counts(self) -> list[tuple[Any, int]]:
        return [(t, len(self.in_site("theme", t.id))) for t in self.taxonomy.themes.values()]

    def level_counts(self) -> list[tuple[Any, int]]:
        return [(lv, len(self.in_site("level", lv.id))) for lv in self.taxonomy.levels_in_order()]

    def programme_counts(self) -> list[tuple[Any, int]]:
        return [
            (p, len(self.in_site("programme", p.id))) for p in self.taxonomy.programmes.values()
        ]

    def country_counts(self) -> list[tuple[str, str, int]]:
        def name(code: str) -> str:
            return country_name(code, i18n.interface_language(self.language))

        codes = sorted(
            {c for d in self.documents for c in d.countries},
            key=lambda code: glossary_page.alphabetical(name(code)),
        )
        return [(c, name(c), len(self.in_site("country", c))) for c in codes]

    def type_pages(self) -> Iterable[Page]:
        for doc_type in DOCUMENT_TYPES:
            docs = self.sorted_newest(self.in_site("type", doc_type))
            plural = type_label(doc_type, plural=True, language=self.language)
            # The type's name agrees with the count: "1 case study", "12 case studies".
            named = type_label(doc_type, plural=len(docs) != 1, language=self.language)
            yield from self.paginated(
                urls.type_url(doc_type),
                plural,
                self.ngettext("%(num)s %(type)s.", "%(num)s %(type)s, newest first.", len(docs))
                % {"num": len(docs), "type": named.lower()},
                docs,
            )

    def grouped(
        self, linker: Linker, groups: Iterable[tuple[str, str, str, list[Document]]]
    ) -> str:
        """Sections of documents, each cut to a preview with a link to all of them."""
        return self.render(
            "groups.html",
            linker,
            groups=[
                {
                    "label": label,
                    "url": self.urls.page(url) if url else "",
                    "anchor": anchor,
                    "documents": self.sorted_newest(docs)[:GROUP_PREVIEW],
                    "total": len(docs),
                }
                for label, anchor, url, docs in groups
                if docs
            ],
        )

    def term_index(
        self, url: str, title: str, intro: str, terms: Sequence[tuple[str, str, int, str]]
    ) -> Page:
        """A vocabulary's index page: each term with its count (and description)."""
        linker = Linker(self.urls.page(url))
        terms = [(label, self.urls.page(link), n, text) for label, link, n, text in terms]
        text = front_matter(title)
        text += self.render("heading.html", linker, title=title, intro=intro) + "\n\n"
        text += self.render("term_index.html", linker, terms=terms) + "\n"
        return self.page(f"{url}index.md", text)

    def term_page(
        self,
        url: str,
        title: str,
        description: str,
        heading: str,
        groups: Iterable[tuple[str, str, str, list[Document]]],
    ) -> Page:
        """One term's page: its heading, then its documents in groups."""
        text = front_matter(title, description) + heading + "\n\n"
        text += self.grouped(Linker(self.urls.page(url)), groups) + "\n"
        return self.page(f"{url}index.md", text)

    def level_title(self, level: Term) -> str:
        return self._("%(level)s level") % {"level": self.label(level)}

    def theme_pages(self) -> Iterable[Page]:
        """The themes' index; each theme's documents once, newest first, and at each level."""
        yield self.term_index(
            "themes/",
            self._("Themes"),
            self._("Every theme with the number of documents on it."),
            [
                (self.label(t), urls.theme_url(t.id), n, self.description(t))
                for t, n in self.theme_counts()
            ],
        )
        for theme in self.taxonomy.themes.values():
            url = urls.theme_url(theme.id)
            docs = self.in_site("theme", theme.id)
            label, description = self.label(theme), self.description(theme)
            cells = [
                (level, [d for d in docs if level.id in d.levels])
                for level in self.taxonomy.levels_in_order()
            ]
            levels = [
                (self.level_title(level), self.urls.page(f"{url}{level.id}/"), len(cell))
                for level, cell in cells
                if cell
            ]
            yield from self.paginated(
                url,
                label,
                description,
                self.sorted_newest(docs),
                partial(self.render, "levels_nav.html", levels=levels),
                description,
            )
            for level, cell in cells:
                names = {"theme": label, "level": self.label(level).lower()}
                yield from self.paginated(
                    f"{url}{level.id}/",
                    self._("%(theme)s at %(level)s level") % names,
                    self.ngettext(
                        "%(num)s document on %(theme)s at %(level)s level.",
                        "%(num)s documents on %(theme)s at %(level)s level.",
                        len(cell),
                    )
                    % {**names, "theme": label.lower(), "num": len(cell)},
                    self.sorted_newest(cell),
                )

    def level_pages(self) -> Iterable[Page]:
        yield self.term_index(
            "levels/",
            self._("Institutional levels"),
            self._("Learning alliances connect platforms at these levels."),
            [
                (self.label(lv), urls.level_url(lv.id), n, self.description(lv))
                for lv, n in self.level_counts()
            ],
        )
        for level in self.taxonomy.levels_in_order():
            url = urls.level_url(level.id)
            docs = self.in_site("level", level.id)
            title = self.level_title(level)
            description = self.description(level)
            heading = self.render(
                "heading.html", Linker(self.urls.page(url)), title=title, intro=description
            )
            # Each document once, under its first (main) theme; its page lists the others.
            groups = [
                (
                    self.label(theme),
                    f"theme-{theme.id}",
                    f"{urls.theme_url(theme.id)}{level.id}/",
                    [d for d in docs if d.themes[:1] == (theme.id,)],
                )
                for theme in self.taxonomy.themes.values()
            ]
            yield self.term_page(url, title, description, heading, groups)

    def programme_pages(self) -> Iterable[Page]:
        yield self.term_index(
            "programmes/",
            self._("Programmes"),
            self._("Programmes that applied the learning alliance approach."),
            [
                (p.name, urls.programme_url(p.id), n, p.description)
                for p, n in self.programme_counts()
            ],
        )
        for programme in self.taxonomy.programmes.values():
            docs = self.in_site("programme", programme.id)
            yield from self.paginated(
                urls.programme_url(programme.id),
                programme.name,
                "",
                self.sorted_newest(docs),
                partial(self.render, "programme.html", programme=programme),
                programme.description,
            )

    def country_pages(self) -> Iterable[Page]:
        counts = self.country_counts()
        yield self.term_index(
            "countries/",
            self._("Countries"),
            self._("Documents by the country they are about."),
            [(name, urls.country_url(code), n, "") for code, name, n in counts],
        )
        for code, name, _count in counts:
            docs = self.sorted_newest(self.in_site("country", code))
            yield from self.paginated(
                urls.country_url(code),
                name,
                self.ngettext(
                    "%(num)s document about %(country)s.",
                    "%(num)s documents about %(country)s.",
                    len(docs),
                )
                % {"num": len(docs), "country": name},
                docs,
            )

    def matrix_page(self) -> Page:
        linker = Linker(self.urls.page("matrix/"))
        levels = self.taxonomy.levels_in_order()
        rows = []
        for theme in self.taxonomy.themes.values():
            docs = self.in_site("theme", theme.id)
            cells = [(level, sum(1 for d in docs if level.id in d.levels)) for level in levels]
            rows.append((theme, cells))
        text = front_matter(
            self._("Themes by level"),
            self._("How many documents cover each theme at each institutional level."),
        )
        text += self.render("matrix.html", linker, levels=levels, rows=rows)
        return self.page("matrix/index.md", text + "\n")

    def search_page(self) -> Page:
        linker = Linker(self.urls.page("search/"))
        text = front_matter(self._("Search"), hide=["toc"])
        words = {word: self._(word) for word in SEARCH_WORDS if self._(word) != word}
        # A result card says what a document is in this page's language, as the browse
        # pages' lists do: the records hold codes, this table the names.
        interface = i18n.interface_language(self.language)
        names = {
            "types": {t: type_label(t, language=self.language) for t in DOCUMENT_TYPES},
            "levels": {lv.id: lv.label_in(self.language) for lv in self.taxonomy.levels.values()},
            "languages": {
                code: language_name(code, interface)
                for code in sorted({d.language for d in self.documents})
            },
            "separator": i18n.list_separator(self.language),
        }
        text += self.render("search.html", linker, search_words=words, card_names=names)
        return self.page("search/index.md", text + "\n")

    def downloads_page(self) -> Page:
        linker = Linker(self.urls.page("downloads/"))
        text = front_matter(
            self._("Downloads"),
            self._("Printable guideline packs and PDF versions of every document."),
        )
        text += self.render(
            "downloads.html",
            linker,
            packs=[d for d in self.downloads if d.kind == "pack"],
            booklets={d.id: d for d in self.downloads if d.kind == "booklet"},
            documents=[d for d in self.downloads if d.kind == "document"],
            bundle=bundle_name(self.settings.site_name),
            references={
                d.id: cite.pack_reference(d, self.settings)
                for d in self.downloads
                if d.kind == "pack"
            },
        )
        return self.page("downloads/index.md", text + "\n")

    def listing_pages(self) -> Iterable[Page]:
        """Every page that is not a document's: home, listings, taxonomy, search, downloads."""
        yield self.home()
        yield from self.type_pages()
        yield from self.theme_pages()
        yield from self.level_pages()
        yield from self.programme_pages()
        yield from self.country_pages()
        yield self.matrix_page()
        yield from self.glossary_page()
        yield self.search_page()
        yield self.downloads_page()
