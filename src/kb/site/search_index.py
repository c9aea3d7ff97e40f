"""The site's search index (Pagefind), built beside the render instead of after it.

Pagefind normally reads the rendered HTML, so it could only start once
MkDocs has finished. kb already knows every document, so it writes each
as a small HTML page (title, filters, the body's text with the same heading
ids as the real page) and has Pagefind index those, in another process,
while MkDocs renders the site. Results, filters and sub-result anchors are
the same as if Pagefind had read the finished pages.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from kb import urls
from kb.citations import REFERENCE as CITATION
from kb.config import Settings
from kb.errors import KbError
from kb.links import FENCE, HEADING, heading_id, plain_heading
from kb.model import TYPE_LABELS, Document, Taxonomy
from kb.site.pages import country_name, language_name, without_title_heading

INLINE_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
REFERENCE = re.compile(r"!?\[([^\]]*)\]\[[^\]]*\]")
TAG = re.compile(r"<[^>]+>")
BLOCK_MARKUP = re.compile(r"^\s*(?:[-+*]|\d+[.)])\s+|^\s*>\s?|\{[:#.][^}]*\}")
#: Emphasis and code marks go without a trace ("`vim`." stays "vim."); underscores
#: stay, as in snake_case names.
INLINE_MARKUP = re.compile(r"[*`~]+")
ADMONITION = re.compile(r'^\s*(?:!!!|\?\?\?\+?)\s*\w+(?:\s+"([^"]*)")?\s*$')
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")


def record_body(body: str) -> str:
    """A body as simple HTML for the search index: its words, and its headings' ids.

    Rendering every body with Markdown a second time would cost as much as
    the site's own render. The index needs only the text and the headings
    (with the ids the rendered page gives them, for links into sections), so
    the Markdown syntax is stripped instead.
    """
    parts: list[str] = []
    paragraph: list[str] = []
    slugs: set[str] = set()

    def flush() -> None:
        if paragraph:
            parts.append(f"<p>{html.escape(' '.join(paragraph))}</p>")
            paragraph.clear()

    fence = ""
    ignored = 0  # depth of <div> elements inside one marked data-pagefind-ignore
    for line in body.split("\n"):
        if ignored or "data-pagefind-ignore" in line:
            ignored += line.count("<div") - line.count("</div")
            ignored = max(ignored, 0)
            continue
        opening = FENCE.match(line)
        if fence or opening:
            if opening and (not fence or opening.group(1)[0] == fence[0]):
                fence = "" if fence else opening.group(1)
            elif line.strip():
                paragraph.append(line.strip())
            continue
        heading = HEADING.match(line)
        if heading:
            flush()
            text = heading.group(2)
            unique = heading_id(text, slugs)
            level = len(heading.group(1))
            label = html.escape(plain_heading(text))
            parts.append(f'<h{level} id="{html.escape(unique)}">{label}</h{level}>')
            continue
        if not line.strip() or TABLE_RULE.match(line):
            flush()
            continue
        admonition = ADMONITION.match(line)
        if admonition:
            flush()
            if admonition.group(1):
                paragraph.append(admonition.group(1))
            continue
        text = CITATION.sub("", line)  # a source's note is no word of the text
        text = INLINE_LINK.sub(r"\1", text)
        text = REFERENCE.sub(r"\1", text)
        text = BLOCK_MARKUP.sub(" ", TAG.sub(" ", text))
        text = INLINE_MARKUP.sub("", text).replace("|", " ")
        if text.strip():
            paragraph.append(" ".join(text.split()))
    flush()
    return "".join(parts)


def record_html(doc: Document, taxonomy: Taxonomy, body_html: str) -> str:
    """The page Pagefind indexes for a document: what readers search, and its filters."""
    filters = [("type", TYPE_LABELS[doc.type][0])]
    filters += [("theme", taxonomy.themes[t].label) for t in doc.themes]
    filters += [("level", taxonomy.levels[lv].label) for lv in doc.levels]
    filters += [("country", country_name(c)) for c in doc.countries]
    if doc.programme:
        filters.append(("programme", taxonomy.programmes[doc.programme].name))
    filters.append(("language", language_name(doc.language)))
    for facet_id, values in doc.facets.items():
        facet = taxonomy.facets[facet_id]
        filters += [(facet_id, facet.terms[v].label) for v in values]
    spans = "".join(
        f'<span data-pagefind-filter="{html.escape(name)}">{html.escape(value)}</span>'
        for name, value in filters
    )
    return (
        f'<!doctype html><html lang="{html.escape(doc.language)}"><head>'
        f"<title>{html.escape(doc.title)}</title></head><body>"
        f"<main data-pagefind-body><h1>{html.escape(doc.title)}</h1>"
        f"<div hidden data-pagefind-ignore>{spans}</div>"
        f'<span hidden data-pagefind-sort="date">{doc.date.isoformat()}</span>'
        f"<p>{html.escape(doc.summary)}</p>{body_html}</main></body></html>"
    )


def build_search_index(
    documents: Sequence[Document], taxonomy: Taxonomy, settings: Settings, out_dir: Path
) -> None:
    """Write the Pagefind bundle for ``documents`` into ``out_dir`` (replaced).

    The records are written as small HTML files and indexed by Pagefind's own
    command: its Python service waits a tenth of a second per answer, which is
    minutes for a large knowledge base.
    """
    records = out_dir.parent / f"{out_dir.name}-records"
    for folder in (out_dir, records):
        if folder.exists():
            shutil.rmtree(folder)
    for doc in documents:
        body = record_body(without_title_heading(doc.body, doc.title))
        target = records / urls.document_url(doc) / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(record_html(doc, taxonomy, body), encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(records),
        "--output-path",
        str(out_dir),
        "--exclude-selectors",
        ".headerlink",
        # One index for the whole site: Pagefind searches only the index of the
        # search page's language, and readers search every language at once.
        "--force-language",
        settings.default_language.split("-")[0],
        "--silent",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    shutil.rmtree(records, ignore_errors=True)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise KbError("Pagefind could not index the site: " + " / ".join(detail))
