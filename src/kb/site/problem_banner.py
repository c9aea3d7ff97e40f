"""The notice ``kb serve`` puts at the top of every page while the knowledge base has errors.

An editor looks at the browser, not at the terminal: without it, a bad edit
leaves the last good page in view with no sign that anything is wrong. The
problems of the page being looked at come first. The notice carries its own
small stylesheet, since it exists only in the preview.
"""

from __future__ import annotations

import html
import posixpath
import re
from collections.abc import Sequence

from kb import i18n
from kb.problems import Problem

#: How many problems the notice lists; the terminal and kb check have them all.
SHOWN = 20
_BODY = re.compile(rb"<body\b[^>]*>", re.IGNORECASE)

STYLE = (
    ".kb-problems{margin:0;padding:.6rem 1rem;"
    "background:#fde8e8;color:#3b0a0a;border-bottom:.25rem solid #b91c1c;"
    "font:.8rem/1.45 system-ui,sans-serif;max-height:45vh;overflow:auto}"
    ".kb-problems h2{font-size:.95rem;margin:0 0 .3rem;color:inherit}"
    ".kb-problems p{margin:0 0 .3rem}.kb-problems ul{margin:0;padding-left:1.2rem}"
    ".kb-problems li.kb-problems__here{font-weight:700}"
    ".kb-problems code{font-size:.95em;background:none;color:inherit;overflow-wrap:anywhere}"
)


def document_id_of(path: str) -> str:
    """The id a problem's file would have as a document (its page's last folder)."""
    name = posixpath.basename(path)
    if name == "index.md":
        return posixpath.basename(posixpath.dirname(path))
    return name.removesuffix(".md")


def page_id(url_path: str) -> str:
    """The last folder of a page's address: a document's id on its page."""
    parts = [part for part in url_path.split("?")[0].split("/") if part]
    if parts and parts[-1].endswith(".html"):
        parts.pop()
    return parts[-1] if parts else ""


def banner(problems: Sequence[Problem], url_path: str, language: str, failure: str = "") -> str:
    """The notice for the page at ``url_path``, or nothing when there are no errors.

    ``failure`` is why the last rebuild could not run at all (mkdocs.yml
    unreadable, say): it heads the list.
    """
    errors = [p for p in problems if p.is_error]
    if not errors and not failure:
        return ""
    _ = i18n.translations(language)
    here = page_id(url_path)
    ordered = sorted(errors, key=lambda p: document_id_of(p.path) != here)
    items = [f"<li><code>{html.escape(failure)}</code></li>"] if failure else []
    for problem in ordered[:SHOWN]:
        mine = here and document_id_of(problem.path) == here
        css = ' class="kb-problems__here"' if mine else ""
        items.append(f"<li{css}><code>{html.escape(problem.as_text())}</code></li>")
    more = len(ordered) - SHOWN
    if more > 0:
        items.append(
            "<li>"
            + html.escape(
                _.gettext("and %(count)s more (kb check lists them all)") % {"count": more}
            )
            + "</li>"
        )
    count = len(errors) + (1 if failure else 0)
    heading = _.ngettext(
        "The knowledge base has %(count)s error", "The knowledge base has %(count)s errors", count
    ) % {"count": count}
    explain = _.gettext(
        "Documents with errors are left out of this preview, or show their last version "
        "without errors. This notice goes away once they are fixed."
    )
    return (
        f'<section class="kb-problems" role="alert" data-pagefind-ignore><style>{STYLE}</style>'
        f"<h2>{html.escape(heading)}</h2><p>{html.escape(explain)}</p>"
        f"<ul>{''.join(items)}</ul></section>"
    )


def with_notice(page: str, notice: str) -> str:
    """``page`` with ``notice`` first in its body: after the skip link, before the header."""
    if not notice:
        return page
    header = page.find('<header class="md-header')
    if header >= 0:
        return page[:header] + notice + page[header:]
    return with_banner(page.encode("utf-8"), notice).decode("utf-8")


def with_banner(page: bytes, notice: str) -> bytes:
    """``page`` with ``notice`` right after its ``<body>`` tag (or first, without one)."""
    if not notice:
        return page
    data = notice.encode("utf-8")
    found = _BODY.search(page)
    if found is None:
        return data + page
    return page[: found.end()] + data + page[found.end() :]
