"""The ``kb`` command line: parse arguments, call the library, print."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from kb import __version__
from kb.errors import KbError, ProblemsFound
from kb.loader import LoadResult, load_project
from kb.problems import Problem, format_problems, summarise

FORMATS = ("text", "github", "json")


class Context:
    """What every command needs: where the project is."""

    def __init__(self, project: Path) -> None:
        self.project = project

    def load(self) -> LoadResult:
        return load_project(self.project)


pass_context = click.make_pass_decorator(Context)


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


def report(problems: list[Problem], fmt: str, documents: int, strict: bool) -> None:
    """Print problems in the chosen format and exit 1 if they should fail the run."""
    if problems:
        click.echo(format_problems(problems, fmt))
    elif fmt == "json":
        click.echo("[]")
    if fmt != "json":
        click.echo(summarise(problems, documents), err=True)
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
    help="text for people, github for workflow annotations, json for scripts.",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@pass_context
def check(ctx: Context, files: tuple[Path, ...], fmt: str, strict: bool) -> None:
    """Validate the knowledge base and report every problem.

    With FILES, report only the problems in those files (checked in the
    context of the whole knowledge base). Exit status: 0 clean, 1 problems
    found, 2 the check could not run.
    """
    result = ctx.load()
    problems = result.problems
    if files:
        wanted = {_project_relative(result, f) for f in files}
        problems = [p for p in problems if p.path in wanted]
    report(problems, fmt, result.files, strict)


def _project_relative(result: LoadResult, path: Path) -> str:
    absolute = path if path.is_absolute() else (Path.cwd() / path)
    absolute = absolute.resolve()
    if not absolute.exists():
        raise KbError(f"{path}: no such file")
    return result.settings.rel(absolute)


@main.command()
@pass_context
def schema(ctx: Context) -> None:
    """Print the JSON Schema of the front matter (vocabularies included)."""
    from kb.config import load_settings, load_taxonomy
    from kb.schema import json_schema

    settings = load_settings(ctx.project)
    taxonomy, problems = load_taxonomy(settings)
    if any(p.is_error for p in problems):
        click.echo(format_problems(problems, "text"), err=True)
        raise ProblemsFound("the taxonomy has problems; fix them first")
    click.echo(json.dumps(json_schema(taxonomy), indent=2, ensure_ascii=False))


@main.command()
@click.argument(
    "doc_type", metavar="TYPE", type=click.Choice(["case-study", "guideline", "lesson"])
)
@click.argument("title")
@click.option(
    "--id", "doc_id", help="The document id (file name); derived from the title if not given."
)
@click.option("--language", help="BCP 47 language code; the site's default if not given.")
@click.option("--author", default="", help="The author's name.")
@pass_context
def new(
    ctx: Context,
    doc_type: str,
    title: str,
    doc_id: str | None,
    language: str | None,
    author: str,
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
    )
    click.echo(f"Wrote {path}. Fill in the TODOs, then run: kb check {path}")


def run(args: list[str] | None = None) -> Any:
    """Entry point for ``python -m kb``."""
    return main.main(args=args if args is not None else sys.argv[1:], prog_name="kb")
