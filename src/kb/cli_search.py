"""``kb search`` and ``kb show``: find documents, and see how one connects to the rest."""

from __future__ import annotations

import difflib
import json
import sys
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from kb.clicontext import Context, pass_context
from kb.errors import KbError, ProblemsFound
from kb.loader import LoadResult
from kb.model import DOCUMENT_TYPES, TYPE_LABELS, Document, KnowledgeBase, Taxonomy, Term
from kb.problems import format_problems, json_safe, summarise, terminal_safe
from kb.urls import absolute, document_url, theme_url

if TYPE_CHECKING:
    from kb.graph import KnowledgeGraph


def _load_or_fail(ctx: Context) -> LoadResult:
    """Load the project; stop with kb check's own messages when it has errors."""
    result = ctx.load()
    if result.errors:
        click.echo(format_problems(result.problems, "text"), err=True)
        click.echo(summarise(result.problems, result.files), err=True)
        raise ProblemsFound("fix the problems above first (kb check lists them too)")
    return result


# -- kb search ------------------------------------------------------------------------


@click.command()
@click.argument("query", nargs=-1)
@click.option(
    "--type",
    "types",
    multiple=True,
    type=click.Choice(list(DOCUMENT_TYPES)),
    help="Only documents of this type (repeat for several).",
)
@click.option(
    "--theme", "themes", multiple=True, metavar="ID", help="Only this theme (repeatable)."
)
@click.option(
    "--level", "levels", multiple=True, metavar="ID", help="Only this level (repeatable)."
)
@click.option(
    "--country", "countries", multiple=True, metavar="CC", help="Only this country (repeatable)."
)
@click.option(
    "--programme",
    "programmes",
    multiple=True,
    metavar="ID",
    help="Only this programme (repeatable).",
)
@click.option(
    "--language",
    "languages",
    multiple=True,
    metavar="CODE",
    help="Only this language, e.g. en or fr (repeatable).",
)
@click.option(
    "--facet",
    "facets",
    multiple=True,
    metavar="NAME=VALUE",
    help="Only this value of a facet of the taxonomy, e.g. activity=analysing (repeatable).",
)
@click.option(
    "--limit", type=click.IntRange(1, 1000), default=10, show_default=True, help="Hits to show."
)
@click.option("--drafts", is_flag=True, help="Include documents with status: draft.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON, for scripts.")
@pass_context
def search(
    ctx: Context,
    query: tuple[str, ...],
    types: tuple[str, ...],
    themes: tuple[str, ...],
    levels: tuple[str, ...],
    countries: tuple[str, ...],
    programmes: tuple[str, ...],
    languages: tuple[str, ...],
    facets: tuple[str, ...],
    limit: int,
    drafts: bool,
    as_json: bool,
) -> None:
    """Search the knowledge base for QUERY.

    All words must match; "quoted words" match as a phrase; OR, NOT and
    brackets combine words; a trailing * matches the start of a word.
    Filters narrow the results: a document passes a filter if it has any
    of the values given for it, and must pass every filter given. With
    filters and no QUERY, lists the documents that pass them. The search
    index (in .kb-cache/index/) is brought up to date first.
    """
    from kb.search import IndexDamaged, SearchIndex
    from kb.search.formatting import results_json, results_text, ways_out

    result = _load_or_fail(ctx)
    knowledge_base = result.knowledge_base
    filters = {
        "type": list(types),
        "theme": _check_terms("--theme", "a theme", themes, knowledge_base.taxonomy.themes),
        "level": _check_terms("--level", "a level", levels, knowledge_base.taxonomy.levels),
        "country": [c.upper() for c in countries],
        "programme": _check_terms(
            "--programme",
            "a programme",
            programmes,
            {p.id: Term(p.id, p.name) for p in knowledge_base.taxonomy.programmes.values()},
        ),
        "language": list(languages),
        **_facet_filters(facets, knowledge_base.taxonomy),
    }
    with SearchIndex.for_project(result.settings.root) as index:
        stats = index.update(knowledge_base)
        if stats.rebuilt:
            click.echo(f"Indexed {stats.added} documents in {stats.seconds:.1f} s.", err=True)
        elif stats.changed:
            click.echo(
                f"Search index updated: {stats.added} added, {stats.updated} changed, "
                f"{stats.removed} removed.",
                err=True,
            )
        # A QueryError (an empty query, only common words) is a KbError: click prints it.
        wanted = {k: v for k, v in filters.items() if v}
        try:
            results = index.search(" ".join(query), wanted, limit, include_drafts=drafts)
        except IndexDamaged as damaged:
            click.echo(f"{damaged.message}; rebuilding it now.", err=True)
            stats = index.update(knowledge_base)
            results = index.search(" ".join(query), wanted, limit, include_drafts=drafts)
    if as_json:
        click.echo(
            json_safe(json.dumps(results_json(results, stats), indent=2, ensure_ascii=False))
        )
        return
    lines = results_text(results, knowledge_base.taxonomy, sys.stdout.isatty())
    if not results.hits and query:
        lines += ways_out(" ".join(query), wanted, knowledge_base.taxonomy)
    for line in lines:
        click.echo(line)


def _check_terms(
    option: str, what: str, values: Sequence[str], terms: Mapping[str, Term]
) -> list[str]:
    """The filter values, or a KbError naming an unknown one and what was probably meant."""
    from kb.hints import suggest

    checked = []
    for value in values:
        folded = value.strip().lower()
        if folded not in terms:
            labels = {t.id: t.label for t in terms.values()}
            hint = suggest(value, sorted(terms), labels)
            choices = ", ".join(sorted(terms))
            raise KbError(f"{option}: '{value}' is not {what}{hint or f'; use one of {choices}'}")
        checked.append(folded)
    return checked


def _facet_filters(given: Sequence[str], taxonomy: Taxonomy) -> dict[str, list[str]]:
    """``--facet activity=analysing`` options as filters, checked against the taxonomy."""
    filters: dict[str, list[str]] = {}
    for option in given:
        name, sep, value = option.partition("=")
        name = name.strip()
        if not sep or not value.strip():
            raise KbError(f"--facet: '{option}' should be NAME=VALUE, e.g. activity=analysing")
        facet = taxonomy.facets.get(name)
        if facet is None:
            known = ", ".join(sorted(taxonomy.facets)) or "none are configured"
            raise KbError(f"--facet: '{name}' is not a facet of the taxonomy ({known})")
        filters.setdefault(name, []).extend(
            _check_terms(f"--facet {name}", f"a value of {facet.label}", [value], facet.terms)
        )
    return filters


# -- kb show --------------------------------------------------------------------------


@click.command()
@click.argument("doc_id", metavar="ID")
@click.option(
    "--related",
    "related_count",
    type=click.IntRange(0, 50),
    default=5,
    show_default=True,
    help="How many related documents to list.",
)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON, for scripts.")
@pass_context
def show(ctx: Context, doc_id: str, related_count: int, as_json: bool) -> None:
    """Show a document: its metadata, translations, related documents, backlinks,
    and the same themes at the other levels."""
    from kb.graph import KnowledgeGraph

    result = ctx.load()
    knowledge_base = result.knowledge_base
    doc = knowledge_base.documents.get(doc_id)
    if doc is None:
        _unknown_document(doc_id, result)
    assert doc is not None
    if result.errors:
        click.echo(
            f"warning: the knowledge base has {len(result.errors)} errors (run kb check); "
            "documents with errors are left out below",
            err=True,
        )
    graph = KnowledgeGraph.build(
        knowledge_base,
        include_drafts=doc.is_draft,
        content_prefix=result.settings.rel(result.settings.content_dir),
    )
    site_url = result.settings.site_url
    if as_json:
        data = _document_json(doc, graph, related_count, site_url)
        click.echo(json_safe(json.dumps(data, indent=2, ensure_ascii=False)))
        return
    _print_document(doc, graph, knowledge_base, related_count, site_url)


def _unknown_document(doc_id: str, result: LoadResult) -> None:
    """Stop with a message naming the id, the closest ones, or the file's problems."""
    from kb.content import document_id

    broken = [p for p in result.errors if document_id(Path(p.path)) == doc_id]
    if broken:
        click.echo(format_problems(broken, "text"), err=True)
        raise ProblemsFound(f"'{doc_id}' has problems (listed above); fix them first")
    ids = sorted(result.knowledge_base.documents)
    close = difflib.get_close_matches(doc_id, ids, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise KbError(f"no document has the id '{doc_id}'{hint}")


def _document_json(
    doc: Document, graph: KnowledgeGraph, related_count: int, site_url: str
) -> dict[str, Any]:
    def brief(other: Document) -> dict[str, Any]:
        return {
            "id": other.id,
            "title": other.title,
            "type": other.type,
            "language": other.language,
            "path": other.path,
        }

    return {
        "id": doc.id,
        "title": doc.title,
        "type": doc.type,
        "summary": doc.summary,
        "path": doc.path,
        "url": absolute(site_url, document_url(doc)),
        "status": doc.status,
        "language": doc.language,
        "themes": list(doc.themes),
        "levels": list(doc.levels),
        "countries": list(doc.countries),
        "programme": doc.programme,
        "stakeholders": list(doc.stakeholders),
        "facets": {k: list(v) for k, v in doc.facets.items()},
        "date": doc.date.isoformat(),
        "updated": doc.updated.isoformat() if doc.updated else None,
        "authors": list(doc.authors),
        "translation_of": doc.translation_of,
        "translations": [brief(d) for d in graph.translations(doc.id)],
        "related": [
            {**brief(r.document), "score": r.score, "reason": r.reason}
            for r in graph.related(doc.id, limit=related_count)
        ]
        if related_count
        else [],
        "backlinks": [brief(d) for d in graph.backlinks(doc.id)],
        "links_to": [brief(d) for d in graph.links_from(doc.id)],
        "same_theme_other_levels": [
            {
                "theme": cross.theme.id,
                "level": cross.level.id,
                "total": cross.total,
                "documents": [brief(d) for d in cross.documents],
            }
            for cross in graph.same_theme_other_levels(doc.id)
        ],
    }


def _print_document(
    doc: Document,
    graph: KnowledgeGraph,
    knowledge_base: KnowledgeBase,
    related_count: int,
    site_url: str,
) -> None:
    taxonomy = knowledge_base.taxonomy
    echo = _echo_safe
    title = terminal_safe(doc.title)
    click.echo(click.style(title, bold=True) if sys.stdout.isatty() else title)
    rows: list[tuple[str, str]] = [
        ("id", doc.id),
        ("type", TYPE_LABELS.get(doc.type, (doc.type,))[0]),
        ("path", doc.path),
        ("url", absolute(site_url, document_url(doc))),
        ("themes", ", ".join(_label(taxonomy.themes, t) for t in doc.themes)),
        ("levels", ", ".join(_label(taxonomy.levels, t) for t in doc.levels)),
    ]
    if doc.countries:
        rows.append(("countries", ", ".join(doc.countries)))
    if doc.programme:
        programme = taxonomy.programmes.get(doc.programme)
        rows.append(("programme", programme.name if programme else doc.programme))
    if doc.stakeholders:
        rows.append(
            ("stakeholders", ", ".join(_label(taxonomy.stakeholders, s) for s in doc.stakeholders))
        )
    for facet_id, values in doc.facets.items():
        facet = taxonomy.facets.get(facet_id)
        if values and facet:
            rows.append((facet.label.lower(), ", ".join(_label(facet.terms, v) for v in values)))
    rows.append(("language", doc.language))
    dates = doc.date.isoformat() + (f", updated {doc.updated.isoformat()}" if doc.updated else "")
    rows.append(("date", dates))
    if doc.authors:
        rows.append(("authors", ", ".join(doc.authors)))
    if doc.is_draft:
        rows.append(("status", "draft"))
    for name, value in rows:
        echo(f"  {name + ':':<14}{value}")
    echo("")
    for line in textwrap.wrap(doc.summary, 96):
        echo(f"  {line}")

    translations = graph.translations(doc.id)
    if translations:
        _section("Translations")
        for other in translations:
            original = " (original)" if other.id == doc.translation_of else ""
            echo(f"  {other.language:<6}{other.title} [{other.id}]{original}")
    if related_count:
        related = graph.related(doc.id, limit=related_count)
        _section("Related documents")
        if not related:
            echo("  (none)")
        for number, item in enumerate(related, 1):
            echo(f"  {number}. {item.document.title} [{item.document.id}]")
            echo(f"     {item.reason} (score {item.score:.2f})")
    backlinks = graph.backlinks(doc.id)
    _section("Linked from")
    if not backlinks:
        echo("  (no document links here)")
    for other in backlinks:
        echo(f"  - {other.title} [{other.id}]")
    links = graph.links_from(doc.id)
    if links:
        _section("Links to")
        for other in links:
            echo(f"  - {other.title} [{other.id}]")
    crosses = graph.same_theme_other_levels(doc.id)
    _section("The same themes at other levels")
    if not crosses:
        echo("  (none)")
    for cross in crosses:
        echo(f"  {cross.theme.label}, {cross.level.label.lower()} level:")
        for other in cross.documents:
            echo(f"    - {other.title} [{other.id}]")
        more = cross.total - len(cross.documents)
        if more > 0:
            echo(f"    … and {more} more on {absolute(site_url, theme_url(cross.theme.id))}")


def _echo_safe(text: str) -> None:
    """Print a line made of values from the project, control characters shown escaped."""
    click.echo(terminal_safe(text))


def _section(title: str) -> None:
    click.echo("")
    click.echo(click.style(title, bold=True) if sys.stdout.isatty() else title)


def _label(terms: Any, term_id: str) -> str:
    term = terms.get(term_id)
    return str(term.label) if term else term_id
