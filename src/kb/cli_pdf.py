"""``kb pdf``: render a pack, one document or an ad-hoc selection on demand."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

import click

from kb.clicontext import Context, pass_context
from kb.errors import KbError, ProblemsFound
from kb.loader import LoadResult
from kb.model import DOCUMENT_TYPES
from kb.problems import format_problems

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


def _size(size: int) -> str:
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


def _adhoc_title(result: LoadResult, selection: dict[str, list[str]]) -> str:
    """``Facilitation guidelines: Sanitation, Local (community)`` from the options given.

    In the pack's language when one was asked for (``--language fr``).
    """
    from kb import i18n
    from kb.model import TYPE_LABELS
    from kb.pdf.words import country_name

    languages = selection.get("language", [])
    language = languages[0] if len(languages) == 1 else result.settings.default_language
    said = i18n.translations(language).gettext
    taxonomy = result.knowledge_base.taxonomy
    kinds = [said(TYPE_LABELS[t][1]) for t in selection.get("type", []) if t in TYPE_LABELS]
    head = f" {said('and')} ".join(kinds) if kinds else said(i18n.N_("Documents"))
    qualifiers: list[str] = []
    for key, terms in (("themes", taxonomy.themes), ("levels", taxonomy.levels)):
        qualifiers += [
            terms[v].label_in(language) if v in terms else v for v in selection.get(key, [])
        ]
    qualifiers += [
        taxonomy.programmes[v].name if v in taxonomy.programmes else v
        for v in selection.get("programme", [])
    ]
    qualifiers += [country_name(c, language) for c in selection.get("countries", [])]
    colon = "\u00a0:" if i18n.primary(language) == "fr" else ":"
    return f"{head}{colon} {', '.join(qualifiers)}" if qualifiers else head


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
    output: Path | None,
    list_packs: bool,
    strict: bool,
) -> None:
    """Render a pack, a document, or a selection of documents to PDF.

    \b
      kb pdf --pack local-level-guidelines
      kb pdf --document setting-up-a-learning-alliance -o setting-up.pdf
      kb pdf --type guideline --theme facilitation --level local -o local.pdf

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
            target = output or Path(f"{found.id}.pdf")
            download = render_pack(result, found, target, strict=strict)
        elif doc_id:
            doc = knowledge_base.documents.get(doc_id)
            if doc is None:
                close = difflib.get_close_matches(doc_id, sorted(knowledge_base.documents), n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise KbError(f"no document has the id '{doc_id}'{hint}")
            target = output or Path(f"{doc.id}.pdf")
            download = render_document(result, doc, target, strict=strict)
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
            download = render_pack(result, made, target, strict=strict)
    except PdfProblems as exc:
        click.echo(format_problems(exc.problems, "text"), err=True)
        raise ProblemsFound("the PDF has problems (listed above); nothing was written") from None
    count = len(download.document_ids)
    click.echo(
        f"Wrote {target}: {download.pages} page{'s' if download.pages != 1 else ''}, "
        f"{_size(download.size)}, {count} document{'s' if count != 1 else ''}."
    )
