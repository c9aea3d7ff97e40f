"""Scoring: Whoosh's BM25F computed from postings read a block at a time.

Whoosh walks a tree of matchers document by document, looking up each
field length through several layers; on thousands of documents that is most
of a query's time. These shortcuts give Whoosh's own scores (the tests
compare them) and fall back to Whoosh where what they expect is not there.
They reach into Whoosh's codec, hence the pinned version range.
"""

from __future__ import annotations

import collections
import itertools
from itertools import accumulate, islice
from typing import Any

from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.scoring import BM25F, BM25FScorer
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

from kb.search.analysis import PAIRED_PARTS, LanguageText, next_key, next_mark, pair_term
from kb.search.fields import stored_part


class CachedLengthsBM25F(BM25F):  # type: ignore[misc]
    """Whoosh's BM25F, with each segment's field lengths read once into a list.

    BM25 divides by the length of the field in each matching document; Whoosh
    looks that up through several layers for every posting scored, which is
    most of the cost of a query matching thousands of documents.
    """

    def __init__(self) -> None:
        super().__init__()
        self._lengths: dict[tuple[int, str], tuple[Any, list[int]]] = {}
        self._postings: dict[tuple[int, str, bytes], tuple[list[int], list[Any]]] = {}
        self._scorers: dict[tuple[int, str, bytes, int], Any] = {}

    def scorer(self, searcher: Any, fieldname: str, text: bytes, qf: int = 1) -> Any:
        key = (id(searcher), fieldname, text, qf)
        if key in self._scorers:
            return self._scorers[key]
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if isinstance(scorer, BM25FScorer):
            scorer.dfl = self.lengths(searcher.reader(), fieldname).__getitem__
        self._scorers[key] = scorer
        return scorer

    def postings(self, reader: Any, fieldname: str, text: bytes) -> tuple[list[int], list[Any]]:
        """A term's documents and weights (``read_postings``), read once per search:
        the proximity bonus, phrases and the fall-back to most of the words read
        again terms the query itself read. Do not change the lists."""
        key = (id(reader), fieldname, text)
        found = self._postings.get(key)
        if found is None:
            found = self._postings[key] = read_postings(reader.postings(fieldname, text))
        return found

    def forget(self) -> None:
        """Drop the postings and scorers kept for one search (the lengths stay)."""
        self._postings.clear()
        self._scorers.clear()

    def lengths(self, reader: Any, fieldname: str) -> list[int]:
        """The length of a field in every document of a segment."""
        key = (id(reader), fieldname)
        if key not in self._lengths:
            # The reader is kept with its lengths so that its id is not reused.
            self._lengths[key] = (reader, read_lengths(reader, fieldname))
        return self._lengths[key][1]


_BYTE_LENGTHS = [byte_to_length(b) or 1 for b in range(256)]


def read_lengths(reader: Any, fieldname: str) -> list[int]:
    """The length of a field in every document of one segment (1 where it is empty)."""
    count = reader.doc_count_all()
    try:
        # The lengths column holds one byte per document: read it in one go.
        column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        raw = b"" if column is None else column._dbfile.get(column._basepos, column._count)
        lengths = [_BYTE_LENGTHS[b] for b in raw[:count]]
        return lengths + [1] * (count - len(lengths))
    except AttributeError:
        # Another codec: ask document by document.
        return [reader.doc_field_length(n, fieldname, 1) or 1 for n in range(count)]


class Phrase(wq.Phrase):  # type: ignore[misc]
    """A phrase query answered from the pairs of words side by side.

    The text fields keep no positions (decoding them was most of a query's
    time): the documents holding a phrase are those holding each pair of its
    words, side by side, in the same part (``WordPairs`` for a title or a
    lead, ``NextWords`` for a body); a phrase of three words or more
    is then checked on the stored text of those few documents. Documents
    score as the sum of their words' BM25 scores in the field, as Whoosh
    scores a phrase. A phrase with a slop (``"a b"~3``) matches the
    documents holding all its words, which is the nearest the index can say.
    """

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        schema = searcher.schema
        if self.fieldname not in schema:
            return NullMatcher()
        field = schema[self.fieldname]
        if not isinstance(field, LanguageText) or len(self.words) < 2:
            return super().matcher(searcher, context)
        weighting = context.weighting if context is not None else searcher.weighting
        reader = searcher.reader()
        part = self.fieldname.rsplit("_", 1)[0]
        candidates: set[int] | None = None
        if self.slop == 1:
            for first, second in itertools.pairwise(self.words):
                candidates = _side_by_side(reader, field.language, part, first, second, candidates)
                if not candidates:
                    return NullMatcher()
        words: list[tuple[dict[int, float], Any]] = []
        for word in self.words:
            text = field.to_bytes(word)
            if (self.fieldname, text) not in reader:
                return NullMatcher()
            scorer = weighting.scorer(searcher, self.fieldname, text) if weighting else None
            if not isinstance(scorer, BM25FScorer):
                return super().matcher(searcher, context)
            if isinstance(weighting, CachedLengthsBM25F):
                docs, weights = weighting.postings(reader, self.fieldname, text)
            else:
                docs, weights = read_postings(reader.postings(self.fieldname, text))
            words.append((dict(zip(docs, weights, strict=True)), scorer))
        if candidates is None:  # with a slop: every word
            candidates = set(words[0][0]).intersection(*(found for found, _s in words[1:]))
        elif len(self.words) > 2:
            candidates = {d for d in candidates if self._in_text(field, reader, part, d)}
        ids = sorted(candidates)
        scores = [
            self.boost * sum(scorer._score(found[doc], scorer.dfl(doc)) for found, scorer in words)
            for doc in ids
        ]
        return ListMatcher(ids, weights=scores) if ids else NullMatcher()

    def _in_text(self, field: LanguageText, reader: Any, part: str, docnum: int) -> bool:
        """Whether the part of a document has the phrase's words side by side, in order."""
        words = list(self.words)
        span = len(words) - 1
        window: collections.deque[tuple[int, str]] = collections.deque(maxlen=len(words))
        for position, term in field.positions(stored_part(reader.stored_fields(docnum), part)):
            window.append((position, term))
            if position - window[0][0] == span and [t for _p, t in window] == words:
                return True
        return False


def _side_by_side(
    reader: Any, language: str, part: str, first: str, second: str, among: set[int] | None
) -> set[int]:
    """The documents (of ``among``, if given) whose part has two terms side by side."""
    if part in PAIRED_PARTS:
        fieldname, text = f"pairs_{language}", pair_term(part, first, second).encode("utf-8")
        if (fieldname, text) not in reader:
            return set()
        docs, _weights = read_postings(reader.postings(fieldname, text))
        return set(docs) if among is None else among.intersection(docs)
    fieldname, text = f"next_{language}", next_key(part, first).encode("utf-8")
    if (fieldname, text) not in reader:
        return set()
    docs, values = read_postings(reader.postings(fieldname, text), values=True)
    mark = next_mark(second)
    return {
        doc
        for doc, value in zip(docs, values, strict=True)
        if mark in value and (among is None or doc in among)
    }


def evaluate(query: Any, searcher: Searcher) -> dict[int, float] | None:
    """Every document matching a query of words, phrases, AND, OR and NOT, with
    its score as Whoosh would give it (BM25F, sums over AND and OR, boosts).

    Whoosh walks a tree of matchers document by document; for a query of
    several common words that is tens of milliseconds at a few thousand
    documents. Reading each word's postings once and combining them as
    dictionaries does the same work in a fraction of the time. Returns None
    for a query of any other shape, which Whoosh then runs itself.
    """
    scores: dict[int, float] = {}
    for subsearcher, offset in searcher.leaf_searchers():
        found = segment_scores(query, subsearcher)
        if found is None:
            return None
        if offset:
            found = {docnum + offset: score for docnum, score in found.items()}
        scores.update(found)
    return scores


def segment_scores(query: Any, searcher: Searcher) -> dict[int, float] | None:
    if isinstance(query, wq.Term):
        return term_scores(query, searcher)
    if query is wq.NullQuery:
        return {}
    if isinstance(query, (wq.And, wq.Or)) and type(query) in (wq.And, wq.Or):
        if isinstance(query, wq.Or) and (query.minmatch or query.scale):
            return None
        positive: list[dict[int, float]] = []
        negative: set[int] = set()
        # Whoosh matches a NOT inside an AND as "every other document", scoring 1.
        bonus = 0.0
        subqueries = query.subqueries
        if type(query) is wq.Or:
            # The words of an OR (a word in each field) add their scores straight into
            # one dictionary: a dictionary per word, merged after, was a third of a query.
            words: dict[int, float] = {}
            for sub in subqueries:
                if type(sub) is wq.Term:
                    add_term_scores(words, sub, searcher)
            positive.append(words)
            subqueries = [sub for sub in subqueries if type(sub) is not wq.Term]
        for sub in subqueries:
            if isinstance(sub, wq.Not) and type(query) is wq.And:
                excluded = segment_scores(sub.query, searcher)
                if excluded is None:
                    return None
                negative.update(excluded)
                bonus += 1.0
                continue
            found = segment_scores(sub, searcher)
            if found is None:
                return None
            positive.append(found)
        boost = query.boost
        if type(query) is wq.Or:
            # Adding each part's scores in, part after part, is one dictionary update per
            # posting; asking every part about every document was most of a query's time.
            total = positive[0]
            for part in positive[1:]:
                get = total.get
                for doc, score in part.items():
                    total[doc] = get(doc, 0.0) + score
            if boost == 1.0 and not negative:
                return total
            return {doc: score * boost for doc, score in total.items() if doc not in negative}
        positive.sort(key=len)
        docs = set(positive[0]).intersection(*positive[1:]) if positive else set()
        docs -= negative
        scores: dict[int, float] = dict.fromkeys(docs, bonus)
        for part in positive:
            for doc in docs:
                scores[doc] += part[doc]
        if boost != 1.0:
            scores = {doc: score * boost for doc, score in scores.items()}
        return scores
    if type(query) in (wq.Prefix, wq.Wildcard) and query.text:
        return pattern_scores(query, searcher)
    if isinstance(query, Phrase):
        matcher = query.matcher(searcher, searcher.context())
        found = {}
        while matcher.is_active():
            found[matcher.id()] = matcher.score()
            matcher.next()
        return found
    return None


def pattern_scores(query: Any, searcher: Searcher) -> dict[int, float] | None:
    """A prefix or wildcard query's documents, scored as Whoosh does: one word found,
    that word's BM25 score (the query's boost left out); several, the sum of their
    BM25 scores times the boost (Whoosh's "constant score" does not reach the words)."""
    schema = searcher.schema
    if query.fieldname not in schema:
        return {}
    field = schema[query.fieldname]
    words = [
        wq.Term(query.fieldname, field.from_bytes(text))
        for text in query._btexts(searcher.reader())
        if text
    ]
    if len(words) < 2:
        return term_scores(words[0], searcher) if words else {}
    return segment_scores(wq.Or(words, boost=query.boost), searcher)


def term_scores(term: Any, searcher: Searcher) -> dict[int, float]:
    """Each document holding a term, with its BM25F score."""
    scores: dict[int, float] = {}
    add_term_scores(scores, term, searcher)
    return scores


def add_term_scores(scores: dict[int, float], term: Any, searcher: Searcher) -> None:
    """Add the BM25F score of a term to each document holding it."""
    reader = searcher.reader()
    if term.fieldname not in searcher.schema:
        return
    field = searcher.schema[term.fieldname]
    try:
        text = field.to_bytes(term.text)
    except ValueError:
        return
    if (term.fieldname, text) not in reader:
        return
    weighting = searcher.weighting
    scorer = weighting.scorer(searcher, term.fieldname, text)
    boost = term.boost
    get = scores.get
    if isinstance(scorer, BM25FScorer) and isinstance(weighting, CachedLengthsBM25F):
        docs, weights = weighting.postings(reader, term.fieldname, text)
        # bm25 = idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / average length))
        lengths = weighting.lengths(reader, term.fieldname)
        top = scorer.idf * (scorer.K1 + 1) * boost
        base = scorer.K1 * (1 - scorer.B)
        per_length = scorer.K1 * scorer.B / scorer.avgfl
        for doc, tf in zip(docs, weights, strict=True):
            scores[doc] = get(doc, 0.0) + top * tf / (tf + base + per_length * lengths[doc])
        return
    docs, weights = read_postings(reader.postings(term.fieldname, text))
    for doc, tf in zip(docs, weights, strict=True):
        scores[doc] = get(doc, 0.0) + scorer._score(tf, scorer.dfl(doc)) * boost


def read_postings(postings: Any, values: bool = False) -> tuple[list[int], list[Any]]:
    """Every document of a term's postings, with its weight (or its encoded value)."""
    docs: list[int] = []
    data: list[Any] = []
    if isinstance(postings, W3LeafMatcher):
        # Block by block, each block's pickled tuple decoded here: Whoosh's own reading
        # undoes the gaps between ids with a Python generator, a call per posting, which
        # was a third of a query of common words at 5,000 documents.
        try:
            while postings.is_active():
                if postings._data is None:
                    postings._read_data()
                ids, weights, encoded = postings._data[:3]
                first = postings._i
                ids = ids if postings._byteids else accumulate(ids)
                docs.extend(islice(ids, first, None))
                if values:
                    size = postings._fixedsize
                    if size is not None and size >= 0:  # fixed-size values, packed
                        postings._read_values()
                        encoded = postings._values
                    data.extend(encoded[first:])
                elif weights is None or isinstance(weights, float):
                    count = postings._blocklength - first
                    data.extend([1.0 if weights is None else weights] * count)
                else:
                    data.extend(weights[first:])
                postings._next_block()
            return docs, data
        except AttributeError:  # another version of Whoosh: the slow way below
            docs.clear()
            data.clear()
            postings.reset()
    while postings.is_active():
        docs.append(postings.id())
        data.append(postings.value() if values else postings.weight())
        postings.next()
    return docs, data
