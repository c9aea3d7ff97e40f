"""Searching: a query and filters in, the best documents out, with facets and notices."""

from __future__ import annotations

import difflib
import functools
import heapq
import itertools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from whoosh import query as wq
from whoosh.qparser import AndGroup, MultifieldParser, OrGroup, plugins
from whoosh.searching import Searcher

from kb.errors import KbError
from kb.search.fields import index_schema
from kb.search.parsing import (
    fast_phrases,
    filter_field,
    has_error,
    is_plain,
    lexicon,
    normalise_query,
    normalise_value,
    query_words,
    terms_by_field,
)
from kb.search.querymodel import (
    FACET_PREFIX,
    FEW,
    FILTER_FIELDS,
    LANGUAGES,
    OTHER_LANGUAGE,
    PARTS,
    PROXIMITY_WEIGHT,
    WEIGHTS,
    language_key,
    rewrite,
    stop_words,
)
from kb.search.results import Hit, IndexDamaged, QueryError, SearchResults, Snippet
from kb.search.scoring import CachedLengthsBM25F, evaluate
from kb.search.snippets import SNIPPET_CHARS, best_snippet, shorten
from kb.search.suggestions import corrected, corrections


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
        """Search the index: words, "phrases", AND/OR/NOT, prefix*.

        A query of plain words is forgiving: common words are left out; every
        remaining word must match, and when that finds nothing, misspelt words
        are corrected from the index's own words; when there are still fewer
        than ``FEW`` matches, the documents with most of the words (at least
        half) are ranked with them by score, with a notice saying so. Words found side by side in a
        title or a lead count extra.

        ``filters`` maps a field (type, theme, level, country, programme,
        stakeholder, language or a facet id) to the values wanted: a document
        matches if it has any of the values of each field given (OR within a
        field, AND across fields). An empty query with filters lists the
        matching documents, most recent first. A query that cannot be taken
        as written is searched for as plain words, with a notice saying so;
        an empty one, or one of only common words, raises ``QueryError``.
        A damaged index raises ``IndexDamaged``.
        """
        try:
            return self._search(query, filters or {}, limit, include_drafts)
        except KbError:
            raise
        except Exception as exc:  # zlib, struct, pickle, EOF: the files are damaged
            self._mark_damaged()
            raise IndexDamaged(
                f"{self.index_dir}: the search index is damaged ({type(exc).__name__}); "
                "it is rebuilt at the next update (kb search does it)"
            ) from None
        finally:
            # The postings a search read are kept for that search only (a query reads
            # some terms again), never from one search to the next.
            if self._searcher is not None and isinstance(
                self._searcher.weighting, CachedLengthsBM25F
            ):
                self._searcher.weighting.forget()

    def _mark_damaged(self) -> None:
        raise NotImplementedError

    def _rewrites(self) -> dict[str, str]:
        raise NotImplementedError

    def _search(
        self,
        query: str,
        filters: Mapping[str, Sequence[str]],
        limit: int,
        include_drafts: bool,
    ) -> SearchResults:
        searcher = self._open_searcher()
        if not searcher.doc_count():
            return SearchResults(query=query, hits=[], total=0)
        notices: list[str] = []
        allowed = self._allowed(searcher, filters, include_drafts, notices)
        text = normalise_query(query, notices)
        text = rewrite(text, self._rewrites())
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
        stop = set().union(*(stop_words(lang) for lang in languages))
        if all(w.lower() in stop or len(w) < 2 for w in words):
            raise QueryError(
                f"'{query.strip()}' has only common words ({', '.join(words)}), which are "
                "not indexed; add a word that says what you are looking for"
            )
        plain = is_plain(text)
        if plain:
            # A stop word of any language searched would have to match in the others.
            words = [w for w in words if w.lower() not in stop and len(w) > 1]
            text = " ".join(words)
        parsed = self._parse(text, languages, AndGroup, notices)
        if parsed is None or isinstance(parsed, type(wq.NullQuery)):
            raise QueryError(
                f"'{query.strip()}' has nothing to search for once operators and common "
                "words are left out; add a word that says what you are looking for"
            )
        if allowed is not None and not allowed:
            # Whoosh takes an empty filter for no filter at all.
            return SearchResults(query=query, hits=[], total=0, notices=tuple(notices))
        scores = self._scores(searcher, parsed, allowed)
        replacements = corrections(searcher, words, languages)
        did_you_mean = corrected(text, replacements) if replacements else None
        if not scores and did_you_mean:
            fixed = self._parse(did_you_mean, languages, AndGroup, [])
            found = self._scores(searcher, fixed, allowed) if fixed is not None else {}
            if found:
                notices.append(f"nothing matches '{text}'; showing results for '{did_you_mean}'")
                parsed, scores, text = fixed, found, did_you_mean
                words = query_words(text)
        more: dict[int, tuple[int, float]] = {}
        if plain and len(words) > 1:
            self._add_proximity(searcher, words, languages, scores)
            if len(scores) < FEW:
                if replacements and text != did_you_mean and did_you_mean:
                    words = query_words(did_you_mean)
                more = self._most_words(searcher, words, languages, allowed, scores)
                if more and not scores:
                    notices.append("no page has every word; showing pages with most of them")
                elif more:
                    notices.append(
                        "few pages have every word; pages with most of them are included"
                    )
                if more:
                    parsed = self._parse(" ".join(words), languages, OrGroup, []) or parsed
        # With few pages holding every word, those with most of the words are ranked
        # with them by score: a page naming two of three words in its title can be a
        # better answer than one holding the third word once in its body.
        ranked = {**{doc: found for doc, (_count, found) in more.items()}, **scores}
        best = heapq.nsmallest(limit, ranked, key=lambda doc: (-ranked[doc], doc))
        top = [(doc, ranked[doc]) for doc in best]
        matched = set(scores) | set(more)
        wanted = terms_by_field(parsed, searcher)
        hits = [self._hit(searcher, docnum, score, wanted) for docnum, score in top]
        return SearchResults(
            query=query,
            hits=hits,
            total=len(matched),
            facets=self._facets(searcher, matched),
            did_you_mean=did_you_mean,
            notices=tuple(notices),
        )

    def _scores(self, searcher: Searcher, query: Any, allowed: set[int] | None) -> dict[int, float]:
        """Every document matching the query, with its score."""
        scores = evaluate(query, searcher)
        if scores is None:
            results = searcher.search(query, limit=None, filter=allowed)
            return {hit.docnum: hit.score for hit in results}
        if allowed is None:
            return scores
        return {doc: score for doc, score in scores.items() if doc in allowed}

    def _add_proximity(
        self,
        searcher: Searcher,
        words: Sequence[str],
        languages: Sequence[str],
        scores: dict[int, float],
    ) -> None:
        """Add the score of each pair of query words found side by side in a title or lead."""
        if not scores:
            return
        pairs = " ".join(f'"{a} {b}"' for a, b in itertools.pairwise(words))
        query = self._parse(pairs, languages, OrGroup, [], parts=("title", "lead"))
        found = evaluate(query, searcher) if query is not None else None
        for doc, score in (found or {}).items():
            if doc in scores:
                scores[doc] += PROXIMITY_WEIGHT * score

    def _most_words(
        self,
        searcher: Searcher,
        words: Sequence[str],
        languages: Sequence[str],
        allowed: set[int] | None,
        exclude: Mapping[int, float],
    ) -> dict[int, tuple[int, float]]:
        """Documents with at least half of the words: document → (words found, score)."""
        found: dict[int, tuple[int, float]] = {}
        for word in dict.fromkeys(w.lower() for w in words):
            query = self._parse(word, languages, AndGroup, [])
            if query is None:
                continue
            for doc, score in self._scores(searcher, query, allowed).items():
                count, total = found.get(doc, (0, 0.0))
                found[doc] = (count + 1, total + score)
        needed = max(1, math.ceil(len(set(words)) / 2))
        return {
            doc: value for doc, value in found.items() if value[0] >= needed and doc not in exclude
        }

    def _languages(self, searcher: Searcher) -> list[str]:
        """The language fields that hold documents."""
        present = {language_key(v) for v in lexicon(searcher, "language")}
        return [lang for lang in (*LANGUAGES, OTHER_LANGUAGE) if lang in present]

    def _parse(
        self,
        text: str,
        languages: Sequence[str],
        group: Any,
        notices: list[str],
        parts: Sequence[str] = PARTS,
    ) -> Any:
        if not languages or not parts:
            return None
        parser = _parser(tuple(languages), group, tuple(parts))
        parser.schema = self._searcher.schema if self._searcher else index_schema()
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
            live = frozenset(reader.all_doc_ids())  # not the deleted ones
            sets: dict[str, dict[str, frozenset[int]]] = {}
            for name in names:
                sets[name] = {
                    value: frozenset(reader.postings(name, value).all_ids()) & live
                    for value in lexicon(searcher, name)
                }
            sets[""] = {"": live}
            self._facet_sets = sets
        return self._facet_sets

    def _live_documents(self, searcher: Searcher) -> frozenset[int]:
        """Every document of the index, drafts included, deleted ones not."""
        return self._facet_postings(searcher)[""][""]

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
        # A query of common words matches most documents: then the few it does not
        # match are the cheaper ones to count against each value.
        everything = self._live_documents(searcher)
        unmatched = everything - matched if len(matched) * 2 > len(everything) else None
        for index_field, values in postings.items():
            if index_field in ("status", ""):
                continue
            name = names.get(index_field, index_field.removeprefix(FACET_PREFIX))
            counts = {}
            for value, docs in values.items():
                if unmatched is not None:
                    count = len(docs) - len(docs & unmatched)
                else:
                    count = len(docs & matched)
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
            terms = frozenset().union(
                *(wanted.get(f"{part}_{language}", frozenset()) for part in PARTS)
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


@functools.lru_cache(maxsize=64)
def _parser(languages: tuple[str, ...], group: Any, parts: tuple[str, ...]) -> MultifieldParser:
    """A query parser over the parts of the languages' fields, weighted, without the
    syntax readers would trip on; made once, as making one costs a query's millisecond."""
    fields = [f"{part}_{lang}" for lang in languages for part in parts]
    boosts = {f"{part}_{lang}": WEIGHTS[part] for lang in languages for part in parts}
    parser = MultifieldParser(fields, None, fieldboosts=boosts, group=group)
    for plugin in (
        plugins.FieldsPlugin,
        plugins.RangePlugin,
        plugins.BoostPlugin,
        plugins.EveryPlugin,
        plugins.SingleQuotePlugin,
    ):
        parser.remove_plugin_class(plugin)
    return parser
