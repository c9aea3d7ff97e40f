"""PDF digests and printable packs, rendered with WeasyPrint from the site's Markdown.

``build_downloads`` is what ``kb build`` calls; ``render_pack`` and
``render_document`` serve ``kb pdf``. WeasyPrint itself is imported only by
``kb.pdf.engine``, when something has to be rendered.
"""

from __future__ import annotations

from kb.pdf.build import (
    Download,
    PdfCache,
    PdfProblems,
    build_downloads,
    downloads_by_document,
    render_document,
    render_pack,
)

__all__ = [
    "Download",
    "PdfCache",
    "PdfProblems",
    "build_downloads",
    "downloads_by_document",
    "render_document",
    "render_pack",
]
