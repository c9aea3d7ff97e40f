"""The ``kb`` command line: parse arguments, call the library, print."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kb import __version__
from kb.clicontext import Context, pass_context
from kb.config import Settings
from kb.errors import KbError, ProblemsFound
from kb.inventory import take_inventory
from kb.loader import LoadResult
from kb.model import DOCUMENT_TYPES, Document
from kb.pr_comment import Touched
from kb.problems import (
    Problem,
    format_problems,
    json_safe,
    sort_problems,
    summarise,
    terminal_safe,
)

if TYPE_CHECKING:
    from kb.external import LinkCheckOptions

FORMATS = ("text", "github", "json", "markdown")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--project",
    "-p",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="The kb project folder (with mkdocs.yml and content/).",
)
@click.version_option(__version__, prog_name="kb")
@click.pass_context
def main(ctx: click.Context, project: Path) -> None:
    """kb: check, index and publish a learning-alliance knowledge base."""
    ctx.obj = Context(project)


def report(
    problems: list[Problem],
    fmt: str,
    documents: int,
    strict: bool,
    scope: str = "",
    drafts: Sequence[tuple[str, int]] = (),
) -> None:
    """Print problems in the chosen format and exit 1 if they should fail the run.

    ``drafts`` are the checked files that are drafts (path, status line): said after the count,
    since a draft merged as it is never appears on the site.
    """
    if problems:
        click.echo(format_problems(problems, fmt))
    elif fmt == "json":
        click.echo("[]")
    if fmt == "github":
        for path, line in drafts:
            click.echo(draft_notice(path, line))
    if fmt != "json":
        click.echo(summarise(problems, documents, scope), err=True)
        if drafts:
            click.echo(drafts_line(drafts), err=True)
    failing = [p for p in problems if p.is_error or strict]
    if failing:
        raise ProblemsFound("the knowledge base has problems (listed above)")


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="text for people, github for workflow annotations, json for scripts, markdown for "
    "a pull-request comment (every problem, the documents changed, the drafts).",
)
@click.option(
    "--preview-url",
    default="",
    metavar="URL",
    help="With --format markdown: the address of the pull request's preview site, for links "
    "to the changed documents' pages.",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option(
    "--changed",
    "changed_base",
    is_flag=False,
    flag_value="",
    default=None,
    metavar="[BASE]",
    help="Report only on the files changed since the git revision BASE (default: where "
    "this branch left origin/main or main, else the previous commit) and the documents "
    "that link to them or translate them. A taxonomy.yml or mkdocs.yml change checks "
    "everything.",
)
@click.option(
    "--external",
    is_flag=True,
    help="Also check that links to web pages still answer; dead ones are warnings.",
)
@click.option(
    "--refresh", is_flag=True, help="With --external: ask again even where the cache answers."
)
@click.option(
    "--link-timeout",
    type=click.FloatRange(min=0.1),
    default=10.0,
    show_default=True,
    metavar="SECONDS",
    help="With --external: how long to wait for one web server.",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=1.0),
    default=120.0,
    show_default=True,
    metavar="SECONDS",
    help="With --external: stop asking after this long; the rest is listed as not checked.",
)
@click.option(
    "--link-jobs",
    type=click.IntRange(1, 64),
    default=8,
    show_default=True,
    metavar="N",
    help="With --external: how many web requests at once.",
)
@pass_context
def check(
    ctx: Context,
    files: tuple[Path, ...],
    fmt: str,
    preview_url: str,
    strict: bool,
    changed_base: str | None,
    external: bool,
    refresh: bool,
    link_timeout: float,
    time_limit: float,
    link_jobs: int,
) -> None:
    """Validate the knowledge base and report every problem.

    With FILES, report only the problems in those files (checked in the
    context of the whole knowledge base; a changed taxonomy.yml concerns
    every document). Exit status: 0 clean, 1 problems found, 2 the check
    could not run.
    """
    if files and changed_base is not None:
        raise KbError("give FILES or --changed, not both")
    narrowed: _FilesScope | _ChangedScope | None = None
    if changed_base is not None:
        narrowed = _ChangedScope(changed_base or None)
    elif files:
        narrowed = _FilesScope(files)
    result = ctx.load(narrowed)
    problems = result.problems
    if strict:
        # Only in --strict: the typography pass sets these right whatever the source says.
        from kb.typography import source_problems

        problems = sort_problems(
            [
                *problems,
                *(p for d in result.knowledge_base.documents.values() for p in source_problems(d)),
            ]
        )
    checked = result.files
    scope = narrowed.scope if narrowed is not None else None
    touched = narrowed.touched if isinstance(narrowed, _ChangedScope) else []
    if scope is not None:
        problems = [p for p in problems if p.path in scope]
        checked = sum(1 for path in scope if path.endswith(".md"))
        of_all = f"of {result.files}"
    if external:
        from kb.external import LinkCheckOptions

        options = LinkCheckOptions(
            timeout=link_timeout, time_limit=time_limit, jobs=link_jobs, refresh=refresh
        )
        problems = sort_problems([*problems, *_external_problems(result, scope, options)])
    drafts = [(path, line) for path, line in result.drafts if scope is None or path in scope]
    if fmt == "markdown":
        from kb.pr_comment import comment

        documents = {doc.path: doc for doc in result.knowledge_base.documents.values()}
        scope_words = of_all if scope is not None else ""
        click.echo(
            comment(problems, checked, touched, documents, drafts, preview_url, scope_words),
            nl=False,
        )
        if any(p.is_error or strict for p in problems):
            raise ProblemsFound("the knowledge base has problems (listed above)")
        return
    report(problems, fmt, checked, strict, of_all if scope is not None else "", drafts)


def drafts_line(drafts: Sequence[tuple[str, int]]) -> str:
    """The closing line that keeps a draft from being merged unnoticed."""
    many = len(drafts) != 1
    listed = ", ".join(terminal_safe(path) for path, _line in drafts[:10])
    more = f" and {len(drafts) - 10} more" if len(drafts) > 10 else ""
    return (
        f"{len(drafts)} draft{'s' if many else ''} will not be published: {listed}{more} "
        f"(change 'status: draft' to 'status: published' to publish {'them' if many else 'it'})."
    )


def draft_notice(path: str, line: int) -> str:
    """A GitHub notice on the status line of a draft."""
    return (
        Problem(
            path,
            line,
            "status",
            "this document is a draft: it will not be published when merged; change the line "
            "to 'status: published' to publish it",
        )
        .as_github()
        .replace("::error ", "::notice ", 1)
    )


def _selected_files(settings: Settings, files: tuple[Path, ...]) -> set[str]:
    """FILES as project paths; a folder stands for every document below it."""
    wanted: set[str] = set()
    for given in files:
        rel = _project_relative(settings, given)
        folder = settings.root / rel
        if folder.is_dir():
            wanted.update(
                settings.rel(path)
                for path in take_inventory(settings).documents
                if folder in path.parents
            )
        else:
            wanted.add(rel)
    return wanted


class _FilesScope:
    """FILES: those files, and the taxonomy, against which every document is checked.

    Like ``_ChangedScope``, a ``kb.loader.Narrow``: the files are chosen while the
    knowledge base loads, so that the bodies of the others are not checked.
    ``scope``: the files reported on (None: all).
    """

    scope: frozenset[str] | None = None

    def __init__(self, files: tuple[Path, ...]) -> None:
        self.files = files

    def __call__(
        self, settings: Settings, documents: Mapping[str, Document]
    ) -> frozenset[str] | None:
        wanted = _selected_files(settings, self.files)
        taxonomy = settings.rel(settings.taxonomy_path)
        # The taxonomy's own problems concern every document, so they stay in view.
        self.scope = None if taxonomy in wanted else frozenset(wanted | {taxonomy})
        return self.scope


class _ChangedScope:
    """``--changed``: the files changed since a base and the documents that link to them
    or translate them; says what it chose. ``touched``: the document files changed."""

    scope: frozenset[str] | None = None

    def __init__(self, base: str | None) -> None:
        self.base = base
        self.touched: list[Touched] = []

    def __call__(
        self, settings: Settings, documents: Mapping[str, Document]
    ) -> frozenset[str] | None:
        from kb.changed import added_since, find_changes, select

        changes = find_changes(settings, self.base)
        since = f"since {changes.describe()}"
        changed = sorted(
            p for p in changes.paths if p.endswith(".md") and (settings.root / p).exists()
        )
        added = added_since(settings, changes.commit, changed)
        self.touched = [Touched(path, path in added) for path in changed]
        if changes.everything:
            click.echo(f"{changes.everything} changed {since}: checking every document.", err=True)
            return None
        selection = select(settings, documents.values(), changes)
        if not selection.paths:
            click.echo(f"No document changed {since}; nothing to report.", err=True)
        else:
            files = _count(len(selection.changed), "changed file")
            linking = (
                f" and {_count(len(selection.linking), 'document')} linking to them"
                if selection.linking
                else ""
            )
            click.echo(f"Checking {files} {since}{linking}.", err=True)
        self.scope = selection.paths
        return self.scope


def _count(number: int, thing: str) -> str:
    """``1 changed file``, ``2 changed files``."""
    return f"{number} {thing}{'' if number == 1 else 's'}"


def _external_problems(
    result: LoadResult, scope: frozenset[str] | None, options: LinkCheckOptions
) -> list[Problem]:
    """Check the web links of the documents in scope; say what could not be checked."""
    from kb.external import check_external_links

    settings = result.settings
    documents = [
        doc
        for doc in result.knowledge_base.documents.values()
        if scope is None or doc.path in scope
    ]
    outcome = check_external_links(
        documents,
        settings.rel(settings.content_dir),
        settings.root / ".kb-cache" / "links.json",
        options,
    )
    click.echo(
        f"Web links: {outcome.addresses} addresses, {outcome.from_cache} known good from "
        f"the cache, {outcome.asked} asked now.",
        err=True,
    )
    if outcome.unchecked:
        click.echo(
            f"{len(outcome.unchecked)} addresses were not checked within the "
            f"{options.time_limit:g} s limit (run again: answers are cached), e.g. "
            f"{terminal_safe(outcome.unchecked[0])}",
            err=True,
        )
    return outcome.problems


def _project_relative(settings: Settings, path: Path) -> str:
    """A FILES argument (relative to the current folder or the project) as a project path."""
    candidates = [path] if path.is_absolute() else [Path.cwd() / path, settings.root / path]
    # The folder resolved, the name kept: a link given by name is checked as the link.
    absolute = next(
        (c.parent.resolve() / c.name for c in candidates if c.exists() or c.is_symlink()), None
    )
    if absolute is None:
        raise KbError(f"{path}: no such file or folder")
    content = settings.content_dir
    if absolute != content and content not in absolute.parents:
        raise KbError(
            f"{path}: not in the content folder ({settings.rel(content)}); "
            "kb check looks at documents there"
        )
    return settings.rel(absolute)


@main.command()
@pass_context
def schema(ctx: Context) -> None:
    """Print the JSON Schema of the front matter (vocabularies included)."""
    from kb.config import load_settings, load_taxonomy
    from kb.schema_json import json_schema

    settings = load_settings(ctx.project)
    taxonomy, problems = load_taxonomy(settings)
    if any(p.is_error for p in problems):
        click.echo(format_problems(problems, "text"), err=True)
        raise ProblemsFound("the taxonomy has problems; fix them first")
    click.echo(json_safe(json.dumps(json_schema(taxonomy), indent=2, ensure_ascii=False)))


@main.command()
@click.argument("doc_type", metavar="TYPE", type=click.Choice(list(DOCUMENT_TYPES)))
@click.argument("title")
@click.option(
    "--id", "doc_id", help="The document id (file name); derived from the title if not given."
)
@click.option("--language", help="BCP 47 language code; the site's default if not given.")
@click.option("--author", default="", help="The author's name.")
@click.option(
    "--publish",
    is_flag=True,
    help="Write 'status: published', so the document is published once merged "
    "(without it, a draft: checked and previewed, never published).",
)
@pass_context
def new(
    ctx: Context,
    doc_type: str,
    title: str,
    doc_id: str | None,
    language: str | None,
    author: str,
    publish: bool,
) -> None:
    """Write a new document of TYPE from a template, ready to fill in."""
    from kb.newdoc import create_document

    path = create_document(
        ctx.project,
        doc_type,
        title,
        doc_id=doc_id,
        language=language,
        author=author,
        today=dt.date.today(),
        publish=publish,
    )
    click.echo(f"Wrote {path}. Fill in the TODOs, then run: kb check {path}")
    if not publish:
        click.echo(
            "It is a draft (status: draft): checked and shown in previews, but not published "
            "until you change that line to 'status: published' (kb new --publish writes that).",
        )


@main.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@pass_context
def typeset(ctx: Context, files: tuple[Path, ...]) -> None:
    """Write French documents' sources in French typography (all, or FILES).

    Narrow no-break spaces before ; : ? ! and inside « », and the typographic apostrophe for the
    apostrophe, outside code, link targets and HTML; front matter is kept as
    it is. The site and the PDFs print these whatever the source says; this
    makes the source say the same, as kb check --strict asks.
    """
    from kb.typography import is_french, typeset_source

    result = ctx.load()
    wanted = _selected_files(result.settings, files) if files else None
    changed = 0
    for doc in sorted(result.knowledge_base.documents.values(), key=lambda d: d.path):
        if not is_french(doc.language) or (wanted is not None and doc.path not in wanted):
            continue
        path = result.settings.root / doc.path
        text = path.read_text(encoding="utf-8")
        typeset = typeset_source(text)
        if typeset != text:
            path.write_text(typeset, encoding="utf-8")
            changed += 1
            click.echo(f"Typeset {doc.path}")
    click.echo(f"{changed} French document{'s' if changed != 1 else ''} typeset.")


def run(args: list[str] | None = None) -> Any:
    """Entry point for ``python -m kb``."""
    return main.main(args=args if args is not None else sys.argv[1:], prog_name="kb")


from kb.cli_site import build, serve  # noqa: E402

main.add_command(build)
main.add_command(serve)

from kb.cli_pdf import pdf  # noqa: E402

main.add_command(pdf)

from kb.cli_search import search, show  # noqa: E402

main.add_command(search)
main.add_command(show)
