"""Judged query sets and their measures (success@3, MRR), for kb's search and a baseline.

A judged query passes when one of its acceptable documents is among the first
three hits. The baseline is a plain Whoosh index of the same documents (title,
summary and body with Whoosh's stemming analyser, Whoosh's default BM25F and
query parser): kb's own search must do at least as well.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from whoosh import index as whoosh_index
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import ID, TEXT, Schema
from whoosh.qparser import MultifieldParser, OrGroup

from kb.model import KnowledgeBase
from kb.search import QueryError, SearchIndex, plain_text

JUDGED = Path(__file__).parent / "judged"
TOP = 3


@dataclass(frozen=True, eq=False)
class Judged:
    query: str
    accept: frozenset[str]
    filters: Mapping[str, Sequence[str]] = field(default_factory=dict)
    names_theme: bool = False
    held_out: bool = False

    @property
    def label(self) -> str:
        where = " ".join(f"{k}={','.join(v)}" for k, v in self.filters.items())
        return f"{self.query!r} {where}".strip()


def judged_set(name: str, knowledge_base: KnowledgeBase) -> list[Judged]:
    """The judged queries of ``judged/<name>.yml``, their themes resolved to documents."""
    entries = yaml.safe_load((JUDGED / f"{name}.yml").read_text(encoding="utf-8"))
    judged = []
    for entry in entries:
        accept = set(entry.get("accept", ()))
        themes = entry.get("theme") or []
        themes = [themes] if isinstance(themes, str) else themes
        if themes:
            accept.update(
                doc.id
                for doc in knowledge_base.documents.values()
                if all(t in doc.themes for t in themes)
            )
        judged.append(
            Judged(
                query=str(entry["q"]),
                accept=frozenset(accept),
                filters=entry.get("filters") or {},
                names_theme=bool(entry.get("names_theme")),
                held_out=bool(entry.get("held_out")),
            )
        )
    return judged


Ranker = Callable[[Judged], list[str]]


@dataclass
class Measured:
    """How an engine did on a judged set."""

    engine: str
    ranks: dict[Judged, int | None]  # 1-based rank of the first acceptable hit
    empty: list[Judged]

    def success(self, held_out: bool | None = None) -> float:
        chosen = [j for j in self.ranks if held_out is None or j.held_out == held_out]
        good = [j for j in chosen if (self.ranks[j] or TOP + 1) <= TOP]
        return len(good) / len(chosen) if chosen else 1.0

    def mrr(self, held_out: bool | None = None) -> float:
        chosen = [j for j in self.ranks if held_out is None or j.held_out == held_out]
        total = sum(1 / r for j in chosen if (r := self.ranks[j]))
        return total / len(chosen) if chosen else 1.0

    def failures(self) -> list[str]:
        return [
            f"{j.label}: first acceptable at {self.ranks[j] or 'none'}"
            for j in self.ranks
            if (self.ranks[j] or TOP + 1) > TOP
        ]

    def summary(self) -> str:
        return (
            f"{self.engine}: success@3 {self.success(False):.0%} tuned, "
            f"{self.success(True):.0%} held out, {self.success():.0%} all; "
            f"MRR {self.mrr():.2f} ({len(self.ranks)} queries)"
        )


def measure(engine: str, judged: Sequence[Judged], rank: Ranker) -> Measured:
    ranks: dict[Judged, int | None] = {}
    empty: list[Judged] = []
    for item in judged:
        found = rank(item)
        if not found:
            empty.append(item)
        ranks[item] = next((n for n, i in enumerate(found, 1) if i in item.accept), None)
    return Measured(engine, ranks, empty)


def kb_ranker(index: SearchIndex, limit: int = 10) -> Ranker:
    def rank(item: Judged) -> list[str]:
        try:
            results = index.search(item.query, {k: list(v) for k, v in item.filters.items()}, limit)
        except QueryError:
            return []
        return [hit.id for hit in results.hits]

    return rank


class WhooshBaseline:
    """Whoosh out of the box over the same documents: stemmed title, summary and body,
    BM25F with its default parameters, the default query parser (all words), and the
    same with any word (``OrGroup``)."""

    def __init__(self, knowledge_base: KnowledgeBase) -> None:
        self.folder = tempfile.TemporaryDirectory(prefix="kb-baseline-")
        schema = Schema(
            id=ID(stored=True, unique=True),
            title=TEXT(analyzer=StemmingAnalyzer()),
            summary=TEXT(analyzer=StemmingAnalyzer()),
            body=TEXT(analyzer=StemmingAnalyzer()),
        )
        self.ix = whoosh_index.create_in(self.folder.name, schema)
        writer = self.ix.writer()
        for doc in knowledge_base.documents.values():
            if doc.status == "draft":
                continue
            writer.add_document(
                id=doc.id, title=doc.title, summary=doc.summary, body=plain_text(doc.body)
            )
        writer.commit()
        self.documents = knowledge_base.documents

    def close(self) -> None:
        self.ix.close()
        self.folder.cleanup()

    def _passes(self, doc_id: str, filters: Mapping[str, Sequence[str]]) -> bool:
        doc = self.documents[doc_id]
        values = {
            "type": [doc.type],
            "theme": list(doc.themes),
            "level": list(doc.levels),
            "country": list(doc.countries),
            "programme": [doc.programme] if doc.programme else [],
            "language": [doc.language],
        }
        return all(set(values[k]) & set(v) for k, v in filters.items())

    def ranker(self, any_word: bool = False, limit: int = 10) -> Ranker:
        fields = ["title", "summary", "body"]
        parser = (
            MultifieldParser(fields, self.ix.schema, group=OrGroup)
            if any_word
            else MultifieldParser(fields, self.ix.schema)
        )

        def rank(item: Judged) -> list[str]:
            with self.ix.searcher() as searcher:
                hits = searcher.search(parser.parse(item.query), limit=None)
                ids = [hit["id"] for hit in hits]
            return [i for i in ids if self._passes(i, item.filters)][:limit]

        return rank


def site_filters(item: Judged, knowledge_base: KnowledgeBase) -> dict[str, list[str]]:
    """A judged query's filters as the site's search takes them: by label."""
    from kb.model import TYPE_LABELS
    from kb.site.pages import country_name, language_name

    taxonomy = knowledge_base.taxonomy
    label_of: dict[str, Callable[[str], str]] = {
        "type": lambda v: TYPE_LABELS[v][0],
        "theme": lambda v: taxonomy.themes[v].label,
        "level": lambda v: taxonomy.levels[v].label,
        "programme": lambda v: taxonomy.programmes[v].name,
        "country": country_name,
        "language": language_name,
    }
    return {name: [label_of[name](v) for v in values] for name, values in item.filters.items()}


#: Runs every judged query in one page, in order: the first hits' addresses of each.
SITE_BATCH = """async (items) => {
  const out = [];
  for (const item of items) {
    const found = await window.kbSearch.run(item.q, {filters: item.filters, scope: item.scope});
    const pages = await Promise.all(found.ranked.slice(0, item.limit).map((r) => r.page.data()));
    out.push(pages.map((p) => p.url));
  }
  return out;
}"""


def site_ranker(page: Any, judged: Sequence[Judged], knowledge_base: KnowledgeBase) -> Ranker:
    """The site's engine (the search page's ``kbSearch.run``) over every language, as
    ``kb search`` searches; all queries run in one page, in one batch."""
    items = [
        {"q": j.query, "filters": site_filters(j, knowledge_base), "scope": "all", "limit": 10}
        for j in judged
    ]
    urls = page.evaluate(SITE_BATCH, items)
    ranked = {
        id(j): [u.rstrip("/").rsplit("/", 1)[-1] for u in found]
        for j, found in zip(judged, urls, strict=True)
    }
    return lambda item: ranked[id(item)]
