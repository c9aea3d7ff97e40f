"""Print HTML of one document body: the site's Markdown, then a tree step for paper.

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

import functools
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from kb import i18n, sanitize
from kb.config import Settings
from kb.errors import KbError
from kb.inventory import image_problem
from kb.limits import nested_too_deeply
from kb.links import classify, code_free_lines, scan_links
from kb.model import Document, KnowledgeBase
from kb.problems import Problem
from kb.render import document_markdown, markdown_renderer
from kb.urls import absolute, document_url

from . import words, worksheet

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
#: Matched against a stripped line: no two whitespace runs side by side to backtrack between.
_TABLE_RULE = re.compile(r"\|?[ \t]*:?-+:?(?:[ \t]*\|[ \t]*:?-+:?)*[ \t]*\|?$")
#: Safety net for raw HTML the tree step never saw: what an href or src may hold.
_ATTRIBUTE = re.compile(
    r"""\s(href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE
)
_ALLOWED_HREF = ("#", "http://", "https://", "mailto:", "tel:")
#: A tag in raw HTML, and in it an id or a link to an id, up to where the id starts.
_RAW_TAG = re.compile(r"<[a-zA-Z][^<>]*>")
_RAW_ID = re.compile(r"""(\s(?:id\s*=\s*["']?|href\s*=\s*["']?#)(?=[^"'\s>]))""", re.I)


@dataclass(frozen=True)
class PrintedDocument:
    """A document body as print HTML, with what it needs and what went wrong."""

    doc: Document
    body: str
    images: tuple[tuple[str, str, int], ...]
    problems: tuple[Problem, ...]


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
            if tag == "li" and (element_id or "").startswith("fn:"):
                # A source note in another script than the document's reads in its own
                # direction (WeasyPrint has no dir="auto").
                own = i18n.text_direction("".join(element.itertext()))
                if own and own != i18n.direction(doc.language):
                    element.set("dir", own)
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
                worksheet.write_in_space(element)
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
            box = worksheet.tick_box(block) if isinstance(block, str) else None
            if box is not None:
                stash[index] = box
            elif isinstance(block, str) and ("id" in block or "#" in block):
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
        # The site's allowlist, plus the addresses the tree step itself writes: links
        # to other documents (kbdoc:) and the files of the images it embeds (file:).
        rules = sanitize.policy(settings).widened(
            sanitize.Allowance(url_schemes=frozenset({DOC_LINK.rstrip(":"), "file"}))
        )
        cleaner = rules.cleaner(
            sanitize.print_filter(lambda: {url for url, _path, _line in self.state.images})
        )
        self.markdown = markdown_renderer(
            settings,
            extra=[_PrintExtension(self)],
            overrides={"toc": {"permalink": False}},
            sanitiser=sanitize.SanitiseExtension(rules=rules, cleaner=cleaner),
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
        try:
            body = self.markdown.convert(
                document_markdown(doc, doc.body, self.knowledge_base.glossary)
            )
        except RecursionError:
            raise KbError(nested_too_deeply(doc.path)) from None
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
            and _TABLE_RULE.match(line.strip())
            and "|" in previous[1]
        ):
            found.append(previous[0])
        previous = (number, line)
    return found


def resolve_links(body: str, members: Iterable[str], printer: PrintRenderer) -> str:
    """Placeholders become jumps inside the PDF (members) or online addresses.

    A jump is an ``xref``; the first one to each place in a body is also
    ``paged``, and the stylesheet prints its page number after it. Once per
    body is enough for a reader, and each page number to a later page makes
    WeasyPrint lay its page out twice more.
    """
    inside = set(members)
    documents = printer.knowledge_base.documents
    site_url = printer.settings.site_url
    numbered: set[str] = set()

    def replace(match: re.Match[str]) -> str:
        doc_id, anchor = match.group(1), match.group(2) or ""
        if doc_id in inside:
            target = f"#{doc_id}--{anchor}" if anchor else f"#{doc_id}"
            first = target not in numbered
            numbered.add(target)
            return f' href="{target}" class="xref{" paged" if first else ""}"'
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
