"""Markdown to HTML, configured once for both the site and the PDFs.

The site is rendered by MkDocs with the extensions listed here (written into
the effective ``mkdocs.yml``); the PDFs are rendered with the same list, so a
table or an admonition looks the same online and on paper. Both end with kb's
sanitiser (``kb.sanitize``), so a body publishes the same HTML in both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import markdown
from markdown.extensions import Extension

from kb import sanitize
from kb.citations import PLACE_MARKER, footnote_definitions, has_footnotes
from kb.config import Settings
from kb.glossary import abbreviation_definitions
from kb.model import Document, GlossaryTerm

#: Used when the site owner's mkdocs.yml names no markdown_extensions.
DEFAULT_EXTENSIONS: list[Any] = [
    "abbr",
    "admonition",
    "attr_list",
    "def_list",
    "footnotes",
    "md_in_html",
    "tables",
    {"toc": {"permalink": True}},
    "pymdownx.details",
    "pymdownx.superfences",
    "pymdownx.tilde",
    # "- [ ] ..." items are tick boxes, on the site and on paper (worksheets).
    "pymdownx.tasklist",
]


#: What kb's own Markdown needs: citations are footnotes, glossary terms abbreviations.
REQUIRED_EXTENSIONS = ("abbr", "footnotes")


def markdown_extensions(settings: Settings) -> list[Any]:
    """The extensions list as mkdocs.yml writes it (names, or one-key mappings).

    The owner's list, when there is one, gets the extensions kb's generated
    Markdown relies on if it lacks them.
    """
    configured = settings.mkdocs.get("markdown_extensions")
    extensions = list(configured) if configured else list(DEFAULT_EXTENSIONS)
    names, _configs = split_extensions(extensions)
    for required in REQUIRED_EXTENSIONS:
        if required not in names and f"markdown.extensions.{required}" not in names:
            extensions.append(required)
    return extensions


def site_extensions(settings: Settings) -> list[Any]:
    """The extensions MkDocs renders the site with: the owner's (or kb's), then the sanitiser."""
    return [*markdown_extensions(settings), sanitize.extension_entry(settings)]


def split_extensions(extensions: list[Any]) -> tuple[list[str], dict[str, Any]]:
    """mkdocs.yml's list form into python-markdown's names and configs."""
    names: list[str] = []
    configs: dict[str, Any] = {}
    for entry in extensions:
        if isinstance(entry, dict):
            for name, config in entry.items():
                names.append(name)
                configs[name] = config or {}
        else:
            names.append(str(entry))
    return names, configs


def markdown_renderer(
    settings: Settings,
    extra: Sequence[Extension] = (),
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    sanitiser: sanitize.SanitiseExtension | None = None,
) -> markdown.Markdown:
    """A renderer with the site's extensions, ending with the sanitiser.

    ``extra`` adds extension instances after them (the PDF adds one that
    rewrites links for print); ``overrides`` changes or adds the configuration
    of named extensions (the PDF turns off the toc's permalink signs, which
    mean nothing on paper); ``sanitiser`` replaces the site's (the PDF's lets
    through the addresses of the images it embeds).
    """
    names, configs = split_extensions(markdown_extensions(settings))
    for name, config in (overrides or {}).items():
        if name not in names:
            names.append(name)
        configs[name] = {**configs.get(name, {}), **config}
    cleaning = sanitiser or sanitize.SanitiseExtension(rules=sanitize.policy(settings))
    return markdown.Markdown(extensions=[*names, *extra, cleaning], extension_configs=configs)


def document_markdown(
    doc: Document, body: str, glossary: Sequence[GlossaryTerm], *, place_notes: bool = False
) -> str:
    """A body as kb renders it: with the notes of the sources it cites and its abbreviations.

    The site and the PDFs both render this text, so a citation reads and links
    the same way on screen and on paper. ``place_notes`` puts the notes where
    the body ends (a site page goes on with kb's panels after it).
    """
    parts = [body.rstrip("\n")]
    if place_notes and has_footnotes(doc):
        parts.append(PLACE_MARKER)
    notes = footnote_definitions(doc)
    if notes:
        parts.append(notes)
    abbreviations = abbreviation_definitions(f"{doc.title}\n{body}", glossary, doc.language)
    if abbreviations:
        parts.append(abbreviations)
    return "\n\n".join(parts) + "\n"


def render_markdown(text: str, settings: Settings) -> str:
    """Render a body to HTML with the site's extensions."""
    return markdown_renderer(settings).convert(text)
