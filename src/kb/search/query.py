"""Searching: a query and filters in, the best documents out, with facets and notices."""

from __future__ import annotations

import difflib
import heapq
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from whoosh import query as wq
from whoosh.qparser import AndGroup, MultifieldParser, OrGroup, plugins
from whoosh.searching import Searcher

from kb.search.analysis import OPERATORS, WORD
from kb.search.fields import index_schema
from kb.search.parsing import (
    all_stop_words,
    fast_phrases,
    filter_field,
    has_error,
    lexicon,
    normalise_query,
    normalise_value,
    query_words,
    terms_by_field,
)
from kb.search.querymodel import (
    BOOSTS,
    FACET_PREFIX,
    FILTER_FIELDS,
    LANGUAGES,
    OTHER_LANGUAGE,
    TEXT_PARTS,
    language_key,
)
from kb.search.results import Hit, QueryError, SearchResults, Snippet
from kb.search.scoring import evaluate
from kb.search.snippets import SNIPPET_CHARS, best_snippet, shorten
from kb.search.suggestions import known_stem


class Searching:
    """The searching half of ``SearchIndex`` (which opens the index and keeps it current)."""

    index_dir: Path
    _ix: Any
    _searcher: Searcher | None
    _facet_sets: dict[str, dict[str, frozenset[int]]] | None

    def _open_searcher(self) -> Searcher:
        raise NotImplementedError

    def search(
        self,
        query: str,
        filters: Mapping[str, Sequence[str]] | None = None,
        limit: int = 10,
        *,
        include_drafts: bool = False,
    ) -> SearchResults:
        """Search the index: words, "phrases", AND/OR/NOT, prefix*; all words must match.

        ``filters`` maps a field (type, theme, level, country, programme,
        stakeholder, language or a facet id) to the values wanted: a document
        matches if it has any of the values of each field given (OR within a
        field, AND across fields). An empty query with filters lists the
        matching documents, most recent first. A query that cannot be taken
        as written is searched for as plain words, with a notice saying so;
        an empty one, or one of only common words, raises ``QueryError``.
        """
        searcher = self._open_searcher()
        if not searcher.doc_count():
            return SearchResults(query=query, hits=[], total=0)
        notices: list[str] = []
        allowed = self._allowed(searcher, filters or {}, include_drafts, notices)
        text = normalise_query(query, notices)
        languages = self._languages(searcher)
        words = query_words(text)
        if not text and not query.strip():
            if not filters:
                raise QueryError("the query is empty; give some words to search for")
            return self._browse(searcher, allowed, limit, query, notices)
        if not words:
            raise QueryError(
                f"'{query.strip()}' has nothing to search for once operators and common "
                "words are left out; add a word that says what you are looking for"
            )
        if words and all_stop_words(words, languages):
            raise QueryError(
                f"'{query.strip()}' has only common words ({', '.join(words)}), which are "
                "not indexed; add a word that says what you are looking for"
            )
        parsed = self._parse(text, languages, AndGroup, notices)
        if parsed is None or isinstance(parsed, type(wq.NullQuery)):
            raise QueryError(
                f"'{query.strip()}' has nothing to search for once operators and common "
                "words are left out; add a word that says what you are looking for"
            )
        if allowed is not None and not allowed:
            # Whoosh takes an empty filter for no filter at all.
            return SearchResults(query=query, hits=[], total=0, notices=tuple(notices))
        top, matched = self._run(searcher, parsed, allowed, limit)
        if not matched and len(words) > 1 and not (set(text.split()) & OPERATORS):
            relaxed = self._parse(text, languages, OrGroup, [])
            if relaxed is not None:
                top, matched = self._run(searcher, relaxed, allowed, limit)
                if matched:
                    parsed = relaxed
                    notices.append(
                        "no document has all of the words; showing those with any of them"
                    )
        wanted = terms_by_field(parsed, searcher)
        hits = [self._hit(searcher, docnum, score, wanted) for docnum, score in top]
        return SearchResults(
            query=query,
            hits=hits,
            total=len(matched),
            facets=self._facets(searcher, matched),
            did_you_mean=self._did_you_mean(searcher, text, words, languages),
            notices=tuple(notices),
        )

    def _run(
        self, searcher: Searcher, query: Any, allowed: set[int] | None, limit: int
    ) -> tuple[list[tuple[int, float]], set[int]]:
        """The best documents (number, score), best first, and every matching document."""
        scores = evaluate(query, searcher)
        if scores is None:
            # One pass scores every match: the top, the total and the facet counts all
            # come from it (Whoosh's top-N shortcut would need a second pass to count).
            results = searcher.search(query, limit=None, filter=allowed)
            return [(hit.docnum, hit.score) for hit in results[:limit]], set(results.docs())
        matched = set(scores) if allowed is None else scores.keys() & allowed
        # Best first; of equal scores the earlier document first, as Whoosh orders them.
        best = heapq.nsmallest(limit, matched, key=lambda doc: (-scores[doc], doc))
        return [(doc, scores[doc]) for doc in best], matched

    def _languages(self, searcher: Searcher) -> list[str]:
        """The language fields that hold documents."""
        present = {language_key(v) for v in lexicon(searcher, "language")}
        return [lang for lang in (*LANGUAGES, OTHER_LANGUAGE) if lang in present]

    def _parse(self, text: str, languages: Sequence[str], group: Any, notices: list[str]) -> Any:
        fields = [f"{part}_{lang}" for lang in languages for part in TEXT_PARTS]
        if not fields:
            return None
        boosts = {f"{part}_{lang}": BOOSTS[part] for lang in languages for part in TEXT_PARTS}
        fields.append("labels")
        boosts["labels"] = BOOSTS["labels"]
        parser = MultifieldParser(fields, None, fieldboosts=boosts, group=group)
        parser.schema = self._searcher.schema if self._searcher else index_schema()
        for plugin in (
            plugins.FieldsPlugin,
            plugins.RangePlugin,
            plugins.BoostPlugin,
            plugins.EveryPlugin,
            plugins.SingleQuotePlugin,
        ):
            parser.remove_plugin_class(plugin)
        try:
            parsed = parser.parse(text)
            if has_error(parsed):
                raise ValueError("syntax")
            return fast_phrases(parsed)
        except Exception:
            plain = " ".join(query_words(text))
            notices.append(
                f"the query could not be read as written; searched for the words: {plain}"
            )
            if not plain:
                return None
            try:
                return parser.parse(plain)
            except Exception:
                return None

    def _browse(
        self,
        searcher: Searcher,
        allowed: set[int] | None,
        limit: int,
        query: str,
        notices: list[str],
    ) -> SearchResults:
        """Every document the filters let through, most recently changed first."""
        reader = searcher.reader()
        live = set(reader.all_doc_ids())
        matched = live if allowed is None else allowed & live
        dates = reader.column_reader("date")
        ids = reader.column_reader("id")
        ordered = sorted(matched, key=lambda n: ids[n])
        ordered.sort(key=lambda n: dates[n], reverse=True)
        return SearchResults(
            query=query,
            hits=[self._hit(searcher, n) for n in ordered[:limit]],
            total=len(matched),
            facets=self._facets(searcher, matched),
            notices=tuple(notices),
        )

    def _facet_postings(self, searcher: Searcher) -> dict[str, dict[str, frozenset[int]]]:
        """Field → value → documents holding it; read once per opened index."""
        if self._facet_sets is None:
            names = [*FILTER_FIELDS.values(), "status"]
            names += sorted(
                n for n in searcher.reader().indexed_field_names() if n.startswith(FACET_PREFIX)
            )
            reader = searcher.reader()
            sets: dict[str, dict[str, frozenset[int]]] = {}
            for name in names:
                sets[name] = {
                    value: frozenset(reader.postings(name, value).all_ids())
                    for value in lexicon(searcher, name)
                }
            self._facet_sets = sets
        return self._facet_sets

    def _allowed(
        self,
        searcher: Searcher,
        filters: Mapping[str, Sequence[str]],
        include_drafts: bool,
        notices: list[str],
    ) -> set[int] | None:
        """The documents the filters let through, or None for all of them."""
        postings = self._facet_postings(searcher)
        allowed: set[int] | None = None
        for name, values in filters.items():
            if not values:
                continue
            index_field = filter_field(name, postings)
            known = postings.get(index_field, {})
            chosen: set[int] = set()
            for value in values:
                key = normalise_value(index_field, value)
                matches = [
                    v
                    for v in known
                    if v == key or (index_field == "language" and v.startswith(key + "-"))
                ]
                if not matches:
                    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
                    hint = f"; did you mean '{close[0]}'?" if close else ""
                    notices.append(f"no document has {name} '{value}'{hint}")
                for match in matches:
                    chosen.update(known[match])
            allowed = chosen if allowed is None else allowed & chosen
        if not include_drafts and "draft" in postings.get("status", {}):
            drafts = postings["status"]["draft"]
            if allowed is None:
                allowed = set(searcher.reader().all_doc_ids()) - drafts
            else:
                allowed -= drafts
        return allowed

    def _facets(self, searcher: Searcher, matched: set[int]) -> dict[str, dict[str, int]]:
        """For each filter field, how many matches hold each value, most first."""
        postings = self._facet_postings(searcher)
        facets: dict[str, dict[str, int]] = {}
        names = {**{v: k for k, v in FILTER_FIELDS.items()}}
        for index_field, values in postings.items():
            if index_field == "status":
                continue
            name = names.get(index_field, index_field.removeprefix(FACET_PREFIX))
            counts = {}
            for value, docs in values.items():
                count = len(docs & matched) if len(docs) < len(matched) else len(matched & docs)
                if count:
                    counts[value] = count
            facets[name] = dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
        return facets

    def _hit(
        self,
        searcher: Searcher,
        docnum: int,
        score: float | None = None,
        wanted: Mapping[str, frozenset[str]] | None = None,
    ) -> Hit:
        """A hit from a document's stored fields, with the words searched for marked."""
        stored = searcher.stored_fields(docnum)
        language = language_key(stored.get("language", ""))
        snippet = Snippet()
        if wanted:
            field = searcher.schema[f"text_{language}"]
            terms = wanted.get(f"text_{language}", frozenset()) | wanted.get(
                f"title_{language}", frozenset()
            )
            snippet = best_snippet(stored.get("body", ""), field, terms)
            if not snippet.parts:
                snippet = best_snippet(stored.get("summary", ""), field, terms)
        if not snippet.parts:
            snippet = Snippet(((shorten(stored.get("summary", ""), SNIPPET_CHARS), False),))
        return Hit(
            id=stored["id"],
            title=stored.get("title", ""),
            type=stored.get("type", ""),
            levels=tuple(stored.get("levels", "").split()),
            path=stored.get("path", ""),
            url=stored.get("url", ""),
            language=stored.get("language", ""),
            score=round(float(score or 0.0), 3),
            snippet=snippet,
        )

    def _did_you_mean(
        self, searcher: Searcher, text: str, words: Sequence[str], languages: Sequence[str]
    ) -> str | None:
        """The query with unknown words replaced by the closest indexed ones, if any."""
        reader = searcher.reader()
        replacements: dict[str, str] = {}
        for word in words:
            lowered = word.lower()
            if "*" in word or "?" in word or ("spell", lowered) in reader:
                continue
            if known_stem(reader, lowered, languages):
                continue
            # Assuming the first letter is right makes this a hundred times faster;
            # only when that finds nothing is the first letter questioned too.
            suggestions = searcher.suggest("spell", lowered, limit=1, maxdist=2, prefix=1)
            if not suggestions:
                suggestions = searcher.suggest("spell", lowered, limit=1, maxdist=1)
            if suggestions and suggestions[0] != lowered:
                replacements[word] = suggestions[0]
        if not replacements:
            return None
        return WORD.sub(lambda m: replacements.get(m.group(0), m.group(0)), text)
