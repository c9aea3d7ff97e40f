"""``kb serve``: a live preview that rebuilds only what an edit changed.

kb writes a page file only when its text changed, and MkDocs' dirty build
then renders only those pages, so editing one document of a large
knowledge base is quick. The search index is built once at start.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kb.build import generate, run_mkdocs, run_pagefind, site_documents
from kb.graph import KnowledgeGraph
from kb.loader import load_project
from kb.problems import format_problems
from kb.site.mkdocs_config import write_effective_config


class Preview:
    def __init__(self, project: Path, *, drafts: bool) -> None:
        self.project = project
        self.drafts = drafts
        self.site_dir: Path | None = None

    def rebuild(self, *, dirty: bool) -> bool:
        """One build into the preview folder; False (and the problems printed) on errors."""
        result = load_project(self.project)
        if result.errors:
            click.echo(format_problems(result.errors, "text"), err=True)
            click.echo("The preview shows the last good version until these are fixed.", err=True)
            return False
        build_dir = result.settings.root / ".kb-cache" / "serve"
        build_dir.mkdir(parents=True, exist_ok=True)
        self.site_dir = build_dir / "site"
        documents = site_documents(result, self.drafts)
        graph = KnowledgeGraph.build(result.knowledge_base, include_drafts=self.drafts)
        docs_dir, written, _total = generate(result, build_dir, documents, [], graph)
        config = write_effective_config(result.settings, build_dir, docs_dir, self.site_dir)
        if written or not dirty:
            for warning in run_mkdocs(config, dirty=dirty):
                click.echo(f"warning: {warning}", err=True)
        return True

    def first_build(self) -> None:
        if self.rebuild(dirty=False) and self.site_dir is not None:
            run_pagefind(self.site_dir)

    def serve(self, host: str, port: int) -> None:
        from mkdocs.livereload import LiveReloadServer

        assert self.site_dir is not None
        result = load_project(self.project)
        server = LiveReloadServer(
            builder=lambda: self._rebuild_quietly(),
            host=host,
            port=port,
            root=str(self.site_dir),
        )
        server.watch(str(result.settings.content_dir))
        server.watch(str(result.settings.root / "mkdocs.yml"))
        try:
            server.serve()  # type: ignore[no-untyped-call]
        except KeyboardInterrupt:
            click.echo("Stopped.", err=True)
        finally:
            server.shutdown()

    def _rebuild_quietly(self) -> None:
        try:
            self.rebuild(dirty=True)
        except Exception as exc:  # a preview must survive a bad edit
            print(f"kb serve: rebuild failed: {exc}", file=sys.stderr)
