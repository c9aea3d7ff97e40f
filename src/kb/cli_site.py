"""``kb build`` and ``kb serve``: publish the site, or preview it while editing."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import click

from kb.clicontext import Context, pass_context
from kb.errors import KbError, ProblemsFound
from kb.loader import LoadResult
from kb.lock import project_lock
from kb.problems import format_problems, summarise, terminal_safe


def _load_or_fail(ctx: Context) -> LoadResult:
    """Load the project; stop with kb check's own messages when it has errors."""
    result = ctx.load()
    if result.errors:
        click.echo(format_problems(result.problems, "text"), err=True)
        click.echo(summarise(result.problems, result.files), err=True)
        raise ProblemsFound("nothing was built: fix the problems above (kb check lists them too)")
    return result


@click.command()
@click.option(
    "--out",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write the site (default: site/ in the project).",
)
@click.option("--drafts", is_flag=True, help="Include documents with status: draft.")
@click.option("--no-pdf", "no_pdf", is_flag=True, help="Skip the PDF packs and digests.")
@click.option(
    "--packs-only",
    is_flag=True,
    help="Render the packs of packs.yml but no per-document PDFs.",
)
@click.option("--strict", is_flag=True, help="Fail on warnings (check, MkDocs and PDF).")
@click.option(
    "--bundle",
    is_flag=True,
    help="Also zip the site, with a search that works from disk, into downloads/.",
)
@click.option(
    "--preview",
    is_flag=True,
    help="Build even when documents have errors, for a pull request's preview: they are "
    "left out, and the errors are shown at the top of every page (kb check still fails).",
)
@pass_context
def build(
    ctx: Context,
    out: Path | None,
    drafts: bool,
    no_pdf: bool,
    packs_only: bool,
    strict: bool,
    bundle: bool,
    preview: bool,
) -> None:
    """Build the static site (and PDFs) into site/, replacing it only on success."""
    from kb.build import build as build_site
    from kb.build import build_helpers
    from kb.config import load_settings
    from kb.output import check_target, check_untracked, recover

    if no_pdf and packs_only:
        raise KbError("--no-pdf and --packs-only contradict each other: give one of them")
    if preview and strict:
        raise KbError("--preview builds despite errors and --strict fails on warnings: give one")
    started = time.perf_counter()
    settings = load_settings(ctx.project)
    target = (out or settings.root / "site").resolve()
    check_target(target, settings.root, settings.content_dir)
    check_untracked(settings.root, target)
    with project_lock(settings.root, "build", "kb build", "build"), contextlib.ExitStack() as stack:
        # Before anything can fail: put back a site an interrupted build took away.
        recover(target, settings.root)
        # Started before loading, so that they import kb meanwhile; the build stops them.
        helpers = build_helpers()
        stack.callback(helpers.shutdown, wait=True, cancel_futures=True)
        result = ctx.load() if preview else _load_or_fail(ctx)
        if preview and result.errors:
            click.echo(format_problems(result.problems, "text"), err=True)
            click.echo(summarise(result.problems, result.files), err=True)
        if strict and result.problems:
            click.echo(format_problems(result.problems, "text"), err=True)
            raise ProblemsFound("strict build: the knowledge base has warnings")
        report = build_site(
            result,
            target,
            drafts=drafts,
            pdf=not no_pdf,
            document_pdfs=not packs_only,
            strict=strict,
            bundle=bundle,
            preview=preview,
            helpers=helpers,
        )
    for warning in report.warnings:
        click.echo(terminal_safe(f"warning: {warning}"), err=True)
    seconds = time.perf_counter() - started
    pdfs = f", {report.downloads} PDFs" if not no_pdf else ""
    click.echo(
        f"Built {target}: {report.documents} documents, {report.pages} pages{pdfs} "
        f"in {seconds:.1f} s."
    )
    if report.bundle:
        click.echo(
            f"Bundle for reading from disk: {target / report.bundle} ({report.bundle_size:,} bytes)"
        )
    if preview and result.errors:
        click.echo(
            f"A preview: {len(result.errors)} error{'s' if len(result.errors) != 1 else ''} "
            "shown at the top of every page; documents with errors are left out.",
        )


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--drafts/--no-drafts",
    default=True,
    show_default=True,
    help="Show draft documents in the preview.",
)
@click.option(
    "--static",
    "static",
    is_flag=True,
    help="Serve the built site (kb build's output) as a host would, compressed; no rebuilds.",
)
@click.option(
    "--site",
    "site_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="With --static: the built site to serve (default: site/ in the project).",
)
@pass_context
def serve(
    ctx: Context, host: str, port: int, drafts: bool, static: bool, site_dir: Path | None
) -> None:
    """Preview the site, rebuilding it when content/ or mkdocs.yml change.

    With --static, serve the site kb build made instead, with its
    precompressed files, to see it as readers will.
    """
    from kb.config import load_settings
    from kb.serve import Preview, serve_static

    if site_dir is not None and not static:
        raise KbError("--site goes with --static: the live preview builds its own site")
    if static:
        target = site_dir or ctx.project / "site"
        if not (target / "index.html").is_file():
            raise KbError(f"{target}: no built site here; run kb build first")
        click.echo(f"Serving {target} on http://{host}:{port}/ (Ctrl+C to stop)")
        serve_static(target, host, port)
        return

    root = load_settings(ctx.project).root
    # Two previews of one project would write the same folder (.kb-cache/serve/).
    with project_lock(root, "serve", "kb serve", "preview"):
        preview = Preview(ctx.project, drafts=drafts)
        preview.first_build()
        click.echo(f"Serving the preview on http://{host}:{port}/ (Ctrl+C to stop)")
        preview.serve(host, port)
