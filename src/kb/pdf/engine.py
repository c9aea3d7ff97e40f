"""WeasyPrint at the edge: a print job in, a PDF file and the problems it met out.

This is the only module that imports WeasyPrint. It runs in worker
processes too, so its entry point takes and returns plain data. WeasyPrint
reports unusable images and stylesheet mistakes through its logger instead
of raising; they are collected here and turned into problems that name the
document (and the line of the image) they come from.
"""

from __future__ import annotations

import logging
import mimetypes
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

import weasyprint
from weasyprint.urls import URLFetcher, URLFetcherResponse

from kb.inventory import read_content_file
from kb.problems import Problem

from . import booklet
from .files import write_atomic
from .printhtml import PrintJob

#: WeasyPrint names the anchor in quotes shortly after the word; bounded, so that an
#: id made of "anchor" repeated cannot make the search quadratic.
_ANCHOR = re.compile(r"anchor[^'\"]{0,80}['\"]([^'\"]+)['\"]")


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


def _read_image(url: str, content_dir: Path, images: frozenset[str]) -> tuple[bytes, str]:
    """The bytes and type of one of the job's own images; anything else is refused.

    A print job names every image it embeds, each checked to be a picture in
    the content folder: nothing else is read, whatever the HTML asks for
    (an attachment, a stylesheet, a file through a link).
    """
    if url not in images:
        raise ValueError(f"{url} is not one of the document's images; only those are printed")
    path = Path(url2pathname(unquote(urlsplit(url).path)))
    data = read_content_file(content_dir, path)
    return data, mimetypes.guess_type(path.name)[0] or "application/octet-stream"


class _LocalFiles(URLFetcher):  # type: ignore[misc]
    """Fetches the job's own images only: nothing else is read, nothing leaves the machine."""

    def __init__(self, content_dir: str, images: frozenset[str]) -> None:
        super().__init__(allowed_protocols=("file",))
        self.content_dir = Path(content_dir)
        self.images = images

    def fetch(self, url: str, headers: object = None) -> object:
        data, mime_type = _read_image(url, self.content_dir, self.images)
        return URLFetcherResponse(url, data, {"Content-Type": mime_type})


def _fetcher(job: PrintJob) -> _LocalFiles:
    images = frozenset(url for url, _path, _line in job.images)
    content_dir = Path(job.allowed_roots[0]) if job.allowed_roots else None
    return _LocalFiles(str(content_dir or ""), images)


def render_options(archival: bool = False) -> dict[str, object]:
    """How kb asks WeasyPrint for a PDF (besides the file identifier).

    Tagged PDF/UA-1 by default: a structure tree (headings, lists, tables,
    figures with their alt text) in reading order, the language and the title
    shown, so that a screen reader can read the PDF and text can be reflowed.

    ``archival``: PDF/A-3b for archives (fonts embedded, an sRGB output
    intent, XMP metadata naming the part and conformance), still tagged. Its
    XMP claims PDF/A only: the PDF/UA identifier is not a property PDF/A
    predefines, and declaring it would need an XMP extension schema.
    """
    if archival:
        return {"pdf_variant": "pdf/a-3b", "pdf_tags": True}
    return {"pdf_variant": "pdf/ua-1"}


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
        options = render_options(job.archival)
        html = weasyprint.HTML(string=job.html, url_fetcher=_fetcher(job))
        # The variant's defaults (PDF/A's output intent) apply from the layout on.
        document = html.render(**options)
        with warnings.catch_warnings():
            # WeasyPrint opens its sRGB profile for PDF/A's output intent and leaves
            # the file to the garbage collector; nothing kb can close.
            warnings.filterwarnings(
                "ignore", r"unclosed file .*sRGB2014\.icc", category=ResourceWarning
            )
            data = document.write_pdf(pdf_identifier=identifier, **options)
        if job.kind == "booklet":
            data = booklet.impose(data)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate
    write_atomic(target, data)
    problems = tuple(_problem(job, record) for record in handler.records)
    return Rendered(pages=len(document.pages), problems=problems)
