"""Print HTML: each document rendered once with the site's Markdown, then assembled.

A document body is rendered with the same extensions as the site (kb.render),
plus one tree step for paper: every id is prefixed with the document id, so
that headings stay unique inside a pack; links to other documents become
placeholders that each pack resolves (a jump inside the PDF when the target
is in the pack, its online page otherwise); images point to their file and
missing ones become their alt text; collapsible blocks print open. Nothing in
the result points to a local path, apart from image sources that WeasyPrint
embeds.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import jinja2
from markdown import Markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markupsafe import Markup

from kb.config import Settings
from kb.inventory import image_problem
from kb.links import classify, code_free_lines, scan_links
from kb.model import Document, KnowledgeBase, Source, Taxonomy
from kb.problems import Problem
from kb.render import markdown_renderer
from kb.urls import absolute, document_url, pack_pdf_url

from . import words

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: Placeholder scheme for a link to another document, resolved per pack.
DOC_LINK = "kbdoc:"
DOC_LINK_ATTR = re.compile(r' href="kbdoc:([^"#]*)(?:#([^"]*))?"')
#: The rule for tables that will not fit a portrait A4 page (each warning states
#: it): more than this many columns...
TABLE_MAX_COLUMNS = 6
#: ...or a cell holding a run of more characters than this with no space,
#: hyphen or slash to break the line at.
TABLE_MAX_WORD = 30
_UNBREAKABLE = re.compile(rf"[^\s\-/\u2010-\u2015]{{{TABLE_MAX_WORD + 1},}}")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$")
#: Safety net for raw HTML the tree step never saw: what an href or src may hold.
_ATTRIBUTE = re.compile(
    r"""\s(href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE
)
_ALLOWED_HREF = ("#", "http://", "https://", "mailto:", "tel:")
#: A tag in raw HTML, and in it an id or a link to an id, up to where the id starts.
_RAW_TAG = re.compile(r"<[a-zA-Z][^>]*>")
_RAW_ID = re.compile(r"""(\s(?:id\s*=\s*["']?|href\s*=\s*["']?#)(?=[^"'\s>]))""", re.I)


@dataclass(frozen=True)
class PrintedDocument:
    """A document body as print HTML, with what it needs and what went wrong."""

    doc: Document
    body: str
    images: tuple[tuple[str, str, int], ...]
    problems: tuple[Problem, ...]


@dataclass(frozen=True)
class PrintJob:
    """Everything WeasyPrint needs to make one PDF; plain data, so it can go to a worker.

    ``images`` lists ``(file URL, document path, line)`` for each embedded
    image, so that a problem WeasyPrint logs about a URL names the document.
    """

    kind: str
    id: str
    html: str
    source: str
    images: tuple[tuple[str, str, int], ...] = ()
    problems: tuple[Problem, ...] = ()
    documents: tuple[tuple[str, str], ...] = ()
    #: The content folder: the only place images are read from (``images`` only).
    allowed_roots: tuple[str, ...] = field(default=(), compare=False)


class _DocumentState:
    """What the tree step needs to know about the document being rendered."""

    def __init__(self) -> None:
        self.doc: Document | None = None
        self.problems: list[Problem] = []
        self.images: list[tuple[str, str, int]] = []
        self.image_lines: dict[str, int] = {}
        self.table_lines: list[int] = []


class _PrintTreeprocessor(Treeprocessor):
    def __init__(self, md: Markdown, printer: PrintRenderer) -> None:
        super().__init__(md)
        self.printer = printer

    def run(self, root: Element) -> None:
        state = self.printer.state
        doc = state.doc
        assert doc is not None
        tables = 0
        for element in list(root.iter()):
            element_id = element.get("id")
            if element_id:
                element.set("id", f"{doc.id}--{element_id}")
            tag = element.tag
            if tag == "a" and element.get("href") is not None:
                self.printer.rewrite_link(element, doc)
            elif tag == "img":
                self.printer.rewrite_image(element, doc)
            elif tag == "table":
                line = (
                    state.table_lines[tables] if tables < len(state.table_lines) else doc.body_line
                )
                tables += 1
                self.printer.check_table(element, doc, line)
            elif tag == "details":
                # Paper cannot be clicked open: print collapsible blocks as admonitions.
                element.tag = "div"
                element.set("class", f"admonition {element.get('class', '')}".strip())
                element.attrib.pop("open", None)
            elif tag == "summary":
                element.tag = "p"
                element.set("class", "admonition-title")
        # Raw HTML (an anchor in a heading: "## Mac <a id="mac"></a>") waits outside
        # the tree until the end; its ids and links to them get the same prefix.
        stash = self.md.htmlStash.rawHtmlBlocks
        prefixed = functools.partial(_RAW_ID.sub, lambda m: f"{m.group(1)}{doc.id}--")
        for index, block in enumerate(stash):
            if isinstance(block, str) and ("id" in block or "#" in block):
                stash[index] = _RAW_TAG.sub(lambda tag: prefixed(tag.group(0)), block)


class _PrintExtension(Extension):
    def __init__(self, printer: PrintRenderer) -> None:
        super().__init__()
        self.printer = printer

    def extendMarkdown(self, md: Markdown) -> None:  # Markdown's name for the hook
        # After toc (5) has given headings their ids and before unescaping (0).
        md.treeprocessors.register(_PrintTreeprocessor(md, self.printer), "kb_print", 1)


class PrintRenderer:
    """Renders document bodies for print, each once per run."""

    def __init__(self, settings: Settings, knowledge_base: KnowledgeBase) -> None:
        self.settings = settings
        self.knowledge_base = knowledge_base
        self.by_path = {doc.path: doc for doc in knowledge_base.documents.values()}
        self.content_prefix = settings.rel(settings.content_dir)
        self.state = _DocumentState()
        self.markdown = markdown_renderer(
            settings,
            extra=[_PrintExtension(self)],
            overrides={"toc": {"permalink": False}},
        )
        self.rendered: dict[str, PrintedDocument] = {}

    def document(self, doc: Document) -> PrintedDocument:
        """The body of ``doc`` as print HTML (rendered on first use, then remembered)."""
        if doc.id in self.rendered:
            return self.rendered[doc.id]
        state = self.state = _DocumentState()
        state.doc = doc
        for link in scan_links(doc.body, doc.body_line):
            if link.is_image:
                state.image_lines.setdefault(link.target, link.line)
        state.table_lines = table_lines(doc.body, doc.body_line)
        self.markdown.reset()
        body = self.markdown.convert(doc.body)
        printed = PrintedDocument(
            doc=doc,
            body=body,
            images=tuple(state.images),
            problems=tuple(state.problems),
        )
        self.rendered[doc.id] = printed
        return printed

    # -- the tree step's helpers ---------------------------------------------

    def rewrite_link(self, element: Element, doc: Document) -> None:
        """Point a link inside the PDF, to the web, or nowhere; never to a local file."""
        href = element.get("href", "")
        target = classify(href, doc.path, self.content_prefix)
        if target.kind == "external":
            if href.startswith("//"):
                element.set("href", "https:" + href)
            return
        if target.kind == "anchor":
            element.set("href", f"#{doc.id}--{target.anchor}" if target.anchor else f"#{doc.id}")
            return
        if target.kind == "local":
            linked = self.by_path.get(target.path) or self.by_path.get(
                target.path.rstrip("/") + "/index.md"
            )
            if linked is not None:
                anchor = f"#{target.anchor}" if target.anchor else ""
                element.set("href", f"{DOC_LINK}{linked.id}{anchor}")
                return
            published = self.published_file(target.path)
            if published:
                element.set("href", published)
                return
        # Dangerous, outside the content folder, or a file with no address:
        # keep the words, drop the link (kb check reports the link itself).
        element.attrib.pop("href", None)

    def published_file(self, path: str) -> str:
        """The online address of a file in the content folder, or '' without a site URL."""
        if not self.settings.site_url:
            return ""
        inside = path[len(self.content_prefix) :].lstrip("/")
        return absolute(self.settings.site_url, inside)

    def rewrite_image(self, element: Element, doc: Document) -> None:
        """Point an image at its file, or replace it by its alt text when it cannot be printed."""
        state = self.state
        src = element.get("src", "")
        line = state.image_lines.get(src, doc.body_line)
        target = classify(src, doc.path, self.content_prefix)
        reason = ""
        if target.kind == "local":
            path = self.settings.root / target.path
            reason = image_problem(self.settings, path)
            if not reason:
                element.set("src", path.as_uri())
                state.images.append((path.as_uri(), doc.path, line))
                return
            reason = f"'{src}' {reason} (looked for {target.path})"
        elif target.kind == "external":
            reason = (
                f"'{src}' is on another site and PDFs embed only local images "
                "(nothing is fetched at build time); copy it into the content folder"
            )
        else:
            reason = f"'{src}' cannot be printed"
        state.problems.append(
            Problem(
                doc.path,
                line,
                "image",
                f"{reason}; the PDF shows the alt text instead",
                "warning",
            )
        )
        alt = element.get("alt", "") or words.labels(doc.language)["missing_image"]
        element.tag = "span"
        element.attrib.clear()
        element.set("class", "missing-image")
        element.text = f"[{alt}]"

    def check_table(self, table: Element, doc: Document, line: int) -> None:
        """Warn about a table too wide for the page (see TABLE_MAX_COLUMNS and TABLE_MAX_WORD)."""
        columns = max(
            (len([c for c in row if c.tag in ("td", "th")]) for row in table.iter("tr")),
            default=0,
        )
        if columns > TABLE_MAX_COLUMNS:
            table.set("class", f"{table.get('class', '')} wide".strip())
            self.state.problems.append(
                Problem(
                    doc.path,
                    line,
                    "table",
                    f"the table has {columns} columns; at most {TABLE_MAX_COLUMNS} fit the "
                    "width of a printed page; split it or turn some columns into rows",
                    "warning",
                )
            )
        for cell in table.iter():
            if cell.tag not in ("td", "th"):
                continue
            match = _UNBREAKABLE.search("".join(cell.itertext()))
            if match:
                word = match.group(0)
                shown = word if len(word) <= 50 else word[:47] + "..."
                self.state.problems.append(
                    Problem(
                        doc.path,
                        line,
                        "table",
                        f"a cell holds '{shown}' ({len(word)} characters without a space); "
                        f"on paper a cell cannot fit more than about {TABLE_MAX_WORD}: "
                        "add spaces, or put long addresses in a link's text",
                        "warning",
                    )
                )
                return


def table_lines(body: str, first_line: int) -> list[int]:
    """The file line of each table's header row, in the order tables appear."""
    found: list[int] = []
    previous: tuple[int, str] | None = None
    for number, line in code_free_lines(body, first_line):
        if (
            previous is not None
            and "|" in line
            and "-" in line
            and _TABLE_RULE.match(line)
            and "|" in previous[1]
        ):
            found.append(previous[0])
        previous = (number, line)
    return found


def resolve_links(body: str, members: Iterable[str], printer: PrintRenderer) -> str:
    """Placeholders become jumps inside the PDF (members) or online addresses."""
    inside = set(members)
    documents = printer.knowledge_base.documents
    site_url = printer.settings.site_url

    def replace(match: re.Match[str]) -> str:
        doc_id, anchor = match.group(1), match.group(2) or ""
        if doc_id in inside:
            return (
                f' href="#{doc_id}--{anchor}" class="xref"'
                if anchor
                else f' href="#{doc_id}" class="xref"'
            )
        linked = documents.get(doc_id)
        if linked is None or not site_url:
            return ""
        url = absolute(site_url, document_url(linked)) + (f"#{anchor}" if anchor else "")
        return f' href="{html.escape(url)}"'

    return DOC_LINK_ATTR.sub(replace, body)


def no_local_paths(markup: str, image_urls: set[str]) -> str:
    """Drop any href or src that would point to a local path (raw HTML in a body)."""

    def check(match: re.Match[str]) -> str:
        name = match.group(1).lower()
        value = html.unescape(next(g for g in match.groups()[1:] if g is not None))
        if name == "href" and value.startswith(_ALLOWED_HREF):
            return match.group(0)
        if name == "src" and value in image_urls:
            return match.group(0)
        return ""

    return _ATTRIBUTE.sub(check, markup)


# -- assembling a PDF's HTML ----------------------------------------------------


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


_ENVIRONMENT: jinja2.Environment | None = None


def environment() -> jinja2.Environment:
    """The template environment, made once per process."""
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        _ENVIRONMENT = _environment()
    return _ENVIRONMENT


def template_files() -> list[Path]:
    """The files the print HTML is made from (part of the cache key)."""
    return sorted(p for p in TEMPLATES.rglob("*") if p.is_file())


@dataclass(frozen=True)
class Cover:
    """What a pack's cover and front page say."""

    id: str
    title: str
    subtitle: str = ""
    introduction: str = ""


def newest_date(documents: Sequence[Document]) -> dt.date:
    """The date a pack carries: the newest change among its documents."""
    return max(doc.last_changed for doc in documents)


def _source_view(source: Source) -> dict[str, str]:
    details = ", ".join(p for p in (source.publisher, str(source.year or "")) if p)
    return {"title": source.title, "details": details, "url": source.url}


def _document_view(
    printed: PrintedDocument, body: str, settings: Settings, taxonomy: Taxonomy
) -> dict[str, Any]:
    doc = printed.doc
    said = words.labels(doc.language)
    meta: list[tuple[str, str]] = []

    def labels_of(ids: Iterable[str], terms: Mapping[str, Any]) -> str:
        return ", ".join(str(getattr(terms.get(i), "label", i)) for i in ids)

    meta.append((said["themes"], labels_of(doc.themes, taxonomy.themes)))
    ordered_levels = [t.id for t in taxonomy.levels_in_order() if t.id in doc.levels]
    meta.append((said["levels"], labels_of(ordered_levels, taxonomy.levels)))
    if doc.countries:
        names = [words.country_name(c, doc.language) for c in doc.countries]
        meta.append((said["countries"], ", ".join(names)))
    if doc.programme:
        programme = taxonomy.programmes.get(doc.programme)
        meta.append((said["programme"], programme.name if programme else doc.programme))
    date = words.long_date(doc.date, doc.language)
    if doc.updated and doc.updated != doc.date:
        date += f" ({said['updated']} {words.long_date(doc.updated, doc.language)})"
    meta.append((said["date"], date))
    if doc.authors:
        meta.append((said["authors"], ", ".join(doc.authors)))
    online = absolute(settings.site_url, document_url(doc))
    return {
        "id": doc.id,
        "lang": doc.language,
        "type_label": said[doc.type],
        "title": doc.title,
        "summary": doc.summary,
        "meta": meta,
        "body": Markup(body),
        "sources": [_source_view(s) for s in doc.sources],
        "online": online,
        "online_is_link": bool(settings.site_url),
        "words": said,
        "licence": doc.license,
    }


def _citation(
    settings: Settings, title: str, year: int, url: str, language: str, authors: str = ""
) -> str:
    by = authors or settings.site_name
    parts = [f"{by} ({year}). {words.quoted(title, language)}."]
    if authors:
        parts.append(f"{settings.site_name}.")
    if settings.edition:
        parts.append(f"{settings.edition}.")
    if url:
        parts.append(url)
    return " ".join(parts)


def _licence_view(
    settings: Settings, documents: Sequence[Document], language: str, single: bool = False
) -> dict[str, Any]:
    said = words.labels(language)
    licence = documents[0].license if single else settings.license
    text = said["licence_text"].format(licence=words.licence_name(licence))
    # Only the site's own licence comes with an address we know.
    url = settings.license_url if licence == settings.license else ""
    return {
        "text": text,
        "url": url,
        "plain": said["cc_by"] if licence.upper().startswith("CC-BY-") else "",
        "exceptions": []
        if single
        else [
            (doc.title, words.licence_name(doc.license))
            for doc in documents
            if doc.license != settings.license
        ],
    }


def _metadata(
    title: str,
    author: str,
    subject: str,
    documents: Sequence[Document],
    taxonomy: Taxonomy,
    date: dt.date,
) -> dict[str, Any]:
    keywords: list[str] = []
    for doc in documents:
        for theme in doc.themes:
            label = str(getattr(taxonomy.themes.get(theme), "label", theme))
            if label not in keywords:
                keywords.append(label)
    for doc in documents:
        if doc.programme:
            programme = taxonomy.programmes.get(doc.programme)
            name = programme.name if programme else doc.programme
            if name not in keywords:
                keywords.append(name)
    return {
        "title": title,
        "author": author,
        "subject": subject,
        "keywords": ", ".join(keywords),
        "date": date.isoformat(),
    }


def pack_job(
    cover: Cover,
    documents: Sequence[Document],
    printer: PrintRenderer,
    language: str,
) -> PrintJob:
    """The print HTML of a pack: cover, contents, documents, licence and citation."""
    settings = printer.settings
    taxonomy = printer.knowledge_base.taxonomy
    said = words.labels(language)
    members = [doc.id for doc in documents]
    printed = [printer.document(doc) for doc in documents]
    views = [
        _document_view(p, resolve_links(p.body, members, printer), settings, taxonomy)
        for p in printed
    ]
    date = newest_date(documents)
    url = absolute(settings.site_url, pack_pdf_url(cover.id)) if settings.site_url else ""
    counts: dict[str, int] = {}
    for doc in documents:
        counts[doc.type] = counts.get(doc.type, 0) + 1
    count_text = ", ".join(
        f"{n} {said[t].lower() if n == 1 else said[t + '/plural']}" for t, n in counts.items()
    )
    images = tuple(i for p in printed for i in p.images)
    # Consecutive documents of one type share a heading in the contents.
    runs: list[tuple[str, list[dict[str, Any]]]] = []
    for doc, view in zip(documents, views, strict=True):
        if runs and runs[-1][0] == doc.type:
            runs[-1][1].append(view)
        else:
            runs.append((doc.type, [view]))
    groups = [
        (said[kind] if len(entries) == 1 else said[kind + "/plural"].capitalize(), entries)
        for kind, entries in runs
    ]
    context = {
        "single": False,
        "contents": groups,
        "lang": language,
        "words": said,
        "site_name": settings.site_name,
        "site_url": settings.site_url,
        "edition": settings.edition,
        "date_text": words.long_date(date, language),
        "cover": cover,
        "count_text": count_text,
        "documents": views,
        "licence": _licence_view(settings, documents, language),
        "citation": _citation(settings, cover.title, date.year, url, language),
        "edition_note": said["edition_note"].format(date=words.long_date(date, language)),
        "meta": _metadata(
            cover.title, settings.site_name, cover.subtitle, documents, taxonomy, date
        ),
    }
    markup = environment().get_template("print.html.j2").render(context)
    markup = no_local_paths(markup, {i[0] for i in images})
    return PrintJob(
        kind="pack",
        id=cover.id,
        html=markup,
        source=settings.rel(settings.packs_path),
        images=images,
        problems=tuple(p for d in printed for p in d.problems),
        documents=tuple((doc.id, doc.path) for doc in documents),
        allowed_roots=(str(settings.content_dir),),
    )


def document_job(doc: Document, printer: PrintRenderer) -> PrintJob:
    """The print HTML of one document on its own, with a light title block instead of a cover."""
    settings = printer.settings
    taxonomy = printer.knowledge_base.taxonomy
    said = words.labels(doc.language)
    printed = printer.document(doc)
    view = _document_view(
        printed, resolve_links(printed.body, [doc.id], printer), settings, taxonomy
    )
    online = absolute(settings.site_url, document_url(doc)) if settings.site_url else ""
    context = {
        "single": True,
        "lang": doc.language,
        "words": said,
        "site_name": settings.site_name,
        "site_url": settings.site_url,
        "edition": settings.edition,
        "date_text": words.long_date(doc.last_changed, doc.language),
        "cover": Cover(id=doc.id, title=doc.title),
        "contents": [],
        "count_text": "",
        "documents": [view],
        "licence": _licence_view(settings, [doc], doc.language, single=True),
        "citation": _citation(
            settings,
            doc.title,
            doc.date.year,
            online,
            doc.language,
            authors=", ".join(doc.authors),
        ),
        "edition_note": "",
        "meta": _metadata(
            doc.title,
            ", ".join(doc.authors) or settings.site_name,
            doc.summary,
            [doc],
            taxonomy,
            doc.last_changed,
        ),
    }
    markup = environment().get_template("print.html.j2").render(context)
    markup = no_local_paths(markup, {i[0] for i in printed.images})
    return PrintJob(
        kind="document",
        id=doc.id,
        html=markup,
        source=doc.path,
        images=printed.images,
        problems=printed.problems,
        documents=((doc.id, doc.path),),
        allowed_roots=(str(settings.content_dir),),
    )
