"""The search index: the knowledge base in Whoosh, kept up to date incrementally.

This package is the only place that imports Whoosh. Its interface is small,
so that another engine can replace it for very large collections:

- ``SearchIndex(index_dir).update(knowledge_base) -> UpdateStats``
- ``SearchIndex(index_dir).search(query, filters, limit) -> SearchResults``

One module per concern: ``querymodel`` (what makes a query match, shared
with the site's search), ``analysis`` (words, analysers, labels), ``fields``
(the schema and a document's fields), ``index`` (building, incremental
updates, the lock), ``bulk`` (a full build's postings), ``query``
(searching, filters, facets, fallbacks), ``parsing`` (reading a query),
``scoring`` (BM25F from postings), ``snippets`` and ``suggestions``
(spelling).

Layout and guarantees:

- Every document is indexed with a hash of what was indexed; ``update``
  re-indexes only the documents whose hash changed and removes the ones that
  are gone. A different ``INDEX_VERSION`` (schema, analysers) or an index
  that cannot be opened means a full rebuild; so does an index found damaged
  while searching (``IndexDamaged``): it is marked stale for the next update.
- A full rebuild is written into a fresh folder beside the index and swapped
  in when complete; an incremental one is a Whoosh transaction, which only
  becomes visible when its table of contents is renamed into place. An
  interrupted build therefore leaves the previous index as it was.
- One ``update`` at a time: a lock file beside the index (released by the
  operating system if the process dies). A second writer waits up to
  ``lock_timeout`` seconds and then fails with a KbError saying why.
- Language-aware text: every document's title, summary, headings and body go
  into fields for its language, analysed with that language's stop words
  and Snowball stemmer (English, French, Spanish, Portuguese, German,
  Italian, Dutch; other languages are indexed without stemming). Accents are
  folded after stemming, so ``evaluation`` finds ``évaluation``. The names
  of a document's themes (with their aliases), levels, programme and
  countries are searchable too.

Speed: Whoosh is pure Python, and on thousands of documents its general
machinery is most of the cost. These shortcuts, each giving Whoosh's own
results (the tests compare them), keep a 5,000-document knowledge base
within the project's bounds: indexing analyses each distinct word once
(``analysis.LanguageText``); BM25's field lengths are read once per segment
(``scoring.CachedLengthsBM25F``); queries of words, phrases, prefixes, AND,
OR and NOT are scored from postings read a block at a time
(``scoring.evaluate``). The text fields keep no positions (decoding them was
most of a query's time): phrases are found from the pairs of words side by
side (``scoring.Phrase``). For a title or a lead, read by every query of
several words (words side by side there count extra), each pair is a term of
the language's ``pairs_`` field (``analysis.WordPairs``); for a body, where
nearly every pair is unique and a term per pair made the index four times
larger and its build twice as long, the ``next_`` field has one posting per
word whose value lists the words that follow it (``analysis.NextWords``),
read only for explicit phrases. A full build puts each document's postings
straight into a pool of postings by term kept in memory and writes each term's
a block at a time (``bulk.TermPool``), where Whoosh's writer makes a tuple and
a call per posting, sorts them all and spills them to disk (the same index: a
test compares them).
Snippets are cut by our own code, analysing only the words that can match.
"""

from __future__ import annotations

from kb.search.analysis import plain_text
from kb.search.fields import INDEX_VERSION, content_hash, index_version
from kb.search.index import SearchIndex
from kb.search.querymodel import QueryModel, language_key
from kb.search.results import Hit, IndexDamaged, QueryError, SearchResults, Snippet, UpdateStats

__all__ = [
    "INDEX_VERSION",
    "Hit",
    "IndexDamaged",
    "QueryError",
    "QueryModel",
    "SearchIndex",
    "SearchResults",
    "Snippet",
    "UpdateStats",
    "content_hash",
    "index_version",
    "language_key",
    "plain_text",
]
