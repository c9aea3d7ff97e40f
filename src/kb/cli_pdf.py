"""``kb pdf``: render a pack, one document or an ad-hoc selection on demand."""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
from collections.abc import Iterator, Sequence
from pathlib import Path

import click

from kb.clicontext import Context, pass_context
from kb.errors import KbError, ProblemsFound
from kb.loader import LoadResult
from kb.model import DOCUMENT_TYPES
from kb.problems import format_problems
from kb.urls import BOOKLET_SUFFIX

SELECTION_OPTIONS = ("types", "themes", "levels", "countries", "programmes", "languages")


def _values(given: Sequence[str]) -> list[str]:
    """``--theme a --theme b`` and ``--theme a,b`` mean the same."""
    return [v.strip() for item in given for v in item.split(",") if v.strip()]


def _loaded(ctx: Context, strict: bool) -> LoadResult:
    """The knowledge base, refusing to print while it has problems that fail the run."""
    result = ctx.load()
    failing = [p for p in result.problems if p.is_error or strict]
    if failing:
        click.echo(format_problems(failing, "text"), err=True)
        raise ProblemsFound("the knowledge base has problems (listed above); fix them first")
    return result


@contextlib.contextmanager
def _site_lock(root: Path, target: Path) -> Iterator[None]:
    """The build's lock while writing into the project's site/ folder, which kb build rewrites."""
    site = (root / "site").resolve()
    inside = target.resolve() == site or site in target.resolve().parents
    if not inside:
        yield
        return
    from kb.lock import project_lock

    with project_lock(root, "build", "kb pdf", "build"):
        yield


def _size(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


def _adhoc_title(result: LoadResult, selection: dict[str, list[str]]) -> str:
    """``Facilitation guidelines: Sanitation at local (community) level`` from the options.

    The kinds of document, then the themes at the levels, then the programme
    and countries after a dash; in the pack's language when one was asked
    for (``--language fr``).
    """
    from kb import i18n
    from kb.model import TYPE_LABELS
    from kb.pdf.words import country_name

    languages = selection.get("language", [])
    language = languages[0] if len(languages) == 1 else result.settings.default_language
    said = i18n.translations(language).gettext
    taxonomy = result.knowledge_base.taxonomy
    kinds = [said(TYPE_LABELS[t][1]) for t in selection.get("type", []) if t in TYPE_LABELS]

    def listed(names: list[str]) -> str:
        return ", ".join(names[:-1]) + f" {said('and')} {names[-1]}" if len(names) > 1 else names[0]

    def in_sentence(label: str) -> str:
        """A label that starts a sentence on its own, inside one (a common noun)."""
        return label[:1].lower() + label[1:]

    kinds = kinds[:1] + [in_sentence(kind) for kind in kinds[1:]]
    head = listed(kinds) if kinds else said(i18n.N_("Documents"))

    themes = [
        taxonomy.themes[v].label_in(language) if v in taxonomy.themes else v
        for v in selection.get("themes", [])
    ]
    levels = [
        taxonomy.levels[v].label_in(language) if v in taxonomy.levels else v
        for v in selection.get("levels", [])
    ]
    level = listed([in_sentence(label) for label in levels]) if levels else ""
    if themes and level:
        subject = said(i18n.N_("%(theme)s at %(level)s level")) % {
            "theme": listed(themes),
            "level": level,
        }
    elif themes:
        subject = listed(themes)
    elif levels:
        subject = said(i18n.N_("%(level)s level")) % {"level": listed(levels)}
    else:
        subject = ""
    where = [
        taxonomy.programmes[v].name if v in taxonomy.programmes else v
        for v in selection.get("programme", [])
    ] + [country_name(c, language) for c in selection.get("countries", [])]
    colon = "\u00a0:" if i18n.primary(language) == "fr" else ":"
    title = f"{head}{colon} {subject}" if subject else head
    return f"{title} \u2014 {', '.join(where)}" if where else title


@click.command("pdf")
@click.option("--pack", "pack_id", metavar="ID", help="A pack defined in content/packs.yml.")
@click.option("--document", "doc_id", metavar="ID", help="One document, by id.")
@click.option(
    "--type",
    "types",
    multiple=True,
    metavar="TYPE",
    help=f"Select by type ({', '.join(DOCUMENT_TYPES)}); repeat or separate with commas.",
)
@click.option("--theme", "themes", multiple=True, metavar="ID", help="Select by theme.")
@click.option("--level", "levels", multiple=True, metavar="ID", help="Select by level.")
@click.option("--country", "countries", multiple=True, metavar="CC", help="Select by country.")
@click.option("--programme", "programmes", multiple=True, metavar="ID", help="Select by programme.")
@click.option(
    "--language",
    "languages",
    multiple=True,
    metavar="CODE",
    help="Select by language (the site's default language if not given).",
)
@click.option(
    "--title", help="The cover title of a selection (made from the options if not given)."
)
@click.option(
    "--intro",
    metavar="TEXT",
    help="A paragraph for the first page of a selection, before its contents.",
)
@click.option(
    "--booklet",
    is_flag=True,
    help="An A5 booklet: A4 sheets to print on both sides, fold and staple (packs, selections).",
)
@click.option(
    "--archival",
    is_flag=True,
    help="PDF/A-3b for archives (still tagged) instead of the default PDF/UA-1.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the PDF (default for a pack or document: ID.pdf here).",
)
@click.option("--list", "list_packs", is_flag=True, help="List the packs and what they contain.")
@click.option("--strict", is_flag=True, help="Fail on warnings too (missing images, wide tables).")
@pass_context
def pdf(
    ctx: Context,
    pack_id: str | None,
    doc_id: str | None,
    types: tuple[str, ...],
    themes: tuple[str, ...],
    levels: tuple[str, ...],
    countries: tuple[str, ...],
    programmes: tuple[str, ...],
    languages: tuple[str, ...],
    title: str | None,
    intro: str | None,
    booklet: bool,
    archival: bool,
    output: Path | None,
    list_packs: bool,
    strict: bool,
) -> None:
    """Render a pack, a document, or a selection of documents to PDF.

    \b
      kb pdf --pack local-level-guidelines
      kb pdf --document setting-up-a-learning-alliance -o setting-up.pdf
      kb pdf --type guideline --theme facilitation --level local -o local.pdf
      kb pdf --pack facilitators-toolkit --booklet -o toolkit-booklet.pdf
      kb pdf --pack local-level-guidelines --archival -o archive/local.pdf

    Exit status: 0 written, 1 problems found, 2 the command could not run.
    """
    from kb.packs import adhoc_pack, find_pack, load_packs, select, unknown_pack_message
    from kb.pdf import PdfProblems, render_document, render_pack

    selection = {
        "type": _values(types),
        "themes": _values(themes),
        "levels": _values(levels),
        "countries": _values(countries),
        "programme": _values(programmes),
        "language": _values(languages),
    }
    chosen_ways = [bool(pack_id), bool(doc_id), any(selection.values())]
    if list_packs:
        chosen_ways.append(True)
    if sum(chosen_ways) != 1:
        raise KbError(
            "say what to print: --pack ID, --document ID, or selection options such as "
            "--type guideline --level local (one of these), or --list"
        )
    if booklet and doc_id:
        raise KbError("--booklet is for a pack or a selection, not one document")
    if booklet and archival:
        raise KbError(
            "--archival makes the PDF/A copy of a pack for archives, --booklet a copy to "
            "print; ask for one of them"
        )
    if (title or intro) and not any(selection.values()):
        raise KbError("--title and --intro name a selection; a pack has its own in packs.yml")
    result = _loaded(ctx, strict)
    settings, knowledge_base = result.settings, result.knowledge_base
    packs, _problems = load_packs(settings, knowledge_base)
    if list_packs:
        for pack in packs:
            count = len(select(pack, knowledge_base))
            click.echo(f"{pack.id}: {pack.title} ({count} document{'s' if count != 1 else ''})")
        if not packs:
            click.echo("No packs: define them in content/packs.yml.")
        return
    try:
        if pack_id:
            found = find_pack(packs, pack_id)
            if found is None:
                raise KbError(unknown_pack_message(packs, pack_id))
            suffix = BOOKLET_SUFFIX if booklet else ""
            target = output or Path(f"{found.id}{suffix}.pdf")
            if archival:
                found = dataclasses.replace(found, archival=True)
            with _site_lock(settings.root, target):
                download = render_pack(result, found, target, strict=strict, booklet=booklet)
        elif doc_id:
            doc = knowledge_base.documents.get(doc_id)
            if doc is None:
                close = difflib.get_close_matches(doc_id, sorted(knowledge_base.documents), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise KbError(f"no document has the id '{doc_id}'{hint}")
            target = output or Path(f"{doc.id}.pdf")
            with _site_lock(settings.root, target):
                download = render_document(result, doc, target, strict=strict, archival=archival)
        else:
            if output is None:
                raise KbError("a selection needs an output file: add -o FILE.pdf")
            made, messages = adhoc_pack(
                settings,
                knowledge_base,
                title or _adhoc_title(result, selection),
                {k: v for k, v in selection.items() if v},
            )
            if made is None:
                raise KbError("; ".join(messages))
            target = output
            # The file it is, named in its citation: an ad-hoc pack has no address online.
            made = dataclasses.replace(
                made, introduction=intro or "", file_name=target.name, archival=archival
            )
            with _site_lock(settings.root, target):
                download = render_pack(result, made, target, strict=strict, booklet=booklet)
    except PdfProblems as exc:
        click.echo(format_problems(exc.problems, "text"), err=True)
        raise ProblemsFound("the PDF has problems (listed above); nothing was written") from None
    count = len(download.document_ids)
    click.echo(
        f"Wrote {target}: {download.pages} page{'s' if download.pages != 1 else ''}, "
        f"{_size(download.size)}, {count} document{'s' if count != 1 else ''}."
    )
