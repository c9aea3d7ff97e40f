"""Markdown to HTML, configured once for both the site and the PDFs.

The site is rendered by MkDocs with the extensions listed here (written into
the effective ``mkdocs.yml``); the PDFs are rendered with the same list, so a
table or an admonition looks the same online and on paper.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import markdown
from markdown.extensions import Extension

from kb.config import Settings

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
]


def markdown_extensions(settings: Settings) -> list[Any]:
    """The extensions list as mkdocs.yml writes it (names, or one-key mappings)."""
    configured = settings.mkdocs.get("markdown_extensions")
    return list(configured) if configured else list(DEFAULT_EXTENSIONS)


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
) -> markdown.Markdown:
    """A renderer with the site's extensions.

    ``extra`` adds extension instances after them (the PDF adds one that
    rewrites links for print); ``overrides`` changes or adds the configuration
    of named extensions (the PDF turns off the toc's permalink signs, which
    mean nothing on paper).
    """
    names, configs = split_extensions(markdown_extensions(settings))
    for name, config in (overrides or {}).items():
        if name not in names:
            names.append(name)
        configs[name] = {**configs.get(name, {}), **config}
    return markdown.Markdown(extensions=[*names, *extra], extension_configs=configs)


def render_markdown(text: str, settings: Settings) -> str:
    """Render a body to HTML with the site's extensions."""
    return markdown_renderer(settings).convert(text)
