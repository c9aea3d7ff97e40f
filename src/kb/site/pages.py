"""Generate the Markdown pages of the site from the model and the graph.

Every value that comes from front matter or the taxonomy goes through Jinja2
with autoescaping, so a title such as ``<script>`` shows as text. Document
bodies are the editors' Markdown, with links to other documents and files
rewritten to where the generated pages and copied files are.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import json
import math
import posixpath
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from kb import i18n, urls
from kb.config import Settings
from kb.errors import KbError
from kb.graph import KnowledgeGraph
from kb.i18n import N_
from kb.links import classify, rewrite_links
from kb.model import DOCUMENT_TYPES, Document, KnowledgeBase, Term
from kb.render import document_markdown
from kb.site import cite, glossary_page
from kb.site.downloads import Download
from kb.site.offline import bundle_name

PAGE_SIZE = 50
GROUP_PREVIEW = 8
NEWEST = 8
RELATED = 5
BACKLINKS = 20
#: Where a document page's own table of contents goes, for phones (``finish`` makes it).
TOC = "toc"
#: The fragment that goes at the end of a page's ``<head>`` (citation meta tags).
HEAD_META = "meta"


@dataclass(frozen=True)
class Page:
    """A generated page: its file under docs/, its Markdown, and its HTML fragments.

    The generated HTML (panels, lists, tables) is not given to Markdown, whose
    HTML parser would spend more time on it than on the body itself: the
    Markdown holds a placeholder comment for each fragment, and the fragments
    are put in place in the rendered page (``inject``).
    """

    path: str
    text: str
    fragments: Mapping[str, str] = field(default_factory=dict)
    #: The page's language when it is not the site's default.
    language: str | None = None
    #: The same page in the site's other languages: language → URL from the site root.
    alternates: Mapping[str, str] = field(default_factory=dict)


def page_url(path: str) -> str:
    """``themes/x/index.md`` → ``themes/x/``; ``lessons/y.md`` → ``lessons/y/``."""
    if path == "index.md":
        return ""
    if path.endswith("/index.md"):
        return path[: -len("index.md")]
    return path[: -len(".md")] + "/"


@dataclass(frozen=True)
class Linker:
    """Relative links from one page's URL, so the site works from any folder or file://.

    Every URL kb makes is relative to the site root and names a folder
    (``themes/x/``) or a file (``downloads/packs/x.pdf``), so the way up from
    a page is one ``../`` per folder in its own URL.
    """

    url: str

    def link(self, target: str) -> str:
        if target.startswith(("http://", "https://", "#")):
            return target
        up = "../" * self.url.count("/")
        return up + target or "./"


@dataclass
class Pagination:
    number: int
    pages: int
    base: str

    def url(self, number: int) -> str:
        return urls.listing_url(self.base, number)


#: Document type names, singular and plural; the texts are message ids of the catalogue.
#: The words of the search page's script (assets/kb/search.js), handed to it translated.
SEARCH_WORDS = (
    N_("Showing results for “{query}”."),
    N_("Nothing matches “{query}”; showing results for “{corrected}”."),
    N_("Few pages have every word; pages with most of them follow."),
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

TYPE_NAMES: Mapping[str, tuple[str, str]] = {
    "case-study": (N_("Case study"), N_("Case studies")),
    "guideline": (N_("Facilitation guideline"), N_("Facilitation guidelines")),
    "lesson": (N_("Lesson"), N_("Lessons")),
    "tool": (N_("Tool"), N_("Tools and templates")),
}


def country_name(code: str, language: str = "en") -> str:
    return i18n.country_name(code, language)


def language_name(code: str, language: str = "en") -> str:
    return i18n.language_name(code, language)


def type_label(doc_type: str, plural: bool = False, language: str = "en") -> str:
    return i18n.translations(language).gettext(TYPE_NAMES[doc_type][1 if plural else 0])


def filesize(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


@lru_cache(maxsize=16)
def environment(language: str) -> jinja2.Environment:
    """The templates with the interface strings, labels and names of ``language``."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("kb.site", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(i18n.translations(language), newstyle=True)  # type: ignore[attr-defined]
    # Names of languages and countries in the words the interface is shown in.
    names = i18n.interface_language(language)
    env.filters.update(
        filesize=filesize,
        label=lambda term: term.label_in(language) if isinstance(term, Term) else term.label,
        description=lambda term: term.description_in(language),
    )
    env.globals.update(
        urls=urls,
        type_label=lambda doc_type, plural=False: type_label(doc_type, plural, language),
        country_name=lambda code: country_name(code, names),
        language_name=lambda code: language_name(code, names),
        colon="\u00a0:" if i18n.primary(names) == "fr" else ":",
    )
    return env


def without_title_heading(body: str, title: str) -> str:
    """The body without a first heading that only repeats the title (the page shows it)."""
    stripped = body.lstrip("\n")
    first, _, rest = stripped.partition("\n")
    heading = first.strip()
    if heading.startswith("# "):
        text = heading[2:].strip().rstrip("#").strip()
    elif rest.lstrip(" ").startswith("=") and set(rest.split("\n", 1)[0].strip()) == {"="}:
        text = heading
        rest = rest.split("\n", 1)[1] if "\n" in rest else ""
    else:
        return body
    if text.casefold() != title.strip().casefold():
        return body
    return rest


def placeholder(name: str) -> str:
    """The comment that stands for a fragment until it is injected."""
    return f"<!-- kb:{name} -->"


def inject(html_text: str, fragments: Mapping[str, str]) -> str:
    """A rendered page with its placeholders replaced by their fragments."""
    for name, fragment in fragments.items():
        if name == HEAD_META:
            html_text = html_text.replace("</head>", fragment + "</head>", 1)
        else:
            html_text = html_text.replace(placeholder(name), fragment, 1)
    return html_text


def html_block(text: str) -> str:
    """Generated HTML as a Markdown raw block: no blank lines, no indentation."""
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def fingerprinted(text: str, fragments: Mapping[str, str]) -> str:
    """Markdown that changes when its fragments change, so a dirty MkDocs build renders it."""
    if not fragments or not text.startswith("---\n"):
        return text
    digest = hashlib.sha1("\0".join(fragments.values()).encode("utf-8")).hexdigest()[:16]
    return f"---\nkb_fragments: {digest}\n" + text[4:]


def front_matter(title: str, description: str = "", **extra: Any) -> str:
    """Page meta for MkDocs. Values are HTML-escaped: Material prints them unescaped."""
    meta: dict[str, Any] = {"title": html.escape(title)}
    if description:
        meta["description"] = html.escape(description, quote=True)
    meta.update(extra)
    return (
        "---\n"
        + "".join(f"{k}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in meta.items())
        + "---\n\n"
    )


@dataclass
class SiteGenerator:
    """Everything needed to write the pages; ``pages()`` yields them."""

    settings: Settings
    knowledge_base: KnowledgeBase
    graph: KnowledgeGraph
    documents: Sequence[Document]
    downloads: Sequence[Download] = ()
    #: The language of the browse pages made (the site's default when empty).
    language: str = ""

    def __post_init__(self) -> None:
        self.pending: dict[str, str] = {}
        self.taxonomy = self.knowledge_base.taxonomy
        self.default_language = self.settings.default_language
        self.language = self.language or self.default_language
        self.languages = self.settings.site_languages
        self.urls = self.urls_in(self.language)
        self._ = i18n.translations(self.language).gettext
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
        name = f"f{len(self.pending)}"
        self.pending[name] = self.render_html(template, linker, **context)
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
        return self.render("listing.html", linker, docs=docs, pagination=pagination)

    def paginated(
        self, base: str, title: str, intro: str, docs: Sequence[Document]
    ) -> Iterable[Page]:
        """A listing over as many pages as it needs, PAGE_SIZE documents each."""
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
            text = front_matter(heading)
            text += self.render("heading.html", linker, title=heading, intro=intro)
            text += "\n\n" + self.listing(linker, chunk, pagination) + "\n"
            yield self.page(f"{url}{urls.LISTING_INDEX}.md", text)

    # -- document pages ------------------------------------------------------

    def rewrite_target(self, doc: Document, target: str) -> str | None:
        """Where a link in ``doc``'s body must point once the site is generated."""
        kind = classify(target, doc.path, self.content_prefix)
        if kind.kind != "local":
            return None
        page_path = self.output_paths[doc.id]
        linked = self.by_source.get(kind.path) or self.by_source.get(
            kind.path.rstrip("/") + "/index.md"
        )
        if linked is not None:
            relative = posixpath.relpath(self.output_paths[linked.id], posixpath.dirname(page_path))
            return relative + (f"#{kind.anchor}" if kind.anchor else "")
        if kind.path.endswith(".md"):
            return None  # a link to a draft or a missing page: MkDocs reports it
        media = "media/" + kind.path[len(self.content_prefix) + 1 :]
        return posixpath.relpath(media, posixpath.dirname(page_path))

    def document_page(self, doc: Document, fragments: bool = True) -> Page:
        """A document's page; without ``fragments``, only its Markdown (no graph needed)."""
        path = self.output_paths[doc.id]
        body = document_markdown(
            doc,
            rewrite_links(
                without_title_heading(doc.body, doc.title),
                lambda target: self.rewrite_target(doc, target),
            ),
            self.knowledge_base.glossary,
            place_notes=True,
        )
        lang = (
            f' lang="{html.escape(doc.language)}"' if doc.language != self.default_language else ""
        )
        text = front_matter(doc.title, doc.summary)
        text += f'<h1 class="kb-title"{lang}>{html.escape(doc.title)}</h1>\n\n'
        text += placeholder("head") + "\n\n" + placeholder(TOC) + "\n\n"
        text += body.strip("\n") + "\n\n"
        text += placeholder("foot") + "\n"
        language = doc.language if doc.language != self.default_language else None
        alternates = self.document_alternates(doc)
        if not fragments:
            return Page(path, text, language=language, alternates=alternates)
        parts = self.document_fragments(doc)
        return Page(path, fingerprinted(text, parts), parts, language, alternates)

    def document_alternates(self, doc: Document) -> dict[str, str]:
        """Where the language switch of a document's page leads: its translations, else home."""
        found = {lang: self.urls_in(lang).page("") for lang in self.languages}
        for other in self.graph.translations(doc.id):
            if other.id in self.included:
                found[other.language] = urls.document_url(other)
        found[doc.language] = urls.document_url(doc)
        return found

    def document_fragments(self, doc: Document) -> dict[str, str]:
        """The metadata panel and the relations of a document's page, in the document's language."""
        language = doc.language
        translated = i18n.translations(language)
        linker = Linker(page_url(self.output_paths[doc.id]))
        translations = [t for t in self.graph.translations(doc.id) if t.id in self.included]
        own = self.own_downloads.get(doc.id)
        downloads = [{"url": own.url, "label": translated.gettext("Download PDF")}] if own else []
        reference = cite.document_reference(doc, self.settings, own)
        head = self.render_html(
            "document_head.html",
            linker,
            language,
            doc=doc,
            translations=translations,
            downloads=downloads,
            edit_url=self.edit_url(doc),
        )
        backlinks = self.sorted_newest(
            d for d in self.graph.backlinks(doc.id) if d.id in self.included
        )
        foot = self.render_html(
            "document_foot.html",
            linker,
            language,
            doc=doc,
            citation=self.citation(doc),
            reference=reference,
            related=[
                r
                for r in self.graph.related(doc.id, limit=RELATED)
                if r.document.id in self.included
            ],
            backlinks=backlinks[:BACKLINKS],
            more_backlinks=max(0, len(backlinks) - BACKLINKS),
            same_theme_other_levels=self.other_levels(doc),
            packs=self.pack_downloads.get(doc.id, []),
            jsonld=self.jsonld(doc),
        )
        return {"head": head, "foot": foot, HEAD_META: cite.citation_meta(reference)}

    def edit_url(self, doc: Document) -> str:
        """The address of the document's source in the online editor, if the site has one."""
        if not self.settings.edit_url:
            return ""
        inside = doc.path[len(self.content_prefix) + 1 :]
        return self.settings.edit_url + urllib.parse.quote(inside)

    def other_levels(self, doc: Document) -> list[dict[str, Any]]:
        groups = []
        for cross in self.graph.same_theme_other_levels(doc.id):
            docs = [d for d in cross.documents if d.id in self.included][:3]
            if docs:
                groups.append(
                    {
                        "theme_label": cross.theme.label_in(doc.language),
                        "level_label": cross.level.label_in(doc.language),
                        "documents": docs,
                    }
                )
        return groups

    def citation(self, doc: Document) -> str:
        site_name = self.settings.site_name_in(doc.language)
        authors = ", ".join(doc.authors) or site_name
        url = urls.absolute(self.settings.site_url, urls.document_url(doc))
        return f"{authors} ({doc.date.year}). {doc.title}. {site_name}. {url}"

    def jsonld(self, doc: Document) -> str:
        kind = {
            "case-study": "Report",
            "guideline": "HowTo",
            "lesson": "Article",
            "tool": "DigitalDocument",
        }[doc.type]
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": kind,
            "headline": doc.title,
            "name": doc.title,
            "description": doc.summary,
            "datePublished": doc.date.isoformat(),
            "inLanguage": doc.language,
            "keywords": [self.taxonomy.themes[t].label_in(doc.language) for t in doc.themes],
            "license": self.settings.license_url or doc.license,
            "isPartOf": {"@type": "WebSite", "name": self.settings.site_name_in(doc.language)},
        }
        if doc.updated:
            data["dateModified"] = doc.updated.isoformat()
        if doc.authors:
            data["author"] = [{"@type": "Person", "name": a} for a in doc.authors]
        if self.settings.site_url:
            data["url"] = urls.absolute(self.settings.site_url, urls.document_url(doc))
            data["isPartOf"]["url"] = self.settings.site_url
        if doc.countries:
            data["spatialCoverage"] = [country_name(c) for c in doc.countries]
        # "</script>" in a value would end the element early; JSON's \u003c cannot.
        return json.dumps(data, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")

    # -- listing and taxonomy pages ------------------------------------------
    # Each is made in the generator's language; paths and URLs given here are
    # the default language's, and ``page()`` and ``self.urls`` put them under
    # the language's prefix.

    def home(self) -> Page:
        linker = Linker(self.urls.page(""))
        newest = self.sorted_newest(self.documents)[:NEWEST]
        counts = {t: len(self.graph.documents_by("type", t)) for t in DOCUMENT_TYPES}
        site_name = self.settings.site_name_in(self.language)
        description = self.settings.description_in(self.language)
        text = front_matter(site_name, description, hide=["navigation", "toc"])
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
            glossary, lambda code: language_name(code, i18n.interface_language(self.language))
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

        codes = sorted({c for d in self.documents for c in d.countries}, key=name)
        return [(c, name(c), len(self.in_site("country", c))) for c in codes]

    def in_site(self, field_name: str, value: str) -> list[Document]:
        return [d for d in self.graph.documents_by(field_name, value) if d.id in self.included]

    def type_pages(self) -> Iterable[Page]:
        for doc_type in DOCUMENT_TYPES:
            docs = self.sorted_newest(self.in_site("type", doc_type))
            plural = type_label(doc_type, plural=True, language=self.language)
            yield from self.paginated(
                urls.type_url(doc_type),
                plural,
                self._("%(count)s %(type)s, newest first.")
                % {"count": len(docs), "type": plural.lower()},
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

    def by_level(
        self, docs: Sequence[Document], cell_url: str | None
    ) -> list[tuple[str, str, str, list[Document]]]:
        """Groups of documents per level, in the taxonomy's order, linking to each cell."""
        return [
            (
                self.level_title(level),
                f"level-{level.id}",
                f"{cell_url}{level.id}/" if cell_url else "",
                [d for d in docs if level.id in d.levels],
            )
            for level in self.taxonomy.levels_in_order()
        ]

    def theme_pages(self) -> Iterable[Page]:
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
            heading = self.render(
                "heading.html", Linker(self.urls.page(url)), title=label, intro=description
            )
            yield self.term_page(url, label, description, heading, self.by_level(docs, url))
            for level in self.taxonomy.levels_in_order():
                cell = [d for d in docs if level.id in d.levels]
                names = {"theme": label, "level": self.label(level).lower()}
                yield from self.paginated(
                    f"{url}{level.id}/",
                    self._("%(theme)s at %(level)s level") % names,
                    self._("%(count)s documents on %(theme)s at %(level)s level.")
                    % {**names, "theme": label.lower(), "count": len(cell)},
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
            url = urls.programme_url(programme.id)
            docs = self.in_site("programme", programme.id)
            heading = self.render(
                "programme.html", Linker(self.urls.page(url)), programme=programme
            )
            yield self.term_page(
                url, programme.name, programme.description, heading, self.by_level(docs, None)
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
                self._("%(count)s documents about %(country)s.")
                % {"count": len(docs), "country": name},
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
        text += self.render("search.html", linker, search_words=words)
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
    """What ``write_pages`` did: the paths written, every path, every page's fragments, language."""

    written: set[str] = field(default_factory=set)
    seen: set[str] = field(default_factory=set)
    fragments: dict[str, Mapping[str, str]] = field(default_factory=dict)
    languages: dict[str, str] = field(default_factory=dict)
    alternates: dict[str, Mapping[str, str]] = field(default_factory=dict)


def write_pages(pages: Iterable[Page], docs_dir: Path) -> Written:
    """Write pages, touching only files whose text changed (MkDocs' dirty build skips the rest)."""
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
        target = docs_dir / page.path
        data = page.text.encode("utf-8")
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
) -> dict[str, Mapping[str, str]]:
    """Every document page's fragments, by page path."""
    generator = SiteGenerator(settings, knowledge_base, graph, documents, downloads)
    return {generator.output_paths[d.id]: generator.document_fragments(d) for d in documents}
