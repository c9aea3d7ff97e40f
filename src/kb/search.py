"""The search index: the knowledge base in Whoosh, kept up to date incrementally.

This is the only module that imports Whoosh. Its interface is small, so that
another engine can replace it for very large collections:

- ``SearchIndex(index_dir).update(knowledge_base) -> UpdateStats``
- ``SearchIndex(index_dir).search(query, filters, limit) -> SearchResults``

Layout and guarantees:

- Every document is indexed with a hash of what was indexed; ``update``
  re-indexes only the documents whose hash changed and removes the ones that
  are gone. A different ``INDEX_VERSION`` (schema, analysers) or an index
  that cannot be opened means a full rebuild.
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
  of a document's themes, levels, programme and countries are searchable too.

Speed: Whoosh is pure Python, and on thousands of documents its general
machinery is most of the cost. Four shortcuts, each giving Whoosh's own
results (the tests compare them), keep a 5,000-document knowledge base
within the project's bounds: indexing analyses each distinct word once
(``_LanguageText``); BM25's field lengths are read once per segment
(``_CachedLengthsBM25F``); queries of words, phrases, AND, OR and NOT are
scored from postings read a block at a time (``_evaluate``), with phrases
checked on position lists (``_Phrase``). They reach into Whoosh's
codec (hence the pinned version range) and fall back to Whoosh's own way
where what they expect is not there. Snippets are cut by our own code.
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import hashlib
import heapq
import json
import os
import pickle
import re
import shutil
import tempfile
import time
import warnings
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any

import pycountry
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    LanguageAnalyzer,
    LowercaseFilter,
    RegexTokenizer,
)
from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.fields import ID, KEYWORD, STORED, TEXT, Schema
from whoosh.formats import Positions
from whoosh.lang import stopwords_for_language
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.qparser import AndGroup, MultifieldParser, OrGroup, plugins
from whoosh.scoring import BM25F, BM25FScorer
from whoosh.searching import Searcher
from whoosh.support.charset import accent_map
from whoosh.system import _INT_SIZE
from whoosh.util.filelock import FileLock
from whoosh.util.numeric import byte_to_length

from kb.errors import KbError
from kb.links import HEADING, code_free_lines, plain_heading
from kb.model import TYPE_LABELS, Document, KnowledgeBase, Taxonomy
from kb.urls import document_url

#: Bump when the schema, the analysers or the indexed text change: forces a full rebuild.
INDEX_VERSION = "kb-search-1"
INDEX_NAME = "kb"
#: Languages with their own stop words and stemmer; others go into the ``xx`` fields.
LANGUAGES = ("en", "fr", "es", "pt", "de", "it", "nl")
OTHER_LANGUAGE = "xx"
# Two text fields per language: the title, and the rest (summary, headings, body).
# Each field multiplies the work of every query word, and on a corpus where
# words match most documents that work is the latency; a title of its own
# keeps titles ranking first, and a heading or the summary, also in the
# body or repeated, count more there by term frequency.
TEXT_PARTS = ("title", "text")
BOOSTS = {"title": 4.0, "text": 1.0, "labels": 1.5}
#: Filter and facet names (as the command line spells them) → index field.
FILTER_FIELDS = {
    "type": "type",
    "theme": "themes",
    "level": "levels",
    "country": "countries",
    "programme": "programme",
    "stakeholder": "stakeholders",
    "language": "language",
}
FACET_PREFIX = "facet_"
LOCK_TIMEOUT = 10.0
SNIPPET_CHARS = 160
SNIPPET_BEFORE = 40  # characters of context before the first match
SNIPPET_SCAN = 50_000  # characters of a body searched for matches

_WORD = re.compile(r"[^\W\d_][\w'\u2019-]*")
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})
_CONTROL_CHARS = dict.fromkeys([*range(0x09), *range(0x0B, 0x20), 0x7F], " ")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_REF_LINK = re.compile(r"\[([^\]]*)\]\[[^\]]*\]")
_REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+.*$", re.MULTILINE)
_HTML = re.compile(r"<[^>]+>")
_ATTRS = re.compile(r"\{:?[^}\n]*\}")
_FENCE_LINE = re.compile(r"^[ \t]*(?:```|~~~).*$", re.MULTILINE)
_LINE_MARKUP = re.compile(r"^[ \t]*(?:#{1,6}|>|[-*+]|\d+\.|!!!|\?\?\?\+?)(?=[ \t])", re.MULTILINE)
_UNDERSCORES = re.compile(r"_+")
_INLINE_MARKS = str.maketrans({"*": None, "`": None, "~": None, "|": " "})
_RULE_LINE = re.compile(r"^[ \t|:=-]*-{3,}[ \t|:=-]*$", re.MULTILINE)
_SPACES = re.compile(r"[ \t]{2,}|\t")
_LINE_EDGE_SPACES = re.compile(r"^ +| +$", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n[ \n]*\n")


# -- what the index answers ------------------------------------------------------


@dataclass(frozen=True)
class UpdateStats:
    """What an update did. ``rebuilt`` is true when the whole index was written anew."""

    added: int
    updated: int
    removed: int
    unchanged: int
    rebuilt: bool = False
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


@dataclass(frozen=True)
class Snippet:
    """A passage of a document with the words that matched marked."""

    parts: tuple[tuple[str, bool], ...] = ()

    @property
    def text(self) -> str:
        return "".join(text for text, _matched in self.parts)

    def marked(self, start: str = "[", end: str = "]") -> str:
        """The passage with each match between ``start`` and ``end``."""
        return "".join(f"{start}{text}{end}" if hit else text for text, hit in self.parts)


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    type: str
    levels: tuple[str, ...]
    path: str
    url: str
    language: str
    score: float
    snippet: Snippet


@dataclass(frozen=True)
class SearchResults:
    """The hits of a search, best first, and what a person needs around them.

    ``total`` counts every match (``hits`` stops at the limit); ``facets``
    counts, for each filter field, the values among all matches;
    ``did_you_mean`` is a corrected query when a word was not found;
    ``notices`` explain what was done with a query that could not be taken
    as written.
    """

    query: str
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    did_you_mean: str | None = None
    notices: tuple[str, ...] = ()


class QueryError(KbError):
    """A query that cannot be searched for: empty, or only common words."""


# -- analysis ---------------------------------------------------------------------


def language_key(language: str) -> str:
    """The suffix of a language's text fields: ``pt-BR`` → ``pt``; unsupported → ``xx``."""
    primary = language.split("-")[0].lower()
    return primary if primary in LANGUAGES else OTHER_LANGUAGE


def _analyzer(language: str) -> Analyzer:
    if language == OTHER_LANGUAGE:
        return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)
    # Folding accents after stemming: the stemmers expect them, searchers often omit them.
    return LanguageAnalyzer(language) | CharsetFilter(accent_map)


class _LanguageText(TEXT):  # type: ignore[misc]
    """A TEXT field of one language that indexes a text in one pass.

    Whoosh runs every word through a chain of generators (tokenizer, lower
    case, stop words, stemmer, accents); for a long body that is most of the
    cost of indexing. Every filter of the chain looks at one word alone, so
    the term a word becomes is the same wherever it occurs: here each
    distinct word goes through the chain once and is remembered. The
    analyser stays the field's own for queries and highlighting, and the
    postings come out the same as Whoosh's (a test compares them).
    """

    def __init__(self, language: str) -> None:
        super().__init__(analyzer=_analyzer(language))
        self.language = language
        self._terms: dict[str, str | None] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_terms", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._terms = {}

    def words(self, text: str) -> Iterator[re.Match[str]]:
        """The words of a text, as the analyser's tokenizer finds them."""
        return self.analyzer.items[0].expression.finditer(text)  # type: ignore[no-any-return]

    def term(self, word: str) -> str | None:
        """The term a word becomes in this field, or None for a stop word."""
        term = self._terms.get(word, "")
        if term == "":
            found = [t.text for t in self.analyzer(word)]
            term = self._terms[word] = found[0] if found else None
        return term

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        if not isinstance(value, str) or kwargs:
            yield from super().index(value, **kwargs)
            return
        term_of = self.term
        renumber = self.language != OTHER_LANGUAGE  # a stop filter renumbers positions
        positions: dict[str, list[int]] = defaultdict(list)
        position = -1
        for index, match in enumerate(self.words(value)):
            term = term_of(match.group())
            if term is None:
                continue
            position = position + 1 if renumber and position >= 0 else index
            positions[term].append(position)
        encode = self.format.encode
        boost = self.format.field_boost
        for term, found_at in positions.items():
            yield term.encode("utf-8"), len(found_at), len(found_at) * boost, encode(found_at)


def _schema() -> Schema:
    fields: dict[str, Any] = {
        "id": ID(stored=True, unique=True, sortable=True),
        "hash": ID(sortable=True),
        "path": STORED(),
        "url": STORED(),
        "title": STORED(),
        "summary": STORED(),
        "body": STORED(),
        "date": ID(sortable=True),
        "status": ID(),
        "type": ID(stored=True),
        "themes": KEYWORD(lowercase=True, scorable=True),
        "levels": KEYWORD(stored=True, lowercase=True, scorable=True),
        "countries": KEYWORD(scorable=True),
        "programme": ID(),
        "stakeholders": KEYWORD(lowercase=True, scorable=True),
        "language": ID(stored=True),
        # Every word as written, for "did you mean".
        "spell": KEYWORD(scorable=True),
        # What the document is filed under, in words (theme, programme, country names).
        "labels": TEXT(analyzer=_analyzer(OTHER_LANGUAGE)),
    }
    for language in (*LANGUAGES, OTHER_LANGUAGE):
        for part in TEXT_PARTS:
            fields[f"{part}_{language}"] = _LanguageText(language)
    schema = Schema(**fields)
    schema.add(f"{FACET_PREFIX}*", KEYWORD(lowercase=True, scorable=True), glob=True)
    return schema


def index_version() -> str:
    """``INDEX_VERSION`` with a fingerprint of the schema's fields, so that a changed
    field list forces a rebuild even if nobody remembered to bump the version."""
    fields = sorted(f"{name}:{type(f).__name__}" for name, f in _schema().items())
    fingerprint = hashlib.sha256(" ".join(fields).encode("utf-8")).hexdigest()[:12]
    return f"{INDEX_VERSION}-{fingerprint}"


def plain_text(markdown: str) -> str:
    """A Markdown body as the words a reader sees: no link targets, tags or markup."""
    # Every pattern runs over every body at each update, so the rare ones only
    # run where their mark is present.
    text = markdown.translate(_CONTROL_CHARS)
    if "]:" in text:
        text = _REF_DEF.sub(" ", text)
    if "](" in text:
        text = _IMAGE.sub(r"\1", text)
        text = _LINK.sub(r"\1", text)
    if "][" in text:
        text = _REF_LINK.sub(r"\1", text)
    if "<" in text:
        text = _HTML.sub(" ", text)
    if "{" in text:
        text = _ATTRS.sub(" ", text)
    if "```" in text or "~~~" in text:
        text = _FENCE_LINE.sub("", text)
    text = _LINE_MARKUP.sub(" ", text)
    if "---" in text:
        text = _RULE_LINE.sub("", text)
    if "_" in text:
        text = _UNDERSCORES.sub(_drop_emphasis_underscores, text)
    text = text.translate(_INLINE_MARKS)
    text = _SPACES.sub(" ", text)
    text = _LINE_EDGE_SPACES.sub("", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


def _drop_emphasis_underscores(match: re.Match[str]) -> str:
    """``_word_`` loses its underscores; ``snake_case`` keeps its own."""
    text = match.string
    before = text[match.start() - 1] if match.start() else " "
    after = text[match.end()] if match.end() < len(text) else " "
    return match.group() if before.isalnum() and after.isalnum() else ""


def _by_id(doc: Document) -> str:
    return doc.id


def _headings(body: str) -> list[str]:
    headings = []
    for _number, line in code_free_lines(body, 1):
        match = HEADING.match(line)
        if match:
            headings.append(plain_heading(match.group(2)))
    return headings


def taxonomy_labels(doc: Document, taxonomy: Taxonomy) -> str:
    """The names of what a document is classified by, so that searching for a theme,
    a programme or a country finds the documents filed under it."""
    names: list[str] = [TYPE_LABELS.get(doc.type, (doc.type,))[0]]
    for terms, values in (
        (taxonomy.themes, doc.themes),
        (taxonomy.levels, doc.levels),
        (taxonomy.stakeholders, doc.stakeholders),
    ):
        names.extend(terms[v].label if v in terms else v for v in values)
    if doc.programme:
        programme = taxonomy.programmes.get(doc.programme)
        names.append(programme.name if programme else doc.programme)
    for code in doc.countries:
        country = pycountry.countries.get(alpha_2=code.upper())
        names.append(str(getattr(country, "common_name", None) or getattr(country, "name", code)))
    for facet_id, values in doc.facets.items():
        facet = taxonomy.facets.get(facet_id)
        if facet:
            names.extend(facet.terms[v].label if v in facet.terms else v for v in values)
    return "\n".join(names)


def _index_fields(doc: Document, labels: str) -> dict[str, str]:
    """The fields of a document as the index stores them (everything its hash covers)."""
    language = language_key(doc.language)
    body = plain_text(doc.body)
    text = " ".join((doc.title, doc.summary, body, labels))
    words = {w.lower() for w in _WORD.findall(text)}
    fields = {
        "id": doc.id,
        "path": doc.path,
        "url": document_url(doc),
        "title": doc.title,
        "summary": doc.summary,
        "body": body,
        "date": doc.last_changed.isoformat(),
        "status": doc.status,
        "type": doc.type.lower(),
        "themes": " ".join(doc.themes),
        "levels": " ".join(doc.levels),
        "countries": " ".join(c.upper() for c in doc.countries),
        "stakeholders": " ".join(doc.stakeholders),
        "language": doc.language.lower(),
        "spell": " ".join(sorted(w for w in words if len(w) > 2 and "'" not in w)),
        f"title_{language}": doc.title,
        f"text_{language}": "\n\n".join((doc.summary, "\n".join(_headings(doc.body)), body)),
        "labels": labels,
    }
    if doc.programme:
        fields["programme"] = doc.programme.lower()
    for facet, values in sorted(doc.facets.items()):
        if values:
            fields[f"{FACET_PREFIX}{facet}"] = " ".join(values)
    return fields


def content_hash(doc: Document, labels: str) -> str:
    """A fingerprint of everything about a document that the index holds."""
    data = {
        "labels": labels,
        "id": doc.id,
        "path": doc.path,
        "url": document_url(doc),
        "type": doc.type,
        "title": doc.title,
        "summary": doc.summary,
        "body": doc.body,
        "themes": doc.themes,
        "levels": doc.levels,
        "countries": doc.countries,
        "programme": doc.programme,
        "stakeholders": doc.stakeholders,
        "language": doc.language,
        "status": doc.status,
        "date": doc.last_changed.isoformat(),
        "facets": {k: list(v) for k, v in sorted(doc.facets.items())},
    }
    encoded = json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()[:32]


# -- the index ----------------------------------------------------------------------


class SearchIndex:
    """The Whoosh index of one knowledge base, kept in ``index_dir``.

    ``<project>/.kb-cache/index/`` by convention (``for_project``). Use as a
    context manager, or call ``close()``, to release the open index files.
    """

    def __init__(self, index_dir: Path, *, lock_timeout: float = LOCK_TIMEOUT) -> None:
        self.index_dir = Path(index_dir)
        self.lock_timeout = lock_timeout
        self._ix: Any = None
        self._searcher: Searcher | None = None
        self._facet_sets: dict[str, dict[str, frozenset[int]]] | None = None

    @classmethod
    def for_project(cls, project_root: Path, **kwargs: Any) -> SearchIndex:
        return cls(Path(project_root) / ".kb-cache" / "index", **kwargs)

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        if self._ix is not None:
            self._ix.close()
            self._ix = None
        self._facet_sets = None

    # -- building --------------------------------------------------------------

    def update(self, knowledge_base: KnowledgeBase) -> UpdateStats:
        """Bring the index in line with the knowledge base (drafts included, marked).

        Only documents whose content hash changed are re-indexed; documents
        no longer there are removed. The whole index is rebuilt when it is
        missing, unreadable or of another ``INDEX_VERSION``.
        """
        start = time.perf_counter()
        documents = {d.id: d for d in sorted(knowledge_base.documents.values(), key=_by_id)}
        taxonomy = knowledge_base.taxonomy
        labels = {doc_id: taxonomy_labels(doc, taxonomy) for doc_id, doc in documents.items()}
        wanted = {doc_id: content_hash(doc, labels[doc_id]) for doc_id, doc in documents.items()}
        self.close()
        with self._build_lock():
            self._remove_leftovers()
            existing = self._existing_hashes()
            if existing is None:
                self._full_build(documents, labels, wanted)
                stats = UpdateStats(len(wanted), 0, 0, 0, rebuilt=True)
            else:
                stats = self._incremental(documents, labels, wanted, existing)
        return UpdateStats(
            stats.added,
            stats.updated,
            stats.removed,
            stats.unchanged,
            stats.rebuilt,
            round(time.perf_counter() - start, 3),
        )

    @contextlib.contextmanager
    def _build_lock(self) -> Iterator[None]:
        self.index_dir.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.index_dir.parent / f"{self.index_dir.name}.lock"
        lock = FileLock(str(lock_path))
        deadline = time.monotonic() + self.lock_timeout
        while not lock.acquire(blocking=False):
            if time.monotonic() >= deadline:
                raise KbError(
                    f"{self.index_dir}: another kb process is updating the search index "
                    f"and did not finish within {self.lock_timeout:g} s; try again when it "
                    "is done"
                )
            time.sleep(0.05)
        try:
            yield
        finally:
            lock.release()

    def _remove_leftovers(self) -> None:
        """Folders of builds that were interrupted (we hold the lock: none is running)."""
        for pattern in (f"{self.index_dir.name}.building-*", f"{self.index_dir.name}.old-*"):
            for leftover in self.index_dir.parent.glob(pattern):
                shutil.rmtree(leftover, ignore_errors=True)

    def _existing_hashes(self) -> dict[str, str] | None:
        """id → hash of what the index holds, or None when it must be rebuilt."""
        try:
            marker = json.loads((self.index_dir / "kb-index.json").read_text(encoding="utf-8"))
            if marker.get("version") != index_version():
                return None
            ix = _open_index(self.index_dir)
        except Exception:
            # Missing, half-deleted or unreadable: the index is a cache, write it anew.
            return None
        try:
            with ix.reader() as reader:
                ids = reader.column_reader("id")
                hashes = reader.column_reader("hash")
                return {ids[n]: hashes[n] for n in reader.all_doc_ids()}
        except Exception:
            return None
        finally:
            ix.close()

    def _full_build(
        self,
        documents: Mapping[str, Document],
        labels: Mapping[str, str],
        wanted: Mapping[str, str],
    ) -> None:
        parent = self.index_dir.parent
        building = Path(tempfile.mkdtemp(prefix=f"{self.index_dir.name}.building-", dir=parent))
        try:
            ix = whoosh_index.create_in(str(building), _schema(), indexname=INDEX_NAME)
            # Whoosh spills its posting pool to disk past limitmb, which made the
            # build per document 45% slower at 10,000 documents (profiled); about
            # 64 KB per document keeps the pool in memory.
            writer = ix.writer(limitmb=max(256, len(documents) // 16), codec=_codec())
            try:
                for doc_id, doc in documents.items():
                    writer.add_document(hash=wanted[doc_id], **_index_fields(doc, labels[doc_id]))
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            ix.close()
            (building / "kb-index.json").write_text(
                json.dumps({"version": index_version()}), encoding="utf-8"
            )
            self._swap_in(building)
        finally:
            shutil.rmtree(building, ignore_errors=True)

    def _swap_in(self, building: Path) -> None:
        """Put a complete new index in place of the old one."""
        old = self.index_dir.parent / f"{self.index_dir.name}.old-{os.getpid()}"
        if self.index_dir.exists():
            os.replace(self.index_dir, old)
        os.replace(building, self.index_dir)
        shutil.rmtree(old, ignore_errors=True)

    def _incremental(
        self,
        documents: Mapping[str, Document],
        labels: Mapping[str, str],
        wanted: Mapping[str, str],
        existing: Mapping[str, str],
    ) -> UpdateStats:
        added = [i for i in wanted if i not in existing]
        updated = [i for i in wanted if i in existing and existing[i] != wanted[i]]
        removed = [i for i in existing if i not in wanted]
        unchanged = len(wanted) - len(added) - len(updated)
        if added or updated or removed:
            ix = _open_index(self.index_dir)
            try:
                try:
                    writer = ix.writer(timeout=self.lock_timeout, codec=_codec())
                except whoosh_index.LockError:
                    raise KbError(
                        f"{self.index_dir}: the index is locked by another program "
                        "(its WRITELOCK file is held); try again when it is done"
                    ) from None
                try:
                    for doc_id in (*removed, *updated):
                        writer.delete_by_term("id", doc_id)
                    for doc_id in (*added, *updated):
                        fields = _index_fields(documents[doc_id], labels[doc_id])
                        writer.add_document(hash=wanted[doc_id], **fields)
                except BaseException:
                    writer.cancel()
                    raise
                writer.commit()
            finally:
                ix.close()
        return UpdateStats(len(added), len(updated), len(removed), unchanged)

    # -- searching ---------------------------------------------------------------

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
        text = _normalise_query(query, notices)
        languages = self._languages(searcher)
        words = _query_words(text)
        if not text and not query.strip():
            if not filters:
                raise QueryError("the query is empty; give some words to search for")
            return self._browse(searcher, allowed, limit, query, notices)
        if not words:
            raise QueryError(
                f"'{query.strip()}' has nothing to search for once operators and common "
                "words are left out; add a word that says what you are looking for"
            )
        if words and _all_stop_words(words, languages):
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
        if not matched and len(words) > 1 and not (set(text.split()) & _OPERATORS):
            relaxed = self._parse(text, languages, OrGroup, [])
            if relaxed is not None:
                top, matched = self._run(searcher, relaxed, allowed, limit)
                if matched:
                    parsed = relaxed
                    notices.append(
                        "no document has all of the words; showing those with any of them"
                    )
        wanted = _terms_by_field(parsed, searcher)
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
        scores = _evaluate(query, searcher)
        if scores is None:
            # One pass scores every match: the top, the total and the facet counts all
            # come from it (Whoosh's top-N shortcut would need a second pass to count).
            results = searcher.search(query, limit=None, filter=allowed)
            return [(hit.docnum, hit.score) for hit in results[:limit]], set(results.docs())
        matched = set(scores) if allowed is None else scores.keys() & allowed
        # Best first; of equal scores the earlier document first, as Whoosh orders them.
        best = heapq.nsmallest(limit, matched, key=lambda doc: (-scores[doc], doc))
        return [(doc, scores[doc]) for doc in best], matched

    def _open_searcher(self) -> Searcher:
        if self._searcher is None:
            try:
                marker = json.loads((self.index_dir / "kb-index.json").read_text(encoding="utf-8"))
                if marker.get("version") != index_version():
                    raise KbError(
                        f"{self.index_dir}: the search index is from another version of kb; "
                        "update it first (kb search does)"
                    )
                self._ix = _open_index(self.index_dir)
            except KbError:
                raise
            except Exception:
                raise KbError(
                    f"{self.index_dir}: there is no usable search index here; "
                    "build it first (kb search does)"
                ) from None
            self._searcher = self._ix.searcher(weighting=_CachedLengthsBM25F())
        return self._searcher

    def _languages(self, searcher: Searcher) -> list[str]:
        """The language fields that hold documents."""
        present = {language_key(v) for v in _lexicon(searcher, "language")}
        return [lang for lang in (*LANGUAGES, OTHER_LANGUAGE) if lang in present]

    def _parse(self, text: str, languages: Sequence[str], group: Any, notices: list[str]) -> Any:
        fields = [f"{part}_{lang}" for lang in languages for part in TEXT_PARTS]
        if not fields:
            return None
        boosts = {f"{part}_{lang}": BOOSTS[part] for lang in languages for part in TEXT_PARTS}
        fields.append("labels")
        boosts["labels"] = BOOSTS["labels"]
        parser = MultifieldParser(fields, None, fieldboosts=boosts, group=group)
        parser.schema = self._searcher.schema if self._searcher else _schema()
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
            if _has_error(parsed):
                raise ValueError("syntax")
            return _fast_phrases(parsed)
        except Exception:
            plain = " ".join(_query_words(text))
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
                    for value in _lexicon(searcher, name)
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
            index_field = _filter_field(name, postings)
            known = postings.get(index_field, {})
            chosen: set[int] = set()
            for value in values:
                key = _normalise_value(index_field, value)
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
            snippet = _snippet(stored.get("body", ""), field, terms)
            if not snippet.parts:
                snippet = _snippet(stored.get("summary", ""), field, terms)
        if not snippet.parts:
            snippet = Snippet(((_shorten(stored.get("summary", ""), SNIPPET_CHARS), False),))
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
            if _known_stem(reader, lowered, languages):
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
        return _WORD.sub(lambda m: replacements.get(m.group(0), m.group(0)), text)


class _CachedLengthsBM25F(BM25F):  # type: ignore[misc]
    """Whoosh's BM25F, with each segment's field lengths read once into a list.

    BM25 divides by the length of the field in each matching document; Whoosh
    looks that up through several layers for every posting scored, which is
    most of the cost of a query matching thousands of documents.
    """

    def __init__(self) -> None:
        super().__init__()
        self._lengths: dict[tuple[int, str], tuple[Any, list[int]]] = {}

    def scorer(self, searcher: Any, fieldname: str, text: bytes, qf: int = 1) -> Any:
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if isinstance(scorer, BM25FScorer):
            scorer.dfl = self.lengths(searcher.reader(), fieldname).__getitem__
        return scorer

    def lengths(self, reader: Any, fieldname: str) -> list[int]:
        """The length of a field in every document of a segment."""
        key = (id(reader), fieldname)
        if key not in self._lengths:
            # The reader is kept with its lengths so that its id is not reused.
            self._lengths[key] = (reader, _read_lengths(reader, fieldname))
        return self._lengths[key][1]


_BYTE_LENGTHS = [byte_to_length(b) or 1 for b in range(256)]


def _read_lengths(reader: Any, fieldname: str) -> list[int]:
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


class _Phrase(wq.Phrase):  # type: ignore[misc]
    """A phrase query whose words must be next to each other, found faster.

    Whoosh checks a phrase through its general span machinery; comparing the
    words' position lists directly, which is all an exact phrase needs, is
    two to three times faster. Documents score as the sum of their words'
    BM25 scores. Anything else (a slop, another weighting) is Whoosh's.
    """

    def matcher(self, searcher: Any, context: Any = None) -> Any:
        schema = searcher.schema
        if self.slop != 1 or len(self.words) < 2 or self.fieldname not in schema:
            return super().matcher(searcher, context)
        field = schema[self.fieldname]
        if not isinstance(field.format, Positions):
            return super().matcher(searcher, context)
        reader = searcher.reader()
        weighting = context.weighting if context is not None else searcher.weighting
        postings: list[tuple[dict[int, bytes], Any]] = []
        for word in self.words:
            text = field.to_bytes(word)
            if (self.fieldname, text) not in reader:
                return NullMatcher()
            scorer = weighting.scorer(searcher, self.fieldname, text) if weighting else None
            if not isinstance(scorer, BM25FScorer):
                return super().matcher(searcher, context)
            docs, values = _read_postings(reader.postings(self.fieldname, text), values=True)
            postings.append((dict(zip(docs, values, strict=True)), scorer))
        candidates = set(postings[0][0]).intersection(*(p for p, _scorer in postings[1:]))
        ids: list[int] = []
        scores: list[float] = []
        for doc in sorted(candidates):
            found = [list(_positions(p[doc])) for p, _scorer in postings]
            # Positions at which the first word starts the whole phrase.
            starts = set(found[0])
            for offset, positions in enumerate(found[1:], 1):
                starts.intersection_update(p - offset for p in positions)
            if starts:
                ids.append(doc)
                score = sum(
                    scorer._score(len(positions), scorer.dfl(doc))
                    for (_p, scorer), positions in zip(postings, found, strict=True)
                )
                scores.append(score * self.boost)
        return ListMatcher(ids, weights=scores) if ids else NullMatcher()


def _positions(value: bytes) -> Iterator[int]:
    """The positions in a posting of Whoosh's Positions format: a count, then the
    gaps between positions pickled (without the pickle's final STOP byte)."""
    gaps = value[_INT_SIZE:]
    return accumulate(pickle.loads(gaps if gaps.endswith(b".") else gaps + b"."))


def _evaluate(query: Any, searcher: Searcher) -> dict[int, float] | None:
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
        found = _segment_scores(query, subsearcher)
        if found is None:
            return None
        if offset:
            found = {docnum + offset: score for docnum, score in found.items()}
        scores.update(found)
    return scores


def _segment_scores(query: Any, searcher: Searcher) -> dict[int, float] | None:
    if isinstance(query, wq.Term):
        return _term_scores(query, searcher)
    if query is wq.NullQuery:
        return {}
    if isinstance(query, (wq.And, wq.Or)) and type(query) in (wq.And, wq.Or):
        if isinstance(query, wq.Or) and (query.minmatch or query.scale):
            return None
        positive: list[dict[int, float]] = []
        negative: set[int] = set()
        # Whoosh matches a NOT inside an AND as "every other document", scoring 1.
        bonus = 0.0
        for sub in query.subqueries:
            if isinstance(sub, wq.Not) and type(query) is wq.And:
                excluded = _segment_scores(sub.query, searcher)
                if excluded is None:
                    return None
                negative.update(excluded)
                bonus += 1.0
                continue
            found = _segment_scores(sub, searcher)
            if found is None:
                return None
            positive.append(found)
        if type(query) is wq.And:
            positive.sort(key=len)
            docs = set(positive[0]).intersection(*positive[1:]) if positive else set()
        else:
            docs = set().union(*positive)
        docs -= negative
        return {
            doc: (sum(part[doc] for part in positive if doc in part) + bonus) * query.boost
            for doc in docs
        }
    if isinstance(query, _Phrase):
        matcher = query.matcher(searcher, searcher.context())
        found = {}
        while matcher.is_active():
            found[matcher.id()] = matcher.score()
            matcher.next()
        return found
    return None


def _term_scores(term: Any, searcher: Searcher) -> dict[int, float]:
    """Each document holding a term, with its BM25F score."""
    reader = searcher.reader()
    if term.fieldname not in searcher.schema:
        return {}
    field = searcher.schema[term.fieldname]
    try:
        text = field.to_bytes(term.text)
    except ValueError:
        return {}
    if (term.fieldname, text) not in reader:
        return {}
    weighting = searcher.weighting
    scorer = weighting.scorer(searcher, term.fieldname, text)
    docs, weights = _read_postings(reader.postings(term.fieldname, text))
    boost = term.boost
    if isinstance(scorer, BM25FScorer) and isinstance(weighting, _CachedLengthsBM25F):
        # bm25 = idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / average length))
        lengths = weighting.lengths(reader, term.fieldname)
        top = scorer.idf * (scorer.K1 + 1) * boost
        base = scorer.K1 * (1 - scorer.B)
        per_length = scorer.K1 * scorer.B / scorer.avgfl
        return {
            doc: top * tf / (tf + base + per_length * lengths[doc])
            for doc, tf in zip(docs, weights, strict=True)
        }
    return {
        doc: scorer._score(tf, scorer.dfl(doc)) * boost
        for doc, tf in zip(docs, weights, strict=True)
    }


def _read_postings(postings: Any, values: bool = False) -> tuple[list[int], list[Any]]:
    """Every document of a term's postings, with its weight (or its encoded value)."""
    docs: list[int] = []
    data: list[Any] = []
    if isinstance(postings, W3LeafMatcher):
        # Block by block: Whoosh decodes a block's numbers at once; reading them one
        # posting at a time costs four method calls each.
        try:
            while postings.is_active():
                postings._read_ids()
                docs.extend(postings._ids[postings._i :])
                if values:
                    postings._read_values()
                    data.extend(postings._values[postings._i :])
                else:
                    postings._read_weights()
                    data.extend(postings._weights[postings._i :])
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


def _codec() -> Any:
    """Whoosh's codec, without per-term length statistics.

    They serve only Whoosh's top-N shortcut (skipping blocks that cannot
    make the top), which ``search`` does not use since it counts every
    match; gathering them looks up a field length for every posting written.
    """
    codec = default_codec()
    codec.length_stats = False
    return codec


class _Unreadable(Exception):
    """The index files could not be opened."""


def _open_index(index_dir: Path) -> Any:
    # When Whoosh fails to read its files it leaves one open, referenced from the
    # traceback; it is closed here, once the traceback is gone, without the
    # ResourceWarning surfacing at some later moment.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            return whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
        except Exception as exc:
            failure = f"{type(exc).__name__}: {exc}"
        gc.collect()
    raise _Unreadable(failure)


def _snippet(text: str, field: Any, wanted: frozenset[str]) -> Snippet:
    """The passage of ``text`` with the most words whose terms are ``wanted``, marked.

    The text is split as the field's analyser splits it and each word looked
    up in the field's memory of terms, instead of running the analyser again
    for every hit (Whoosh's highlighter), which costs milliseconds a page.
    """
    if not text or not wanted or not isinstance(field, _LanguageText):
        return Snippet()
    matches: list[tuple[int, int]] = []
    for match in field.words(text[:SNIPPET_SCAN]):
        if field.term(match.group()) in wanted:
            matches.append(match.span())
    if not matches:
        return Snippet()
    # The first stretch of SNIPPET_CHARS holding the most matches, where matches
    # side by side (a phrase) count four times.
    weights = [1] + [
        4 if matches[n][0] - matches[n - 1][1] <= 2 else 1 for n in range(1, len(matches))
    ]
    best, most, last, total = 0, 0, 0, 0
    for first, (start, _end) in enumerate(matches):
        while last < len(matches) and matches[last][1] <= start + SNIPPET_CHARS:
            total += weights[last]
            last += 1
        if total > most:
            best, most = first, total
        total -= weights[first]
    begin = max(0, matches[best][0] - SNIPPET_BEFORE)
    if begin:
        space = text.find(" ", begin, matches[best][0])
        begin = space + 1 if space >= 0 else matches[best][0]
    end = min(len(text), begin + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", matches[best][1], end)
        end = space if space > 0 else max(end, matches[best][1])
    parts: list[tuple[str, bool]] = [("… ", False)] if begin else []
    at = begin
    for start, stop in matches[best:]:
        if stop > end:
            break
        parts.append((" ".join(text[at:start].split(" ")), False))
        parts.append((text[start:stop], True))
        at = stop
    parts.append((text[at:end], False))
    if end < len(text):
        parts.append((" …", False))
    cleaned = [(re.sub(r"\s+", " ", piece), hit) for piece, hit in parts if piece]
    return Snippet(tuple(cleaned))


# -- reading queries ---------------------------------------------------------------


def _normalise_query(query: str, notices: list[str]) -> str:
    """The query with typographic quotes made plain and unbalanced quotes or brackets
    dropped (with a notice), so the parser sees something it can read."""
    text = " ".join(query.replace("“", '"').replace("”", '"').replace("„", '"').split())
    if text.count('"') % 2:
        notices.append("a quotation mark was not closed; searched without quotation marks")
        text = text.replace('"', " ")
    text = _drop_dangling_operators(text, notices)
    depth, balanced = 0, True
    for char in text:
        depth += 1 if char == "(" else -1 if char == ")" else 0
        if depth < 0:
            balanced = False
    if depth or not balanced:
        notices.append("the brackets do not pair up; searched without brackets")
        text = text.replace("(", " ").replace(")", " ")
    return " ".join(text.split())


def _drop_dangling_operators(text: str, notices: list[str]) -> str:
    """Leave out AND, OR and NOT where a word is missing on one side (``sludge AND``)."""
    tokens = re.findall(r'"[^"]*"|\S+', text)
    kept: list[str] = []
    dropped = False
    for position, token in enumerate(tokens):
        if token in _OPERATORS:
            at_end = position == len(tokens) - 1 or tokens[position + 1] == ")"
            previous = kept[-1] if kept else "("
            after_operator = previous in _OPERATORS and not (
                token == "NOT" and previous in ("AND", "OR")
            )
            if at_end or after_operator or (previous == "(" and token != "NOT"):
                dropped = True
                continue
        kept.append(token)
    if dropped:
        notices.append("an AND, OR or NOT with a word missing beside it was left out")
    return " ".join(kept)


def _query_words(text: str) -> list[str]:
    """The words of a query, without operators and syntax."""
    words: list[str] = []
    for match in re.finditer(r"[^\s\"()]+", text):
        token = match.group(0)
        if token in _OPERATORS:
            continue
        words.extend(w for w in _WORD.findall(token.replace("*", "").replace("?", "")))
    return words


def _all_stop_words(words: Sequence[str], languages: Iterable[str]) -> bool:
    stop: set[str] = set()
    for language in languages:
        if language != OTHER_LANGUAGE:
            stop.update(stopwords_for_language(language))
    return all(w.lower() in stop or len(w) < 2 for w in words)


def _terms_by_field(query: Any, searcher: Searcher) -> dict[str, frozenset[str]]:
    """Field → the terms of the query in it (prefixes and wildcards expanded)."""
    # Not Query.existing_terms: it stops looking in other fields after the first.
    reader = searcher.reader()
    found: dict[str, set[str]] = defaultdict(set)
    for leaf in query.leaves():
        for fieldname, text in leaf.expanded_terms(reader, phrases=True):
            if fieldname in searcher.schema:
                found[fieldname].add(text.decode("utf-8") if isinstance(text, bytes) else text)
    return {fieldname: frozenset(terms) for fieldname, terms in found.items()}


def _fast_phrases(query: Any) -> Any:
    """The query with Whoosh's phrase queries replaced by ``_Phrase``."""
    if type(query) is wq.Phrase:
        return _Phrase(
            query.fieldname, query.words, slop=query.slop, boost=query.boost, char_ranges=None
        )
    if query.is_leaf():
        return query
    return query.apply(_fast_phrases)


def _has_error(parsed: Any) -> bool:
    return any(getattr(q, "error", None) for q in parsed.leaves()) or bool(
        getattr(parsed, "error", None)
    )


def _known_stem(reader: Any, word: str, languages: Sequence[str]) -> bool:
    """Whether the word, as some language's analyser reduces it, is in that language's text."""
    for token in _analyzer(OTHER_LANGUAGE)(word):
        if ("labels", token.text) in reader:
            return True
    for language in languages:
        for token in _analyzer(language)(word):
            if (f"text_{language}", token.text) in reader or (
                f"title_{language}",
                token.text,
            ) in reader:
                return True
    return False


def _lexicon(searcher: Searcher, fieldname: str) -> list[str]:
    return [
        v.decode("utf-8") if isinstance(v, bytes) else v
        for v in searcher.reader().lexicon(fieldname)
    ]


def _filter_field(name: str, postings: Mapping[str, Any]) -> str:
    if name in FILTER_FIELDS:
        return FILTER_FIELDS[name]
    if name in FILTER_FIELDS.values():
        return name
    facet = f"{FACET_PREFIX}{name}"
    if facet in postings:
        return facet
    facets = [n.removeprefix(FACET_PREFIX) for n in postings if n.startswith(FACET_PREFIX)]
    known = ", ".join([*FILTER_FIELDS, *facets])
    raise KbError(f"'{name}' is not a field any indexed document has; filter on one of {known}")


def _normalise_value(index_field: str, value: str) -> str:
    value = value.strip()
    return value.upper() if index_field == "countries" else value.lower()


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"
