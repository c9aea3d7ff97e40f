"""What every generated page is made of: its file and fragments, links, names, templates.

Every value that comes from front matter or the taxonomy goes through Jinja2
with autoescaping, so a title such as ``<script>`` shows as text. The
generated HTML (panels, lists, tables) is not given to Markdown: the page's
Markdown holds a placeholder for each fragment, put in place after MkDocs
has rendered it (``inject``).
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import jinja2

from kb import i18n, urls
from kb.i18n import N_
from kb.model import Term

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


@lru_cache(maxsize=1)
def compiled_templates() -> jinja2.BytecodeCache | None:
    """Where Jinja keeps templates it compiled, for the next environment and the next build:
    its own folder for this user in the system's temporary folder, each entry checked
    against its template's source. Compiling kb's and Material's templates again took
    0.77 s of a profiled rebuild of 1,000 documents (38 compilations: kb's three times
    over, for a site in three languages)."""
    try:
        return jinja2.FileSystemBytecodeCache()
    except (OSError, RuntimeError):  # no temporary folder kb may use: compile each time
        return None


@lru_cache(maxsize=16)
def environment(language: str) -> jinja2.Environment:
    """The templates with the interface strings, labels and names of ``language``."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("kb.site", "templates"),
        bytecode_cache=compiled_templates(),
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
        comma=i18n.list_separator(language),
        direction=i18n.direction,
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
