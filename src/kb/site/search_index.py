"""The site's search index (Pagefind), built beside the render instead of after it.

Pagefind normally reads the rendered HTML, so it could only start once
MkDocs has finished. kb already knows every document, so it renders each
body with the site's own Markdown settings into a small HTML page (title,
filters, body with the same heading ids as the real page) and gives those
to Pagefind's indexing service, in a second process, while MkDocs renders
the site on the other core. Results, filters and sub-result anchors are
the same as if Pagefind had read the finished pages.
"""

from __future__ import annotations

import html
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from kb import urls
from kb.config import Settings
from kb.errors import KbError
from kb.model import TYPE_LABELS, Document, Taxonomy
from kb.render import markdown_renderer
from kb.site.pages import country_name, language_name, without_title_heading


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
    renderer = markdown_renderer(settings)
    for doc in documents:
        renderer.reset()
        body = renderer.convert(without_title_heading(doc.body, doc.title))
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
