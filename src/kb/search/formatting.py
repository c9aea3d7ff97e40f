"""Search results as ``kb search`` prints them: lines of text, or JSON for scripts."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

import click

from kb.model import TYPE_LABELS, Taxonomy, Term
from kb.problems import terminal_safe
from kb.search.querymodel import QueryModel
from kb.search.results import SearchResults, Snippet, UpdateStats

#: Marks around matched words when the output is not a terminal.
PLAIN_MARKS = ("**", "**")
#: The vocabularies ``kb search`` has a filter option for.
FILTER_OPTIONS = ("type", "theme", "level", "country", "programme", "language")


def results_json(results: SearchResults, stats: UpdateStats) -> dict[str, Any]:
    return {
        "query": results.query,
        "total": results.total,
        "hits": [
            {
                **{k: v for k, v in asdict(hit).items() if k != "snippet"},
                "levels": list(hit.levels),
                "snippet": hit.snippet.marked(*PLAIN_MARKS),
            }
            for hit in results.hits
        ],
        "facets": results.facets,
        "did_you_mean": results.did_you_mean,
        "notices": list(results.notices),
        "index": {
            "added": stats.added,
            "updated": stats.updated,
            "removed": stats.removed,
            "unchanged": stats.unchanged,
            "rebuilt": stats.rebuilt,
        },
    }


def results_text(results: SearchResults, taxonomy: Taxonomy, color: bool) -> list[str]:
    """The hits with their snippets, then the counts to refine by. Values from the
    project have their control characters shown escaped (``terminal_safe``)."""
    safe = terminal_safe
    lines = [safe(f"Note: {notice}.") for notice in results.notices]
    if results.did_you_mean:
        suggestion = safe(results.did_you_mean)
        lines.append(
            f"Did you mean: {click.style(suggestion, bold=True) if color else suggestion}?"
        )
    if not results.hits:
        query = results.query.strip()
        lines.append(
            safe(f"No documents match '{query}'." if query else "No documents pass the filters.")
        )
        return lines
    shown = len(results.hits)
    what = f" for '{results.query}'" if results.query.strip() else ""
    lines.append(
        safe(
            f"{results.total} document{'s' if results.total != 1 else ''}{what}"
            + (f" (showing {shown})" if shown < results.total else "")
            + "\n"
        )
    )
    for number, hit in enumerate(results.hits, 1):
        title = click.style(safe(hit.title), bold=True) if color else safe(hit.title)
        levels = ", ".join(_label(taxonomy.levels, level) for level in hit.levels)
        kind = TYPE_LABELS.get(hit.type, (hit.type,))[0]
        lines.append(f"{number:>2}. {title}")
        lines.append(safe(f"    {hit.id} · {kind} · {levels} · {hit.path}"))
        snippet = _snippet(hit.snippet, color)
        if snippet:
            lines += [f"    {line}" for line in textwrap.wrap(snippet, 96)]
        lines.append("")
    return lines + _facets(results.facets)


def ways_out(query: str, filters: Mapping[str, Sequence[str]], taxonomy: Taxonomy) -> list[str]:
    """For a search that found nothing: filters to drop, and vocabulary terms whose
    names resemble the words."""
    lines = []
    if filters:
        given = " ".join(f"--{name} {v}" for name, values in filters.items() for v in values)
        lines.append(
            terminal_safe(f"Filters narrowed the search ({given}); try it without some of them.")
        )
    words = [w for w in query.replace('"', " ").split() if w not in ("AND", "OR", "NOT")]
    named = QueryModel(taxonomy).resembling(words)
    if named:
        lines.append("Vocabulary terms with names like these words:")
        for term in named:
            option = f"--{term.vocabulary} {term.id}" if term.vocabulary in FILTER_OPTIONS else ""
            how = f": kb search {option}" if option else ""
            lines.append(terminal_safe(f"  {term.label} ({term.vocabulary}){how}"))
    return lines


def _snippet(snippet: Snippet, color: bool) -> str:
    if not color:
        return terminal_safe(snippet.marked(*PLAIN_MARKS))
    return "".join(
        click.style(terminal_safe(text), fg="yellow", bold=True) if hit else terminal_safe(text)
        for text, hit in snippet.parts
    )


def _facets(facets: dict[str, dict[str, int]]) -> list[str]:
    lines = []
    for name, counts in facets.items():
        if not counts:
            continue
        shown = list(counts.items())[:8]
        more = f" (+{len(counts) - len(shown)} more)" if len(counts) > len(shown) else ""
        lines.append(terminal_safe(f"  {name}: " + ", ".join(f"{v} {n}" for v, n in shown) + more))
    return ["Refine with:", *lines] if lines else []


def _label(terms: Mapping[str, Term], term_id: str) -> str:
    term = terms.get(term_id)
    return term.label if term else term_id
