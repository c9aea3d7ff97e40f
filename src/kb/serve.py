"""``kb serve``: a live preview that rebuilds only what an edit changed.

After an edit, kb compares the new documents with the previous ones and
writes the pages of the documents that changed and of those linked to or
from them (their backlinks and translations change with them), plus the
listing pages when titles, summaries or classifications changed. MkDocs'
dirty build then renders only the files that were written. Related
documents and the same theme at other levels on untouched pages may lag
until the next full `kb build`; the search index is built once at start.
"""

from __future__ import annotations

import dataclasses
import gzip
import http.server
import logging
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import click

from kb.build import generate, run_mkdocs, site_documents, site_graph
from kb.config import Settings
from kb.errors import KbError
from kb.graph import KnowledgeGraph
from kb.loader import LoadMemo, load_project
from kb.model import Document, GlossaryTerm, Taxonomy
from kb.problems import Problem, format_problems
from kb.site.chrome import site_chrome
from kb.site.compress import MINIMUM_SIZE, PrecompressedHandler, accepted
from kb.site.finish import Finish, finish_site
from kb.site.mkdocs_config import write_effective_config
from kb.site.problem_banner import banner, with_banner
from kb.site.search_index import build_search_index


def _listed(doc: Document) -> Document:
    """What listing pages show of a document: everything but the body."""
    return dataclasses.replace(doc, body="", body_line=0)


class Preview:
    def __init__(self, project: Path, *, drafts: bool) -> None:
        self.project = project
        self.drafts = drafts
        self.site_dir: Path | None = None
        self.previous: dict[str, Document] | None = None
        self.previous_graph: KnowledgeGraph | None = None
        self.previous_setup: object = None
        #: What each file gave the last load: only files written since are read again.
        self.memo = LoadMemo()
        self.settings: Settings | None = None
        self.taxonomy: Taxonomy | None = None
        self.glossary: tuple[GlossaryTerm, ...] = ()
        #: The errors of the last rebuild, shown at the top of every page until fixed.
        self.problems: list[Problem] = []
        #: Why the last rebuild could not run at all, if it could not.
        self.failure = ""
        self.language = "en"

    def notice(self, url_path: str) -> str:
        """The errors notice for the page at ``url_path`` (nothing when there are none)."""
        return banner(self.problems, url_path, self.language, self.failure)

    def rebuild(self, *, dirty: bool) -> bool:
        """One build into the preview folder, of the documents without errors.

        The errors are printed and kept for the notice on every page; a
        document with errors keeps its last good page. Returns whether
        anything was rebuilt.
        """
        result = load_project(self.project, memo=self.memo)
        self.problems = result.errors
        self.language = result.settings.default_language
        self.failure = ""
        if result.errors:
            click.echo(format_problems(result.errors, "text"), err=True)
            click.echo(
                f"{len(result.errors)} error{'s' if len(result.errors) != 1 else ''}: the "
                "preview shows them at the top of every page until they are fixed "
                "(documents with errors keep their last good page).",
                err=True,
            )
        build_dir = result.settings.root / ".kb-cache" / "serve"
        build_dir.mkdir(parents=True, exist_ok=True)
        self.site_dir = build_dir / "site"
        documents = site_documents(result, self.drafts)
        current = {d.id: d for d in documents}
        graph = site_graph(result.knowledge_base, result.settings, self.drafts)
        graph.follow(self.previous_graph)  # the unchanged documents' word vectors
        # The glossary's abbreviations are in every page that uses a term.
        knowledge_base = result.knowledge_base
        setup = (knowledge_base.taxonomy, knowledge_base.glossary, result.settings.mkdocs)
        only: set[str] | None = None
        listings = True
        if dirty and self.previous is not None and setup == self.previous_setup:
            changed = {
                i
                for i in current.keys() | self.previous.keys()
                if current.get(i) != self.previous.get(i)
            }
            if not changed:
                return True
            listings = any(
                i not in current
                or i not in self.previous
                or _listed(current[i]) != _listed(self.previous[i])
                for i in changed
            )
            only = set(changed)
            for old_or_new in (self.previous_graph, graph):
                for doc_id in changed:
                    if old_or_new is None or doc_id not in old_or_new:
                        continue
                    neighbours = (
                        old_or_new.backlinks(doc_id)
                        + old_or_new.links_from(doc_id)
                        + old_or_new.translations(doc_id)
                    )
                    only.update(d.id for d in neighbours)
        docs_dir, written = generate(
            result, build_dir, documents, [], graph, only=only, listings=listings
        )
        config = write_effective_config(result.settings, build_dir, docs_dir, self.site_dir)
        if written.written or not dirty:
            for warning in run_mkdocs(config, dirty=dirty):
                if "'dirty' build" not in warning:
                    click.echo(f"warning: {warning}", err=True)
            # MkDocs rendered the pages written now (all of them when not dirty).
            rendered = written.written if dirty else written.seen
            finish_site(
                self.site_dir,
                Finish(
                    result.settings.default_language,
                    written.languages,
                    material_javascript=result.settings.material_javascript,
                    chrome=site_chrome(result.settings, written.alternates),
                ),
                written.seen,
                written.fragments,
                # The preview keeps Material's whole stylesheet: an edit may use a
                # class no page used before.
                lighten=False,
                only=set(rendered) if dirty else None,
            )
        self.previous, self.previous_graph, self.previous_setup = current, graph, setup
        self.settings, self.taxonomy = result.settings, result.knowledge_base.taxonomy
        self.glossary = result.knowledge_base.glossary
        return True

    def first_build(self) -> None:
        """The full first build and its search index (of the documents without errors)."""
        self.rebuild(dirty=False)
        assert self.site_dir is not None and self.previous is not None
        assert self.settings is not None and self.taxonomy is not None
        build_search_index(
            list(self.previous.values()),
            self.taxonomy,
            self.settings,
            self.site_dir / "pagefind",
            self.glossary,
        )

    def serve(self, host: str, port: int) -> None:
        assert self.site_dir is not None and self.settings is not None
        server = _compressing_server()(
            builder=self._rebuild_quietly,
            host=host,
            port=port,
            root=str(self.site_dir),
        )
        server.notice = self.notice
        server.watch(str(self.settings.content_dir))
        server.watch(str(self.settings.root / "mkdocs.yml"))
        logging.getLogger("mkdocs.livereload").setLevel(logging.WARNING)
        try:
            server.serve()
        except KeyboardInterrupt:
            click.echo("Stopped.", err=True)
        finally:
            server.shutdown()

    def _rebuild_quietly(self) -> None:
        try:
            self.rebuild(dirty=True)
        except KbError as exc:  # mkdocs.yml or the taxonomy cannot be read, say
            self.failure = exc.format_message()
            print(f"kb serve: {self.failure}", file=sys.stderr)
        except Exception as exc:  # a preview must survive a bad edit
            self.failure = f"the preview could not be rebuilt: {exc}"
            print(f"kb serve: rebuild failed: {exc}", file=sys.stderr)


def _compressing_server() -> Any:
    """MkDocs' live-reload server, gzipping text as a production host does."""
    from mkdocs.livereload import LiveReloadServer

    class CompressingServer(LiveReloadServer):
        #: The errors notice for a page's address, put at the top of every HTML page.
        notice: Callable[[str], str] = staticmethod(lambda _path: "")

        def serve_request(
            self, environ: dict[str, Any], start_response: Callable[..., Any]
        ) -> Iterable[bytes]:
            captured: list[Any] = []

            def capture(status: str, headers: list[tuple[str, str]], *_: Any) -> None:
                captured[:] = [status, headers]

            result = super().serve_request(environ, capture)
            try:
                body = b"".join(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            status, headers = captured
            kind = next((v for k, v in headers if k.lower() == "content-type"), "")
            if kind.startswith("text/html"):
                body = with_banner(body, self.notice(environ.get("PATH_INFO", "/")))
                headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
                headers.append(("Content-Length", str(len(body))))
            textual = kind.startswith("text/") or kind.endswith(("javascript", "json", "xml"))
            wanted = "gzip" in accepted(environ.get("HTTP_ACCEPT_ENCODING", ""))
            if textual and wanted and len(body) >= MINIMUM_SIZE:
                body = gzip.compress(body, 6)
                headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
                headers += [
                    ("Content-Encoding", "gzip"),
                    ("Content-Length", str(len(body))),
                    ("Vary", "Accept-Encoding"),
                ]
            start_response(status, headers)
            return [body]

    return CompressingServer


def serve_static(site_dir: Path, host: str, port: int) -> None:
    """Serve a built site as a host would, precompressed files included, until Ctrl+C."""

    def handler(*args: Any) -> PrecompressedHandler:
        return PrecompressedHandler(*args, directory=str(site_dir))

    with http.server.ThreadingHTTPServer((host, port), handler) as server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            click.echo("Stopped.", err=True)
