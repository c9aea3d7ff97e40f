"""Render packs and documents to PDF: cached, in parallel, written only when all is well.

Each PDF is described by a print job (its whole HTML, CSS included, plus the
images it embeds). The job's hash is the cache key, so anything that changes
the printed result (a document's text or metadata, a template, the CSS, a
setting, the taxonomy labels, an image, the WeasyPrint version, the way kb
calls it or the font files the stylesheet's names resolve to) makes a new
key, and an unchanged PDF is copied from ``.kb-cache/pdf/`` instead of
being rendered again. Jobs that miss the cache render in parallel, one
process per core. Output is written only after every job has rendered and
no problem fails the run, each file atomically.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Literal

import click

from kb.errors import KbError, ProblemsFound
from kb.inventory import read_content_file
from kb.lifeline import worker_pool
from kb.loader import LoadResult
from kb.model import Document
from kb.packs import Pack, load_packs, pack_language, select
from kb.pdf.needs import load_engine
from kb.problems import Problem, format_problems, sort_problems
from kb.typography import typeset
from kb.urls import document_pdf_url, pack_pdf_url

from .files import copy_atomic, write_atomic
from .fonts import fonts_digest
from .printhtml import Cover, PrintJob, PrintRenderer, document_job, newest_date, pack_job

#: Bump when the cache's layout or meaning changes.
CACHE_FORMAT = "kb-pdf-1"
CACHE_DIR = Path(".kb-cache") / "pdf"


@dataclass(frozen=True)
class Download:
    """A PDF on the site, as the downloads page and document pages list it.

    ``url`` is relative to the site root (``downloads/packs/<id>.pdf``),
    ``size`` in bytes, ``date`` the newest change among its documents.
    """

    kind: Literal["pack", "document", "booklet"]
    id: str
    title: str
    description: str
    url: str
    pages: int
    size: int
    date: dt.date
    document_ids: tuple[str, ...]
    language: str
    subtitle: str = ""
    #: PDF/A-3b (for archives) rather than the default PDF/UA-1.
    archival: bool = False


class PdfProblems(ProblemsFound):
    """Rendering met problems that fail the run; they are in the message and ``problems``."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        super().__init__(
            f"{format_problems(self.problems, 'text')}\n"
            f"{count} problem{'s' if count != 1 else ''} in the PDFs; nothing was written"
        )


@dataclass(frozen=True)
class _Entry:
    """A cached PDF: where it is and what rendering it reported."""

    pdf: Path
    pages: int
    problems: tuple[Problem, ...]


class PdfCache:
    """PDFs by the hash of their print job, in ``<project>/.kb-cache/pdf/``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._engine = _engine_version()

    def key(self, job: PrintJob) -> str:
        digest = hashlib.sha256()
        variant = "pdf/a-3b" if job.archival else "pdf/ua-1"
        for part in (CACHE_FORMAT, self._engine, variant, job.kind, job.id, job.html):
            digest.update(part.encode("utf-8"))
            digest.update(b"\0")
        for url, _path, _line in sorted(set(job.images)):
            digest.update(url.encode("utf-8"))
            digest.update(_file_digest(url, job.allowed_roots))
        return digest.hexdigest()

    def paths(self, job: PrintJob, key: str) -> tuple[Path, Path]:
        stem = self.folder / job.kind / f"{job.id}--{key[:32]}"
        return stem.with_suffix(".pdf"), stem.with_suffix(".json")

    def get(self, job: PrintJob, key: str) -> _Entry | None:
        pdf, sidecar = self.paths(job, key)
        if not (pdf.is_file() and sidecar.is_file()):
            return None
        try:
            data = json.loads(sidecar.read_text(encoding="utf-8"))
            problems = tuple(Problem(**p) for p in data["problems"])
            return _Entry(pdf, int(data["pages"]), problems)
        except (OSError, ValueError, KeyError, TypeError):
            return None  # a damaged entry is rendered again

    def put(self, job: PrintJob, key: str, pages: int, problems: Sequence[Problem]) -> _Entry:
        pdf, sidecar = self.paths(job, key)
        payload = {"pages": pages, "problems": [asdict(p) for p in problems]}
        write_atomic(sidecar, json.dumps(payload, indent=1).encode("utf-8"))
        # Older renders of the same pack or document will not be asked for again.
        for old in pdf.parent.glob(f"{job.id}--*"):
            if old.stem != pdf.stem and old.stem.rsplit("--", 1)[0] == job.id:
                old.unlink(missing_ok=True)
        return _Entry(pdf, pages, tuple(problems))


def _engine_version() -> str:
    """WeasyPrint's version and how kb calls it: a change to either renders again."""
    try:
        engine = f"weasyprint {version('weasyprint')}"
    except PackageNotFoundError:  # pragma: no cover - always installed with kb
        engine = "weasyprint"
    here = Path(__file__).parent
    code = b"".join((here / name).read_bytes() for name in ("engine.py", "booklet.py"))
    calls = hashlib.sha256(code).hexdigest()
    return f"{engine} {calls} fonts {fonts_digest()}"


def _file_digest(url: str, roots: tuple[str, ...]) -> bytes:
    from urllib.parse import unquote, urlsplit
    from urllib.request import url2pathname

    path = Path(url2pathname(unquote(urlsplit(url).path)))
    try:
        return hashlib.sha256(read_content_file(Path(roots[0]), path)).digest()
    except (OSError, IndexError):
        return b"missing"


# -- rendering many jobs ------------------------------------------------------


def _render_into_cache(job: PrintJob, key: str, folder: str) -> tuple[int, tuple[Problem, ...]]:
    """Worker entry point: render one job into the cache folder."""
    engine = load_engine()

    cache = PdfCache(Path(folder))
    pdf, _sidecar = cache.paths(job, key)
    try:
        rendered = engine.render_to_file(job, pdf, bytes.fromhex(key[:32]))
    except Exception as exc:  # one broken PDF must not hide the others
        return -1, (Problem(job.source, 1, "pdf", f"could not be rendered: {exc}"),)
    return rendered.pages, rendered.problems


def _pool_context() -> multiprocessing.context.BaseContext:
    # Forking shares the already imported WeasyPrint with the workers, but is
    # unsafe once threads run; then start clean interpreters instead.
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def render_jobs(
    jobs: Sequence[PrintJob], cache: PdfCache, workers: int | None = None
) -> list[_Entry]:
    """Each job's cached PDF, rendering the ones the cache does not hold."""
    keys = [cache.key(job) for job in jobs]
    entries: list[_Entry | None] = [
        cache.get(job, key) for job, key in zip(jobs, keys, strict=True)
    ]
    missing = [i for i, entry in enumerate(entries) if entry is None]
    # The longest jobs first, so that the last one to finish is a short one.
    missing.sort(key=lambda i: -len(jobs[i].html))
    count = min(workers or os.cpu_count() or 1, len(missing))
    results: dict[int, tuple[int, tuple[Problem, ...]]] = {}
    if count <= 1:
        for i in missing:
            results[i] = _render_into_cache(jobs[i], keys[i], str(cache.folder))
    else:
        load_engine()  # imported once here, shared by forked workers

        try:
            with worker_pool(count, _pool_context()) as pool:
                futures = {
                    pool.submit(_render_into_cache, jobs[i], keys[i], str(cache.folder)): i
                    for i in missing
                }
                for future in concurrent.futures.as_completed(futures):
                    results[futures[future]] = future.result()
        except BrokenProcessPool:
            raise KbError(
                "a PDF rendering process stopped abruptly (out of memory?); "
                "try again with fewer documents per pack"
            ) from None
    final: list[_Entry] = []
    for i, (job, key) in enumerate(zip(jobs, keys, strict=True)):
        entry = entries[i]
        if entry is None:
            pages, problems = results[i]
            if pages < 0:
                final.append(_Entry(cache.paths(job, key)[0], 0, problems))
                continue
            entry = cache.put(job, key, pages, problems)
        final.append(entry)
    return final


def _failing(problems: Iterable[Problem], strict: bool) -> list[Problem]:
    return [p for p in problems if p.is_error or strict]


def _echo_problems(problems: Sequence[Problem]) -> None:
    if problems:
        click.echo(format_problems(problems, "text"), err=True)


# -- what kb build and kb pdf call ----------------------------------------------


@dataclass(frozen=True)
class _Planned:
    job: PrintJob
    target: Path
    download: Callable[[int, int], Download]


def _plan_pack(
    pack: Pack,
    documents: Sequence[Document],
    printer: PrintRenderer,
    target: Path,
    *,
    booklet: bool = False,
) -> _Planned:
    settings = printer.settings
    language = pack_language(pack, documents, settings.default_language)
    cover = Cover(
        pack.id,
        pack.title,
        pack.subtitle,
        pack.introduction,
        right_hand_start=pack.right_hand_start,
        file_name=pack.file_name,
    )
    job = pack_job(cover, documents, printer, language, booklet=booklet)
    # A booklet is for printing; pypdf's imposition would not keep PDF/A anyway.
    archival = pack.archival and not booklet
    job = dataclasses.replace(job, archival=archival)

    def download(pages: int, size: int) -> Download:
        return Download(
            kind="booklet" if booklet else "pack",
            id=pack.id,
            title=typeset(pack.title, language),
            description=typeset(pack.subtitle or pack.introduction, language),
            subtitle=typeset(pack.subtitle, language),
            url=pack_pdf_url(pack.id, booklet=booklet),
            pages=pages,
            size=size,
            date=newest_date(documents),
            document_ids=tuple(d.id for d in documents),
            language=language,
            archival=archival,
        )

    return _Planned(job, target, download)


def _plan_document(
    doc: Document, printer: PrintRenderer, target: Path, *, archival: bool = False
) -> _Planned:
    job = dataclasses.replace(document_job(doc, printer), archival=archival)

    def download(pages: int, size: int) -> Download:
        return Download(
            kind="document",
            id=doc.id,
            title=doc.title,
            description=doc.summary,
            url=document_pdf_url(doc),
            pages=pages,
            size=size,
            date=doc.last_changed,
            document_ids=(doc.id,),
            language=doc.language,
            archival=archival,
        )

    return _Planned(job, target, download)


def _run(
    planned: Sequence[_Planned],
    cache: PdfCache,
    *,
    strict: bool,
    workers: int | None,
    report: Callable[[Sequence[Problem]], None] | None,
) -> list[Download]:
    entries = render_jobs([p.job for p in planned], cache, workers)
    problems = sort_problems(
        [p for plan in planned for p in plan.job.problems]
        + [p for entry in entries for p in entry.problems]
    )
    failing = _failing(problems, strict)
    if failing:
        raise PdfProblems(problems)
    (report or _echo_problems)(problems)
    downloads: list[Download] = []
    for plan, entry in zip(planned, entries, strict=True):
        copy_atomic(entry.pdf, plan.target)
        downloads.append(plan.download(entry.pages, plan.target.stat().st_size))
    return downloads


def cache_for(result: LoadResult) -> PdfCache:
    """The project's PDF cache."""
    return PdfCache(result.settings.root / CACHE_DIR)


def _in_downloads(out_dir: Path, url: str) -> Path:
    """Where a ``downloads/...`` URL lands inside the downloads folder ``out_dir``."""
    return out_dir / url.removeprefix("downloads/")


def build_downloads(
    result: LoadResult,
    out_dir: Path,
    *,
    strict: bool,
    drafts: bool = False,
    workers: int | None = None,
    documents: bool = True,
    report: Callable[[Sequence[Problem]], None] | None = None,
) -> list[Download]:
    """Render every pack and every published document into ``out_dir``.

    ``out_dir`` is the folder the site serves as ``downloads/``: packs go to
    ``out_dir/packs/<id>.pdf`` and documents to ``out_dir/documents/<id>.pdf``
    (their ``url`` is relative to the site root, as kb.urls gives it). PDFs
    there that this build did not make are removed. With ``drafts``, drafts
    are printed too (a preview build).

    Returns what the downloads page lists: packs in the order of
    ``packs.yml`` (each followed by its booklet, for packs that ask for one:
    ``packs/<id>-booklet.pdf``), then documents by id. Problems that fail the run (errors,
    or any problem when ``strict``) raise ``PdfProblems`` before anything is
    written; the others go to ``report`` (printed to stderr by default).
    ``workers`` defaults to the number of cores.
    """
    settings, knowledge_base = result.settings, result.knowledge_base
    packs, _problems = load_packs(settings, knowledge_base)  # kb check reports these
    printer = PrintRenderer(settings, knowledge_base)
    planned: list[_Planned] = []
    for pack in packs:
        chosen = select(pack, knowledge_base, drafts=drafts)
        if chosen:
            target = _in_downloads(out_dir, pack_pdf_url(pack.id))
            planned.append(_plan_pack(pack, chosen, printer, target))
            if pack.booklet:
                target = _in_downloads(out_dir, pack_pdf_url(pack.id, booklet=True))
                planned.append(_plan_pack(pack, chosen, printer, target, booklet=True))
    if documents:
        printed = knowledge_base.documents.values() if drafts else knowledge_base.published()
        for doc in sorted(printed, key=lambda d: d.id):
            target = _in_downloads(out_dir, document_pdf_url(doc))
            planned.append(_plan_document(doc, printer, target))
    downloads = _run(planned, cache_for(result), strict=strict, workers=workers, report=report)
    made = {plan.target for plan in planned}
    for folder in (out_dir / "packs", out_dir / "documents"):
        for stale in folder.glob("*.pdf") if folder.is_dir() else ():
            if stale not in made:
                stale.unlink()
    return downloads


def render_pack(
    result: LoadResult,
    pack: Pack,
    target: Path,
    *,
    strict: bool = False,
    booklet: bool = False,
    report: Callable[[Sequence[Problem]], None] | None = None,
) -> Download:
    """Render one pack (from packs.yml or made on the command line) to ``target``.

    With ``booklet``, as an A5 booklet imposed on A4 sheets (kb.pdf.booklet).
    The pack's ``archival`` asks for PDF/A-3b (not for a booklet).
    """
    chosen = select(pack, result.knowledge_base)
    printer = PrintRenderer(result.settings, result.knowledge_base)
    plan = _plan_pack(pack, chosen, printer, target, booklet=booklet)
    return _run([plan], cache_for(result), strict=strict, workers=1, report=report)[0]


def render_document(
    result: LoadResult,
    doc: Document,
    target: Path,
    *,
    strict: bool = False,
    archival: bool = False,
    report: Callable[[Sequence[Problem]], None] | None = None,
) -> Download:
    """Render one document's PDF to ``target`` (PDF/A-3b with ``archival``)."""
    printer = PrintRenderer(result.settings, result.knowledge_base)
    plan = _plan_document(doc, printer, target, archival=archival)
    return _run([plan], cache_for(result), strict=strict, workers=1, report=report)[0]


def downloads_by_document(downloads: Iterable[Download]) -> dict[str, list[Download]]:
    """For each document id, the pack downloads that contain it (for its page's links)."""
    found: dict[str, list[Download]] = {}
    for download in downloads:
        if download.kind == "pack":
            for doc_id in download.document_ids:
                found.setdefault(doc_id, []).append(download)
    return found
