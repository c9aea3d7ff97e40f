"""The knowledge graph: who links to whom, translations, related documents.

Built once from a validated ``KnowledgeBase``, with no I/O and no search
engine, so the site, the PDFs and the command line ask the same questions
and get the same answers:

- ``documents_by("theme", "finance")``: the documents classified by a term;
- ``translations(id)``: the original and its translations, both ways;
- ``links_from(id)`` / ``backlinks(id)``: Markdown links between documents;
- ``same_theme_other_levels(id)``: for each theme of a document, the
  documents on that theme at the institutional levels it does not cover
  (local practice, intermediate, national policy);
- ``related(id)``: documents ranked by text similarity and shared taxonomy,
  each with the reason in words.

Text similarity is TF-IDF cosine over title, summary and body. The vectors
are computed once for the whole corpus, lazily, on the first question that
needs them. To keep "related for every document" linear in the number of
documents, each document looks for candidates only through its strongest
terms, and each term keeps only its strongest documents ("impact-ordered"
postings); the few candidates found are then scored exactly. On small
collections (a few hundred documents) this finds every candidate.
"""

from __future__ import annotations

import heapq
import math
import posixpath
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter, mul
from typing import NamedTuple

from kb import i18n
from kb.links import classify, scan_links
from kb.model import DOCUMENT_TYPES, Document, KnowledgeBase, Taxonomy, Term

#: Names ``documents_by`` accepts, singular or plural, and the document attribute behind them.
FIELDS: Mapping[str, str] = {
    "type": "type",
    "theme": "themes",
    "themes": "themes",
    "level": "levels",
    "levels": "levels",
    "country": "countries",
    "countries": "countries",
    "programme": "programme",
    "stakeholder": "stakeholders",
    "stakeholders": "stakeholders",
    "language": "language",
}

# Weights of the related-documents score: text similarity and each kind of
# shared classification. They add up to 1, so a score is between 0 and 1.
TEXT_WEIGHT = 0.55
THEME_WEIGHT = 0.25
LEVEL_WEIGHT = 0.07
PROGRAMME_WEIGHT = 0.08
COUNTRY_WEIGHT = 0.05
#: Cosine above which two texts are called similar in a reason.
SIMILAR_TEXT = 0.12

# Bounds that keep the similarity work linear in the number of documents.
TERMS_PER_VECTOR = 80  # strongest terms kept in each document's vector
QUERY_TERMS = 12  # terms of a document used to look for candidates
POSTINGS_PER_TERM = 64  # strongest documents kept for each term
TEXT_CANDIDATES = 20  # best text candidates scored exactly
THEME_CANDIDATES = 20  # best shared-theme candidates scored exactly
NEIGHBOURS = 8  # scored neighbours kept per document (related, cross-links)
SHORTLIST = 2  # candidates scored exactly, per neighbour wanted
TITLE_REPEAT = 2  # title words count this many times: a title says what a text is about

WORD = re.compile(r"[^\W\d_]{3,}")
# Over contributors' text: each stops at the next bracket or tag, never backtracking
# to the end of the text from every '](' or '<' (tests/test_hostile_markdown.py).
LINK_TARGET = re.compile(r"\]\((?:[^()\n]|\([^()\n]*\))*\)")
HTML_TAG = re.compile(r"<[^<>]+>")


@dataclass(frozen=True)
class Related:
    """A document related to another, how strongly (0 to 1), and why in words."""

    document: Document
    score: float
    reason: str


@dataclass(frozen=True)
class CrossLink:
    """Documents on one theme at one level that the document itself does not cover.

    ``documents`` is best first and may be cut to a limit; ``total`` counts
    the whole group, so a page can say how many more the theme page lists.
    """

    theme: Term
    level: Term
    documents: tuple[Document, ...]
    total: int


class KnowledgeGraph:
    """Questions about the documents of a knowledge base and how they connect.

    Build it with ``KnowledgeGraph.build(knowledge_base)``. Drafts are left
    out unless ``include_drafts=True``; methods taking a document id raise
    ``KeyError`` for an id the graph does not hold.
    """

    def __init__(
        self, documents: Iterable[Document], taxonomy: Taxonomy, content_prefix: str
    ) -> None:
        self.taxonomy = taxonomy
        self.content_prefix = content_prefix
        self._documents: dict[str, Document] = {d.id: d for d in sorted(documents, key=_by_id)}
        self._index: dict[str, dict[str, list[str]]] = _classify(self._documents.values())
        self._family: dict[str, str] = {}
        self._members: dict[str, list[str]] = defaultdict(list)
        for doc in self._documents.values():
            root = doc.translation_of or doc.id
            self._family[doc.id] = root
            self._members[root].append(doc.id)
        self._links: dict[str, list[str]] | None = None
        self._backlinks: dict[str, list[str]] | None = None
        self._profiles = {d.id: _Profile.of(d) for d in self._documents.values()}
        self._groups_by_themes: dict[frozenset[str], list[str]] | None = None
        self._similarity: _Similarity | None = None
        self._similarity_before: _Similarity | None = None  # see follow()
        self._keep = False
        self._groups: dict[tuple[str, str], _Group] | None = None
        self._neighbours: dict[str, tuple[int, list[_Neighbour]]] = {}
        self._by_themes: dict[frozenset[str], tuple[int, list[str]]] = {}

    @classmethod
    def build(
        cls,
        knowledge_base: KnowledgeBase,
        *,
        include_drafts: bool = False,
        content_prefix: str | None = None,
    ) -> KnowledgeGraph:
        """The graph of a knowledge base.

        ``content_prefix`` is the content folder relative to the project
        (``content``), used to resolve links written as ``/lessons/x.md``;
        it is worked out from the documents' paths when not given.
        """
        documents = [
            d for d in knowledge_base.documents.values() if include_drafts or not d.is_draft
        ]
        if content_prefix is None:
            content_prefix = _guess_content_prefix(knowledge_base.documents.values())
        return cls(documents, knowledge_base.taxonomy, content_prefix)

    # -- documents and their classification -----------------------------------

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._documents

    def __len__(self) -> int:
        return len(self._documents)

    @property
    def documents(self) -> list[Document]:
        """Every document in the graph, by id."""
        return list(self._documents.values())

    def document(self, doc_id: str) -> Document:
        try:
            return self._documents[doc_id]
        except KeyError:
            raise KeyError(f"no document has the id '{doc_id}'") from None

    def documents_by(self, field: str, value: str) -> list[Document]:
        """Documents whose ``field`` holds ``value``, by id.

        ``field`` is type, theme, level, country, programme, stakeholder,
        language (singular or plural) or the id of a facet of the taxonomy.
        A language such as ``pt`` also finds ``pt-BR``.
        """
        name = self._field(field)
        values = self._index[name]
        key = _normalise(name, value)
        ids = list(values.get(key, ()))
        if name == "language" and "-" not in key:
            ids = sorted(
                {*ids, *(i for v, d in values.items() if v.startswith(key + "-") for i in d)}
            )
        return [self._documents[i] for i in ids]

    def values(self, field: str) -> dict[str, int]:
        """How many documents hold each value of ``field``, most used first."""
        name = self._field(field)
        counts = {value: len(ids) for value, ids in self._index[name].items()}
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    def _field(self, field: str) -> str:
        if field in FIELDS:
            return FIELDS[field]
        if field in self.taxonomy.facets:
            return f"facet:{field}"
        known = ", ".join([*FIELDS, *self.taxonomy.facets])
        raise ValueError(
            f"'{field}' is not a field documents are classified by; use one of {known}"
        )

    # -- translations -----------------------------------------------------------

    def translations(self, doc_id: str) -> list[Document]:
        """The other language versions of a document: its original and its siblings, or
        its translations; the original first, then by language."""
        doc = self.document(doc_id)
        root = self._family[doc.id]
        others = [self._documents[i] for i in self._members[root] if i != doc.id]
        return sorted(others, key=lambda d: (d.id != root, d.language, d.id))

    def original(self, doc_id: str) -> Document:
        """The document a translation translates, or the document itself."""
        root = self._family[self.document(doc_id).id]
        return self._documents.get(root, self._documents[doc_id])

    # -- links between documents -------------------------------------------------

    def links_from(self, doc_id: str) -> list[Document]:
        """Documents the body of this one links to, in the order they first appear."""
        self.document(doc_id)
        return [self._documents[i] for i in self._link_maps()[0].get(doc_id, ())]

    def backlinks(self, doc_id: str) -> list[Document]:
        """Documents whose bodies link to this one, by id."""
        self.document(doc_id)
        return [self._documents[i] for i in self._link_maps()[1].get(doc_id, ())]

    def _link_maps(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        if self._links is None or self._backlinks is None:
            by_path = {d.path: d.id for d in self._documents.values()}
            links: dict[str, list[str]] = {}
            back: dict[str, set[str]] = defaultdict(set)
            for doc in self._documents.values():
                targets: dict[str, None] = {}
                for link in scan_links(doc.body, doc.body_line):
                    if link.is_image:
                        continue
                    target = classify(link.target, doc.path, self.content_prefix)
                    if target.kind != "local":
                        continue
                    linked = by_path.get(target.path) or by_path.get(
                        posixpath.join(target.path.rstrip("/"), "index.md")
                    )
                    if linked and linked != doc.id:
                        targets[linked] = None
                if targets:
                    links[doc.id] = list(targets)
                    for linked in targets:
                        back[linked].add(doc.id)
            self._links = links
            self._backlinks = {k: sorted(v) for k, v in back.items()}
        return self._links, self._backlinks

    # -- the same theme at the other levels ---------------------------------------

    def same_theme_other_levels(self, doc_id: str, limit: int | None = 5) -> list[CrossLink]:
        """For each theme of the document, the documents on it at the levels the document
        does not have.

        One group per theme and level: themes in the document's order, levels in
        the taxonomy's order. Each group is best first (the most related, then
        the most recent) and holds at most ``limit`` documents (all with
        ``None``); of a translated document only one language version is
        listed, the one in this document's language where there is one.
        """
        doc = self.document(doc_id)
        scores = {n.id: n.score for n in self._neighbourhood(doc.id)}
        family = self._family[doc.id]
        groups: list[CrossLink] = []
        levels = [t for t in self.taxonomy.levels_in_order() if t.id not in doc.levels]
        for theme_id in doc.themes:
            theme = self.taxonomy.themes.get(theme_id, Term(theme_id, theme_id))
            for level in levels:
                group = self._theme_levels().get((theme_id, level.id))
                if group is None:
                    continue
                families = group.families
                total = len(families) - (family in families)
                if not total:
                    continue
                chosen: list[str] = []
                seen = {family}
                ranked = sorted(
                    (
                        i
                        for i in scores
                        if (theme_id in self._documents[i].themes)
                        and level.id in self._documents[i].levels
                    ),
                    key=lambda i: (-scores[i], -self._documents[i].last_changed.toordinal(), i),
                )
                for i in (*ranked, *group.recent):
                    if limit is not None and len(chosen) >= limit:
                        break
                    root = self._family[i]
                    if root in seen:
                        continue
                    seen.add(root)
                    chosen.append(self._preferred(families[root], root, doc.language))
                groups.append(
                    CrossLink(
                        theme=theme,
                        level=level,
                        documents=tuple(self._documents[i] for i in chosen),
                        total=total,
                    )
                )
        return groups

    def _theme_levels(self) -> dict[tuple[str, str], _Group]:
        """(theme, level) → its documents, most recent first, and by translation family."""
        if self._groups is None:
            members: dict[tuple[str, str], list[Document]] = defaultdict(list)
            for doc in self._documents.values():
                for theme in doc.themes:
                    for level in doc.levels:
                        members[theme, level].append(doc)
            self._groups = {}
            for key, docs in members.items():
                docs.sort(key=lambda d: (-d.last_changed.toordinal(), d.id))
                families: dict[str, list[str]] = defaultdict(list)
                for d in docs:
                    families[self._family[d.id]].append(d.id)
                self._groups[key] = _Group(tuple(d.id for d in docs), dict(families))
        return self._groups

    def _preferred(self, ids: Sequence[str], root: str, language: str) -> str:
        """Of the language versions of one document, the one in ``language``, else the
        original, else the first."""
        return min(
            ids,
            key=lambda i: (self._documents[i].language != language, i != root, i),
        )

    # -- related documents ---------------------------------------------------------

    def related(self, doc_id: str, limit: int = 5) -> list[Related]:
        """The documents most like this one, best first, with the reason for each.

        The score mixes text similarity (TF-IDF cosine over title, summary and
        body) with shared themes, levels, programme and countries. Translations
        of the document are not listed (they are its translations), and of a
        translated document only its best-matching language version is.
        """
        doc = self.document(doc_id)
        return [
            Related(
                document=self._documents[n.id],
                score=round(n.score, 4),
                reason=self._reason(doc, self._documents[n.id], n.cosine),
            )
            for n in self._neighbourhood(doc.id, limit)[:limit]
        ]

    def _neighbourhood(self, doc_id: str, limit: int = 0) -> list[_Neighbour]:
        """The best-scoring candidates for a document, best first (cached)."""
        wanted = max(limit, NEIGHBOURS)
        cached = self._neighbours.get(doc_id)
        if cached is not None and cached[0] >= wanted:
            return cached[1]
        similarity = self._vectors()
        doc = self._documents[doc_id]
        profile = self._profiles[doc_id]
        family = self._family[doc_id]
        candidates = similarity.text_candidates(doc_id, max(TEXT_CANDIDATES, wanted * 2))
        candidates.update(self._theme_candidates(doc, max(THEME_CANDIDATES, wanted * 2)))
        # Estimate every candidate's score cheaply, then score only the best exactly.
        estimates: list[tuple[float, float, str]] = []
        for other_id in candidates:
            if self._family[other_id] == family:
                continue
            taxonomy = _taxonomy_score(profile, self._profiles[other_id])
            text = similarity.estimate(doc_id, other_id)
            estimates.append((-(TEXT_WEIGHT * text + taxonomy), taxonomy, other_id))
        best: dict[str, _Neighbour] = {}
        for _estimate, taxonomy, other_id in heapq.nsmallest(SHORTLIST * wanted, estimates):
            cosine = similarity.cosine(doc_id, other_id)
            score = TEXT_WEIGHT * cosine + taxonomy
            if score <= 0:
                continue
            root = self._family[other_id]
            if root not in best or (-score, other_id) < (-best[root].score, best[root].id):
                best[root] = _Neighbour(score, other_id, cosine)
        ranked = sorted(best.values(), key=lambda n: (-n.score, n.id))[:wanted]
        self._neighbours[doc_id] = (wanted, ranked)
        return ranked

    def _theme_candidates(self, doc: Document, count: int) -> list[str]:
        """The documents sharing the largest part of this one's themes.

        Documents with the same set of themes are equally good here, so the
        sets are ranked, not the documents, and the answer is cached by set.
        """
        key = self._profiles[doc.id].themes
        # The extra room covers the document itself and its translations.
        room = count + len(self._members[self._family[doc.id]])
        cached = self._by_themes.get(key)
        if cached is None or cached[0] < room:
            groups = self._theme_groups()
            ranked = sorted(
                (themes for themes in groups if themes & key),
                key=lambda themes: (-len(themes & key) / len(themes | key), sorted(themes)),
            )
            chosen: list[str] = []
            for themes in ranked:
                chosen.extend(groups[themes])
                if len(chosen) >= room:
                    break
            cached = (room, chosen[:room])
            self._by_themes[key] = cached
        return cached[1]

    def _theme_groups(self) -> dict[frozenset[str], list[str]]:
        """Set of themes → the documents with exactly that set, by id."""
        if self._groups_by_themes is None:
            groups: dict[frozenset[str], list[str]] = defaultdict(list)
            for doc_id, profile in self._profiles.items():
                groups[profile.themes].append(doc_id)
            self._groups_by_themes = dict(groups)
        return self._groups_by_themes

    def follow(self, previous: KnowledgeGraph | None) -> None:
        """Reuse what ``previous`` (the graph of the same knowledge base before an edit)
        worked out of the documents that did not change, and keep this graph's for the
        next: ``kb serve``, which builds a graph after every edit. What it answers is the
        same as without (tests/test_graph.py)."""
        self._keep = True
        if previous is not None and previous._keep:
            self._similarity_before = previous._similarity

    def _vectors(self) -> _Similarity:
        if self._similarity is None:
            self._similarity = _Similarity(
                list(self._documents.values()), self._similarity_before, keep=self._keep
            )
            self._similarity_before = None
        return self._similarity

    def _reason(self, doc: Document, other: Document, cosine: float) -> str:
        """What two documents have in common, in words of ``doc``'s language."""
        said = i18n.translations(doc.language)
        language = doc.language
        comma = i18n.list_separator(language)
        parts: list[str] = []
        taxonomy = self.taxonomy
        themes = [t for t in doc.themes if t in other.themes]
        if themes:
            labels = [_label(taxonomy.themes, t, language) for t in themes]
            parts.append(
                said.ngettext("shares theme %(themes)s", "shares themes %(themes)s", len(labels))
                % {"themes": _and(labels, said.gettext("and"), comma)}
            )
        if doc.programme and doc.programme == other.programme:
            programme = taxonomy.programmes.get(doc.programme)
            name = programme.name if programme else doc.programme
            parts.append(said.gettext("same programme, %(programme)s") % {"programme": name})
        countries = [c for c in doc.countries if c in other.countries]
        if countries:
            parts.append(
                said.gettext("also about %(countries)s")
                % {"countries": _and(countries, said.gettext("and"), comma)}
            )
        if cosine >= SIMILAR_TEXT:
            parts.append(said.gettext("similar text"))
        levels = [t for t in doc.levels if t in other.levels]
        if levels and not parts:
            labels = [_label(taxonomy.levels, t, language).lower() for t in levels]
            parts.append(
                said.ngettext("same level, %(levels)s", "same levels, %(levels)s", len(labels))
                % {"levels": _and(labels, said.gettext("and"), comma)}
            )
        return i18n.list_separator(language, clauses=True).join(parts) or said.gettext(
            "some words in common"
        )


class _Neighbour(NamedTuple):
    score: float
    id: str
    cosine: float


@dataclass(frozen=True)
class _Group:
    """The documents on one theme at one level."""

    recent: tuple[str, ...]  # most recently changed first
    families: dict[str, list[str]]  # translation family → its members in the group


class _Similarity:
    """TF-IDF vectors of every document, and impact-ordered postings to find candidates.

    Given the ``previous`` vectors of the same documents (made with ``keep``, which
    keeps each document's words), a document whose text did not change keeps its words
    counted, and its vector too when the weight of none of its words changed: after one
    edit, most of them. The vectors are the same as without.
    """

    def __init__(
        self,
        documents: Sequence[Document],
        previous: _Similarity | None = None,
        *,
        keep: bool = False,
    ) -> None:
        texts = {doc.id: (doc.title, doc.summary, doc.body) for doc in documents}
        before = previous if previous is not None and previous.texts else None
        counts: dict[str, Counter[str]] = {}
        for doc in documents:
            same = before is not None and before.texts.get(doc.id) == texts[doc.id]
            counts[doc.id] = before.counts[doc.id] if same and before else Counter(_words(doc))
        total = len(counts)
        frequency: Counter[str] = Counter()
        for words in counts.values():
            frequency.update(words.keys())
        # A word in a single document links it to nothing; a word in every
        # document tells nothing apart (its idf is 0).
        idf = {word: math.log(total / df) for word, df in frequency.items() if 1 < df < total}
        # The words whose weight changed since the previous vectors (None: every word).
        moved: set[str] | None = None
        if before is not None and len(before.texts) == total:
            moved = {w for w in before.idf.keys() | idf.keys() if before.idf.get(w) != idf.get(w)}
        self.texts: dict[str, tuple[str, str, str]] = texts if keep else {}
        self.counts: dict[str, Counter[str]] = counts if keep else {}
        self.idf: dict[str, float] = idf if keep else {}
        self.vectors: dict[str, dict[str, float]] = {}
        self.strongest: dict[str, list[tuple[str, float]]] = {}
        postings: dict[str, list[tuple[float, str]]] = defaultdict(list)
        for doc in documents:
            words = counts[doc.id]
            if (
                before is not None
                and moved is not None
                and before.texts.get(doc.id) == texts[doc.id]
                and moved.isdisjoint(words)
            ):
                vector = self.vectors[doc.id] = before.vectors[doc.id]
                self.strongest[doc.id] = before.strongest[doc.id]
                for w, weight in vector.items():
                    postings[w].append((weight, doc.id))
                continue
            weights = [((1.0 + math.log(n)) * idf[w], w) for w, n in words.items() if w in idf]
            weights = heapq.nlargest(TERMS_PER_VECTOR, weights)
            norm = math.sqrt(sum(weight * weight for weight, _w in weights)) or 1.0
            self.vectors[doc.id] = {w: weight / norm for weight, w in weights}
            self.strongest[doc.id] = [(w, weight / norm) for weight, w in weights[:QUERY_TERMS]]
            for weight, w in weights:
                postings[w].append((weight / norm, doc.id))
        self.postings: dict[str, list[tuple[str, float]]] = {
            w: [(i, weight) for weight, i in heapq.nlargest(POSTINGS_PER_TERM, entries)]
            for w, entries in postings.items()
        }

    def cosine(self, a: str, b: str) -> float:
        """Cosine of two documents' vectors (both have unit length)."""
        first, second = self.vectors[a], self.vectors[b]
        shared = first.keys() & second.keys()
        if len(shared) < 2:
            return sum(first[w] * second[w] for w in shared)
        # itemgetter and map keep the products in C: this runs for every candidate.
        pick = itemgetter(*shared)
        return math.fsum(map(mul, pick(first), pick(second)))

    def estimate(self, a: str, b: str) -> float:
        """The part of the cosine that comes from ``a``'s strongest terms (a lower bound)."""
        second = self.vectors[b]
        return sum(weight * second.get(w, 0.0) for w, weight in self.strongest[a])

    def text_candidates(self, doc_id: str, count: int) -> set[str]:
        """The documents sharing the most weight with this one through its strongest terms."""
        scores: dict[str, float] = {}
        get = scores.get
        for w, weight in self.strongest[doc_id]:
            for other, other_weight in self.postings[w]:
                scores[other] = get(other, 0.0) + weight * other_weight
        scores.pop(doc_id, None)
        return set(sorted(scores, key=scores.__getitem__, reverse=True)[:count])


def _classify(documents: Iterable[Document]) -> dict[str, dict[str, list[str]]]:
    """Field → value → ids of the documents holding it (ids in order)."""
    index: dict[str, dict[str, list[str]]] = {
        name: defaultdict(list) for name in set(FIELDS.values())
    }
    for doc in documents:
        index["type"][doc.type].append(doc.id)
        index["language"][doc.language.lower()].append(doc.id)
        if doc.programme:
            index["programme"][doc.programme].append(doc.id)
        for name, values in (
            ("themes", doc.themes),
            ("levels", doc.levels),
            ("countries", doc.countries),
            ("stakeholders", doc.stakeholders),
        ):
            for value in values:
                index[name][_normalise(name, value)].append(doc.id)
        for facet, values in doc.facets.items():
            for value in values:
                index.setdefault(f"facet:{facet}", defaultdict(list))[value].append(doc.id)
    return {name: dict(values) for name, values in index.items()}


def _normalise(field: str, value: str) -> str:
    if field == "countries":
        return value.upper()
    if field == "language":
        return value.lower()
    return value


def _words(doc: Document) -> list[str]:
    """The words that describe a document: title (counted twice), summary, body."""
    body = HTML_TAG.sub(" ", LINK_TARGET.sub("]", doc.body))
    text = " ".join([doc.title] * TITLE_REPEAT + [doc.summary, body]).lower()
    return WORD.findall(text)


@dataclass(frozen=True)
class _Profile:
    """What a document is classified by, as sets, for comparing many pairs quickly."""

    themes: frozenset[str]
    levels: frozenset[str]
    countries: frozenset[str]
    programme: str | None

    @classmethod
    def of(cls, doc: Document) -> _Profile:
        return cls(
            frozenset(doc.themes), frozenset(doc.levels), frozenset(doc.countries), doc.programme
        )


def _taxonomy_score(doc: _Profile, other: _Profile) -> float:
    """The part of the related score that comes from shared classification."""
    score = THEME_WEIGHT * _jaccard(doc.themes, other.themes)
    score += LEVEL_WEIGHT * _jaccard(doc.levels, other.levels)
    if doc.programme and doc.programme == other.programme:
        score += PROGRAMME_WEIGHT
    score += COUNTRY_WEIGHT * _jaccard(doc.countries, other.countries)
    return score


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared) if shared else 0.0


def _label(terms: Mapping[str, Term], term_id: str, language: str = "") -> str:
    term = terms.get(term_id)
    if term is None:
        return term_id
    return term.label_in(language) if language else term.label


def _and(items: Sequence[str], word: str = "and", comma: str = ", ") -> str:
    """``a``, ``a and b``, ``a, b and c``; only commas when an item has an "and" of its own."""
    if len(items) < 2:
        return "".join(items)
    if any(f" {word} " in item for item in items):
        return comma.join(items)
    return f"{comma.join(items[:-1])} {word} {items[-1]}"


def _by_id(doc: Document) -> str:
    return doc.id


def _guess_content_prefix(documents: Iterable[Document]) -> str:
    """The content folder, from where the documents are: ``content``."""
    folders = [posixpath.dirname(d.path) for d in documents]
    if not folders:
        return "content"
    prefix = posixpath.commonpath(folders)
    type_folders = set(DOCUMENT_TYPES.values())
    while prefix and posixpath.basename(prefix) in type_folders:
        prefix = posixpath.dirname(prefix)
    return prefix or "content"
