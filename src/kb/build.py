"""``kb build``: run the stages in order and swap the new site in atomically.

load → validate (stop on errors) → PDFs → pages (kept in memory) → MkDocs,
rendering into the new site (meanwhile, in two more processes: document
panels with the catalogue, and the search index) → pages finished, panels
injected → search index moved in; catalogue, feed, PDFs → files the old site
has byte for byte linked to it (see kb.output.link_unchanged) → swap.
The new site is built in a sibling folder and only replaces ``site/`` once
everything has succeeded, so a failed or interrupted build leaves the
previous site as it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
import os
import pickle
import shutil
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from kb.config import Settings
from kb.errors import KbError
from kb.graph import KnowledgeGraph
from kb.inventory import read_content_file, take_inventory
from kb.lifeline import worker_pool
from kb.limits import nested_too_deeply
from kb.loader import LoadResult
from kb.model import Document, KnowledgeBase
from kb.output import (
    describe_os_error,
    link_unchanged,
    staging_folder,
    swap,
    working_folder,
)
from kb.rendering import RenderFolder, can_render_changed_only, code_digest, render_state
from kb.site import cite, problem_banner
from kb.site.bundle import offer_bundle, write_bundle
from kb.site.chrome import site_chrome
from kb.site.compress import begin_compression, compress_site
from kb.site.downloads import Download
from kb.site.feeds import catalogue, write_catalogue, write_feed
from kb.site.finish import Finish, drop_folded_material, finish_site, owner_stylesheets
from kb.site.finished import FinishMemo, digest
from kb.site.kept_panels import ListingMemo, PanelMemo
from kb.site.mkdocs_config import (
    copy_assets,
    owner_plugins,
    write_effective_config,
)
from kb.site.offline import bundle_name, write_offline
from kb.site.pages import (
    SiteGenerator,
    Written,
    document_fragments_job,
    page_url,
    write_pages,
)
from kb.site.rendered import RenderingStore
from kb.site.search_index import build_search_index, link_search_pages, write_chunk_table


@dataclass
class BuildReport:
    documents: int
    pages: int
    downloads: int
    seconds: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: The zip for reading from disk, from the site's root, and its size in bytes.
    bundle: str = ""
    bundle_size: int = 0
    #: Pages MkDocs rendered: all of them, or those whose Markdown changed (see kb.rendering).
    rendered: int = 0
    #: Rendered pages finished anew; the others were the previous site's (kb.site.finished).
    finished: int = 0


def site_documents(result: LoadResult, drafts: bool) -> list[Document]:
    docs = result.knowledge_base.documents.values()
    return sorted((d for d in docs if drafts or not d.is_draft), key=lambda d: d.id)


class _Collect(logging.Handler):
    """Keeps MkDocs' warnings to report them once, in kb's words."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _mkdocs_logging() -> Iterator[_Collect]:
    logger = logging.getLogger("mkdocs")
    handler = _Collect()
    previous = (logger.level, logger.propagate)
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous[0])
        logger.propagate = previous[1]


@contextlib.contextmanager
def _source_date(documents: Sequence[Document]) -> Iterator[None]:
    """Dates MkDocs writes (sitemap) come from the content, not the clock."""
    newest = max((d.last_changed for d in documents), default=dt.date(2000, 1, 1))
    epoch = int(dt.datetime.combine(newest, dt.time(), dt.timezone.utc).timestamp())
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


def run_mkdocs(
    config_path: Path,
    *,
    dirty: bool = False,
    pages: Written | None = None,
    site_dir: Path | None = None,
    store: RenderingStore | None = None,
) -> list[str]:
    """Render with MkDocs in this process; returns its warnings.

    ``pages``: pages ``write_pages`` kept in memory, given to MkDocs from there;
    ``site_dir``: where to render instead of the configuration's folder;
    ``store``: where each page's rendering is kept (``kb.site.rendered``).
    """
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    from kb.site.mkdocs_pages import KbRendering

    with _mkdocs_logging() as collected:
        try:
            config = load_config(config_file=str(config_path))
            if site_dir is not None:
                config["site_dir"] = str(site_dir)
            config.plugins["kb"] = (
                KbRendering(pages.texts, pages.written, store)
                if pages is not None
                else KbRendering(store=store)
            )
            mkdocs_build(config, dirty=dirty)
        except MkDocsException as exc:
            raise KbError(f"MkDocs could not build the site: {exc.format_message()}") from None
        except RecursionError:
            raise KbError(nested_too_deeply("a page")) from None
    return collected.messages


def generate(
    result: LoadResult,
    build_dir: Path,
    documents: Sequence[Document],
    downloads: Sequence[Download],
    graph: KnowledgeGraph,
    *,
    only: set[str] | None = None,
    listings: bool = True,
    fragments: bool = True,
    kept_listings: ListingMemo | None = None,
    in_memory: Mapping[str, str] | None = None,
) -> tuple[Path, Written]:
    """Write the pages and the effective config into ``build_dir``; only changed files.

    With ``only`` (document ids), just those documents' pages are written,
    and the listing pages too when ``listings``; the rest stay as they are.
    Without ``fragments``, document pages are written without their panels
    (``document_fragments_job`` makes those). ``kept_listings``: the last
    build's lists of documents, taken again where made from the same.
    ``in_memory``: the pages are kept in memory for MkDocs (``run_mkdocs``),
    not written; the mapping holds the last build's hashes of them
    (``Written.digests``), to tell which changed.
    """
    settings = result.settings
    docs_dir = build_dir / "docs"
    generator = SiteGenerator(
        settings, result.knowledge_base, graph, documents, downloads, kept_listings=kept_listings
    )
    pages = generator.pages(only, listings, fragments)
    written = write_pages(pages, None if in_memory is not None else docs_dir, in_memory)
    copy_media(settings, docs_dir / "media")
    copy_assets(settings, docs_dir)
    if in_memory is not None:
        # Files left by a build that wrote its pages would be read as pages twice.
        for stale in docs_dir.rglob("*.md"):
            stale.unlink()
    elif only is None:
        seen_paths = {docs_dir / p for p in written.seen}
        for stale in docs_dir.rglob("*.md"):
            if stale not in seen_paths:
                stale.unlink()
    else:
        kept = {generator.document_page_path(d) for d in documents}
        for doc_type_folder in {p.split("/")[0] for p in kept}:
            for page in (docs_dir / doc_type_folder).glob("*.md"):
                rel = page.relative_to(docs_dir).as_posix()
                if rel not in kept and page.name != "index.md":
                    page.unlink()
    return docs_dir, written


def copy_media(settings: Settings, target: Path) -> None:
    """The published files kept beside documents (images, PDF files), at the same paths.

    The content folder is walked again here, at copy time, and each file is
    opened without following links: what ``kb check`` saw is not trusted to
    still be there. Files no longer published are removed from ``target``.
    """
    inventory = take_inventory(settings)
    content_dir = settings.content_dir
    wanted = set()
    for path in inventory.media:
        relative = path.relative_to(content_dir)
        wanted.add(relative)
        destination = target / relative
        try:
            data = read_content_file(content_dir, path)
            if (
                destination.is_file()
                and not destination.is_symlink()
                and destination.stat().st_size == len(data)
                and destination.read_bytes() == data
            ):
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.unlink(missing_ok=True)
            # Exclusive creation never writes through a link left in the build folder.
            with destination.open("xb") as stream:
                stream.write(data)
        except OSError as exc:
            raise KbError(
                f"{settings.rel(path)}: cannot be published: {exc.strerror or exc}; run kb check"
            ) from None
    for folder, folders, files in os.walk(target, topdown=False):
        here = Path(folder)
        for name in folders:
            if (here / name).is_symlink():
                (here / name).unlink()
        for name in files:
            if (here / name).relative_to(target) not in wanted:
                (here / name).unlink()
        if here != target and not any(here.iterdir()):
            here.rmdir()


def build(
    result: LoadResult,
    out: Path,
    *,
    drafts: bool = False,
    pdf: bool = True,
    document_pdfs: bool = True,
    strict: bool = False,
    search: bool = True,
    bundle: bool = False,
    preview: bool = False,
    helpers: ProcessPoolExecutor | None = None,
) -> BuildReport:
    """Build the whole site into ``out``, atomically.

    ``document_pdfs=False`` renders the packs only, not one PDF per document;
    ``bundle`` also zips the site for reading from disk (``kb.site.bundle``);
    ``preview`` builds a site despite errors (for a pull request's hosted
    preview): the documents without errors, and the errors at the top of
    every page. ``helpers``: ``build_helpers()`` started before the project
    was loaded (the build shuts them down); by default they are started here.
    The build works in a folder of its own (removed at the end) and turns a
    full disk or a folder it may not write into a KbError; the old site stays.
    """
    build_dir = working_folder(result.settings.root)
    try:
        if build_dir.exists():
            shutil.rmtree(build_dir)
        build_dir.mkdir(parents=True)
        return _build_in(
            result,
            out.resolve(),
            build_dir,
            drafts,
            pdf,
            document_pdfs,
            strict,
            search,
            bundle,
            preview,
            helpers or build_helpers(),
        )
    except OSError as exc:
        # A full disk or a folder kb may not write: the old site is still in place.
        raise KbError(describe_os_error(exc)) from None
    except BrokenProcessPool:
        raise KbError(
            "a helper process of the build stopped abruptly (out of memory, or killed); "
            "the site was not changed: build again"
        ) from None
    finally:
        shutil.rmtree(build_dir, ignore_errors=True)


def _build_in(
    result: LoadResult,
    out: Path,
    build_dir: Path,
    drafts: bool,
    pdf: bool,
    document_pdfs: bool,
    strict: bool,
    search: bool,
    bundle: bool,
    preview: bool,
    helpers: ProcessPoolExecutor,
) -> BuildReport:
    """The stages of ``build``, working in ``build_dir``, with two ``helpers`` processes."""
    settings = result.settings
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    documents = site_documents(result, drafts)
    downloads: list[Download] = []
    pdf_dir = build_dir / "downloads"
    if pdf:
        from kb.pdf import build_downloads

        downloads = build_downloads(
            result, pdf_dir, strict=strict, drafts=drafts, documents=document_pdfs
        )
        lap("pdf")
    staging = staging_folder(out)
    if staging.exists():
        shutil.rmtree(staging)
    index_dir = build_dir / "pagefind"
    # Work that needs the documents but not the rendered site runs in two more
    # processes while MkDocs renders here: the search index, and the document
    # panels and relations (with the catalogue, which needs the same relations).
    code = code_digest()
    render = RenderFolder.of(settings)
    store = RenderingStore(render.root / "rendered.sqlite")
    try:
        indexing = (
            helpers.submit(
                build_search_index,
                documents,
                result.knowledge_base.taxonomy,
                settings,
                index_dir,
                result.knowledge_base.glossary,
                settings.root / ".kb-cache" / "search-records",
                code,
            )
            if search
            else None
        )
        # One graph for the build: built here, and sent to the panels' process
        # as bytes taken now, before rendering here fills the graph's caches.
        graph = site_graph(result.knowledge_base, settings, drafts)
        extras = pickle.dumps((settings, result.knowledge_base, graph, documents, downloads, code))
        panels = helpers.submit(site_extras_job, extras)
        previous = render.take_state()
        kept_listings = ListingMemo.load(
            render.root / "listings.json",
            digest(code, repr(settings), repr(result.knowledge_base.taxonomy)),
        )
        # The pages go to MkDocs from memory, unless the owner's plugins may read them
        # from their files.
        known = previous.get("pages")
        in_memory = None if owner_plugins(settings) else known if isinstance(known, dict) else {}
        docs_dir, written = generate(
            result,
            render.root,
            documents,
            downloads,
            graph,
            fragments=False,
            kept_listings=kept_listings,
            in_memory=in_memory,
        )
        lap("pages")
        # MkDocs renders into the new site; each page's rendering is kept in the store.
        config_path = write_effective_config(settings, render.root, docs_dir, render.html)
        state = render_state(settings, config_path, docs_dir, code, written.digests)
        shutil.rmtree(render.html, ignore_errors=True)  # where earlier versions rendered
        references = cite.site_references(settings, documents, downloads)
        known = previous.get("citations") if previous.get("code") == state["code"] else None
        # With nothing to take from the last build, the citation files' texts are
        # made in a helper process (queued behind the search index and the panels).
        citing = (
            None if isinstance(known, dict) else helpers.submit(cite.citation_files, references)
        )
        changed_only = can_render_changed_only(previous, state)
        store.begin(staging, clear=not changed_only)
        with _source_date(documents):
            warnings = run_mkdocs(
                config_path, dirty=changed_only, pages=written, site_dir=staging, store=store
            )
        if changed_only:
            warnings = [w for w in warnings if "'dirty' build" not in w]
        store.keep_only({page_url(p) + "index.html" for p in written.seen})
        rendered = store.written
        lap("mkdocs")
        if strict and warnings:
            raise KbError(
                "the site has warnings (strict build):\n" + "\n".join(f"  {w}" for w in warnings)
            )
        # What needs nothing from the panels' process is done while it works.
        previous_site = out if out.is_dir() else None
        write_feed(staging, settings, result.knowledge_base, documents)
        citations = (
            cite.write_citation_files(staging, references, known, previous_site)
            if citing is None and isinstance(known, dict)
            else None
        )
        lap("feed and citations")
        document_panels, catalogue_data = panels.result()
        memo = FinishMemo.load(render.finished, str(state["code"]), out if out.is_dir() else None)
        finished = finish_site(
            staging,
            Finish(
                settings.default_language,
                written.languages,
                material_javascript=settings.material_javascript,
                chrome=site_chrome(settings, written.alternates),
                offline=True,
                notice=(
                    functools.partial(
                        problem_banner.banner,
                        result.errors,
                        language=settings.default_language,
                    )
                    if preview and result.errors
                    else None
                ),
            ),
            written.seen,
            {**written.fragments, **document_panels},
            lighten=True,
            owner=owner_stylesheets(staging, settings.mkdocs),
            rendered=store,
            memo=memo,
        )
        drop_folded_material(staging, keep_javascript=settings.material_javascript)
        lap("panels (waiting), injection and finishing")
        # A clean build compresses what it has (the finished pages most of all) in
        # the helpers while the rest is written; what changes after is compressed again.
        begun = begin_compression(staging, helpers) if not out.is_dir() else []
        if indexing is not None:
            indexing.result()
            # Moved, not copied: one rename when the site is on the project's disk.
            shutil.move(index_dir, staging / "pagefind")
            link_search_pages(staging)
            write_chunk_table(staging)
            lap("search index (waiting)")
        write_catalogue(staging, catalogue_data)
        if citations is None:
            citations = cite.write_citation_files(
                staging,
                references,
                citing.result() if citing is not None else None,
                previous_site,
            )
        if pdf and pdf_dir.exists():
            shutil.copytree(pdf_dir, staging / "downloads", dirs_exist_ok=True)
        if bundle:
            made = write_bundle(
                staging,
                staging / "downloads" / bundle_name(settings.site_name),
                settings,
                result.knowledge_base,
                documents,
            )
            offer_bundle(staging, made)
            lap("bundle")
        else:
            made = None
        lap("outputs")
        if out.is_dir():
            link_unchanged(staging, out)
        lap("unchanged files linked")
        write_offline(
            staging,
            documents,
            downloads,
            settings.site_languages,
            out if out.is_dir() else None,
        )
        lap("offline manifest")
        compress_site(staging, out if out.is_dir() else None, helpers, begun)
        lap("compression")
        swap(staging, out)
        lap("swap (the old site removed)")
        # The renderings first: the state says they are this build's.
        store.commit()
        render.keep_state(
            {**state, "warnings": bool(warnings), "citations": citations, "pages": written.digests}
        )
        memo.save()
        kept_listings.save()
        lap("state and memos kept")
    except BaseException:
        # The helpers first: they may be writing compressed copies into the staging folder.
        helpers.shutdown(wait=True, cancel_futures=True)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        store.close()
        helpers.shutdown(wait=True, cancel_futures=True)
    report = BuildReport(
        len(documents),
        len(written.seen),
        len(downloads),
        timings,
        warnings,
        rendered=rendered,
        finished=finished,
    )
    if made is not None:
        report.bundle = made.path.relative_to(staging).as_posix()
        report.bundle_size = made.size
    return report


def ready() -> None:
    """A helper's first task: none, once this module (most of kb) is imported there."""


def build_helpers() -> ProcessPoolExecutor:
    """The build's two helper processes, started now: ``kb build`` starts them before
    loading the project, so that they import kb meanwhile (half a second each)."""
    helpers = worker_pool(2, get_context("spawn"))
    for _ in range(2):
        helpers.submit(ready)
    return helpers


def site_graph(knowledge_base: KnowledgeBase, settings: Settings, drafts: bool) -> KnowledgeGraph:
    """The graph of what the site publishes; links resolve against the project's content folder."""
    return KnowledgeGraph.build(
        knowledge_base,
        include_drafts=drafts,
        content_prefix=settings.rel(settings.content_dir),
    )


def site_extras_job(extras: bytes) -> tuple[dict[str, Mapping[str, str]], dict[str, Any]]:
    """Document panels by page path, and the catalogue: both need every relation.

    ``extras``: the pickled settings, knowledge base, graph, documents, downloads,
    and kb's code digest (the kept panels are this code's: ``kb.site.kept_panels``).
    """
    settings, knowledge_base, graph, documents, downloads, code = pickle.loads(extras)
    memo = PanelMemo.load(
        RenderFolder.of(settings).root / "panels.json",
        digest(code, repr(settings), repr(knowledge_base.taxonomy)),
    )
    panels = document_fragments_job(settings, knowledge_base, graph, documents, downloads, memo)
    memo.save()
    return panels, catalogue(settings, knowledge_base, graph, documents, downloads)
