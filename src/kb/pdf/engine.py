"""WeasyPrint at the edge: a print job in, a PDF file and the problems it met out.

This is the only module that imports WeasyPrint. It runs in worker
processes too, so its entry point takes and returns plain data. WeasyPrint
reports unusable images and stylesheet mistakes through its logger instead
of raising; they are collected here and turned into problems that name the
document (and the line of the image) they come from.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import weasyprint

from kb.problems import Problem

from .files import write_atomic
from .printhtml import PrintJob

try:  # WeasyPrint 68 and later fetch through a class that can be narrowed
    from weasyprint.urls import URLFetcher
except ImportError:  # pragma: no cover - older WeasyPrint: its default fetcher
    URLFetcher = None

_ANCHOR = re.compile(r"anchor[^'\"]*['\"]([^'\"]+)['\"]")


@dataclass(frozen=True)
class Rendered:
    """What rendering left in the cache: the page count and the problems met."""

    pages: int
    problems: tuple[Problem, ...]


class _Collector(logging.Handler):
    """Keeps WeasyPrint's warnings and errors for the duration of one render."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


if URLFetcher is not None:

    class _LocalFiles(URLFetcher):  # type: ignore[misc]
        """Fetches local files inside the project only: nothing leaves the machine."""

        def __init__(self, roots: tuple[str, ...]) -> None:
            super().__init__(allowed_protocols=("file",))
            self.roots = tuple(Path(r).resolve() for r in roots)

        def fetch(self, url: str, headers: object = None) -> object:
            path = Path(url2pathname(unquote(urlsplit(url).path))).resolve()
            if not any(path.is_relative_to(root) for root in self.roots):
                raise ValueError(f"{url} is outside the project; only its own files are printed")
            return super().fetch(url, headers)


def _fetcher(job: PrintJob) -> object:
    if URLFetcher is None:  # pragma: no cover - older WeasyPrint
        return None
    return _LocalFiles(job.allowed_roots)


def _problem(job: PrintJob, record: logging.LogRecord) -> Problem:
    """Where a WeasyPrint message belongs: the image's line, the document, or the pack."""
    message = record.getMessage()
    for url, path, line in job.images:
        if url in message:
            return Problem(
                path,
                line,
                "image",
                f"the image {Path(url2pathname(urlsplit(url).path)).name} could not be "
                "printed (it is not a readable picture); replace the file",
                "warning",
            )
    anchor = _ANCHOR.search(message)
    if anchor:
        for doc_id, path in job.documents:
            if anchor.group(1) in (doc_id, f"#{doc_id}") or anchor.group(1).lstrip("#").startswith(
                f"{doc_id}--"
            ):
                return Problem(path, 1, "link", f"in print: {message}", "warning")
    return Problem(job.source, 1, "pdf", f"WeasyPrint: {message}", "warning")


def render_to_file(job: PrintJob, target: Path, identifier: bytes) -> Rendered:
    """Render ``job`` to ``target`` (written atomically) and report what went wrong.

    ``identifier`` becomes the PDF's file identifier: derived from the input,
    so the same input gives the same bytes.
    """
    handler = _Collector()
    logger = logging.getLogger("weasyprint")
    level, propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    # Collected here and reported as problems; printed raw they would be noise.
    logger.propagate = False
    if logger.getEffectiveLevel() > logging.WARNING:
        logger.setLevel(logging.WARNING)
    try:
        document = weasyprint.HTML(string=job.html, url_fetcher=_fetcher(job)).render()
        data = document.write_pdf(pdf_identifier=identifier)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate
    write_atomic(target, data)
    problems = tuple(_problem(job, record) for record in handler.records)
    return Rendered(pages=len(document.pages), problems=problems)
