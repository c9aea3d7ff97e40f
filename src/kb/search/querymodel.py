"""What makes a query match, defined once for ``kb search`` and the site's search.

Both engines read from here:

- the parts of a document and their weights: the title first, then its lead
  (the summary and what it is filed under: its themes' labels and aliases,
  levels, programme, countries, type and facets), then the body with its
  headings (``PARTS``);
- the languages with their own stemming and stop words (``LANGUAGES``); a
  query word that is a stop word of a language searched is left out rather
  than required;
- aliases that cannot be matched as words ("M&E"), rewritten to the term's
  label before searching (``QueryModel.rewrite``);
- how forgiving a query is: every word first; when that finds fewer than
  ``FEW`` documents, those with most of the words (at least half of them), ranked
  with them by score.

The site gets the same through ``QueryModel.site_settings`` (stop words,
rewrites, thresholds) and the records ``kb.site.search_index`` writes from
``QueryModel.lead``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pycountry
from whoosh.lang import has_stopwords, stopwords_for_language

from kb.model import TYPE_LABELS, Document, GlossaryEntry, GlossaryTerm, Taxonomy, Term

#: Languages with their own stemmer (and stop words, except Arabic, for which Whoosh
#: has none); others go into the ``xx`` fields.
LANGUAGES = ("en", "fr", "es", "pt", "de", "it", "nl", "ar")
OTHER_LANGUAGE = "xx"
#: The parts of a document, each a field per language, and their weights: the title,
#: the lead (summary and what the document is filed under), the text (headings and
#: body). Each part multiplies the work of every query word, so there are three.
PARTS = ("title", "lead", "text")
WEIGHTS = {"title": 4.0, "lead": 2.0, "text": 1.0}
#: The same order on the site, in Pagefind's weights (its default: 7 for a page's
#: first heading, 1 for text): title, lead, headings, body.
SITE_WEIGHTS = {"title": 8, "lead": 4, "headings": 2, "text": 1}
#: Extra weight of two query words found side by side in a title or a lead.
PROXIMITY_WEIGHT = 1.0
#: Fewer documents than this with every word: the ones with most of the words are
#: ranked with them.
FEW = 4
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
_WORDLIKE = re.compile(r"^[^\W\d_]{2,}(?:[\s'\u2019-]+[^\W\d_]{2,})*$")


def rewrite(query: str, rewrites: Mapping[str, str]) -> str:
    """``query`` with each alias of ``rewrites`` (folded alias → label) replaced."""
    if not rewrites:
        return query
    names = "|".join(re.escape(a) for a in sorted(rewrites, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w&])({names})(?![\w&])", re.IGNORECASE)
    return pattern.sub(lambda m: rewrites.get(fold(m.group(1)), m.group(1)), query)


def language_key(language: str) -> str:
    """The suffix of a language's text fields: ``pt-BR`` → ``pt``; unsupported → ``xx``."""
    primary = language.split("-")[0].lower()
    return primary if primary in LANGUAGES else OTHER_LANGUAGE


def stop_words(language: str) -> frozenset[str]:
    """A language's stop words (none for languages without a stemmer)."""
    key = language_key(language)
    if key == OTHER_LANGUAGE or not has_stopwords(key):
        return frozenset()
    return frozenset(stopwords_for_language(key))


def fold(text: str) -> str:
    """Lower case without accents, for comparing names."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def country_label(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code.upper())
    return str(getattr(country, "common_name", None) or getattr(country, "name", code))


@dataclass(frozen=True)
class Named:
    """A vocabulary term a query can name: by its label or one of its aliases."""

    vocabulary: str  # theme, level, programme, ...
    id: str
    label: str
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


class QueryModel:
    """The query model of one knowledge base: its vocabularies' names and aliases, and
    its glossary (a document using an abbreviation or its expansion is found by both)."""

    def __init__(self, taxonomy: Taxonomy, glossary: Sequence[GlossaryTerm] = ()) -> None:
        self.taxonomy = taxonomy
        self.glossary = tuple(glossary)
        self._glossary_patterns: dict[str, _GlossaryPatterns] = {}
        named: list[Named] = []
        for vocabulary, terms in (
            ("theme", taxonomy.themes),
            ("level", taxonomy.levels),
            ("stakeholder", taxonomy.stakeholders),
        ):
            named += [Named(vocabulary, t.id, t.label, t.aliases) for t in terms.values()]
        named += [
            Named("programme", p.id, p.name, (p.full_name,) if p.full_name else ())
            for p in taxonomy.programmes.values()
        ]
        self.named = tuple(named)
        # An alias that is not plain words ("M&E", "C4D") cannot be matched word by
        # word on either engine: the query has it replaced by the term's label.
        self.rewrites: dict[str, str] = {}
        for term in self.named:
            for alias in term.aliases:
                if not _WORDLIKE.match(alias):
                    self.rewrites[fold(alias)] = term.label
        for entry in self.glossary:
            if entry.entry.expansion and not _WORDLIKE.match(entry.entry.term):
                self.rewrites[fold(entry.entry.term)] = entry.entry.expansion

    def rewrite(self, query: str) -> str:
        """The query with aliases that are not words replaced by their term's label."""
        return rewrite(query, self.rewrites)

    def lead(self, doc: Document) -> str:
        """What a document is filed under, in words: its type, themes (with aliases),
        levels, stakeholders, programme, countries and facets, one name a line."""
        taxonomy = self.taxonomy
        names: list[str] = [TYPE_LABELS.get(doc.type, (doc.type,))[0]]
        for terms, values in (
            (taxonomy.themes, doc.themes),
            (taxonomy.levels, doc.levels),
            (taxonomy.stakeholders, doc.stakeholders),
        ):
            names += _names(terms, values)
        if doc.programme:
            programme = taxonomy.programmes.get(doc.programme)
            names.append(programme.name if programme else doc.programme)
            if programme and programme.full_name:
                names.append(programme.full_name)
        names += [country_label(code) for code in doc.countries]
        for facet_id, values in doc.facets.items():
            facet = taxonomy.facets.get(facet_id)
            if facet:
                names += _names(facet.terms, values)
        for entry in self.glossary_used(doc):
            names.append(f"{entry.term} {entry.expansion}".strip())
        return "\n".join(names)

    def glossary_used(self, doc: Document) -> list[GlossaryEntry]:
        """The glossary entries (in the document's language) whose term or expansion the
        document uses: one scan of its text for all of them."""
        if not self.glossary:
            return []
        language = doc.language.split("-")[0].lower()
        patterns = self._glossary_patterns.get(language)
        if patterns is None:
            patterns = self._glossary_patterns[language] = _GlossaryPatterns(
                [term.in_language(language) for term in self.glossary]
            )
        return patterns.used(f"{doc.title}\n{doc.summary}\n{doc.body}")

    def resembling(self, words: Sequence[str], limit: int = 5) -> list[Named]:
        """Vocabulary terms whose label or an alias shares a word (or the start of one)
        with the query's words, most shared first: for a page that found nothing."""
        wanted = {fold(w) for w in words if len(w) > 2}
        scored: list[tuple[int, int, Named]] = []
        for order, term in enumerate(self.named):
            name_words = {fold(w) for name in term.names for w in re.findall(r"\w+", name)}
            shared = sum(
                1
                for w in wanted
                if any(n == w or (len(w) > 3 and n.startswith(w[:4])) for n in name_words)
            )
            if shared:
                scored.append((-shared, order, term))
        return [term for _s, _o, term in sorted(scored, key=lambda s: (s[0], s[1]))][:limit]

    def site_settings(self, languages: Iterable[str]) -> dict[str, Any]:
        """What the site's search script needs to treat a query as ``kb search`` does."""
        return {
            "stopWords": {
                key: sorted(stop_words(key)) for key in sorted({language_key(x) for x in languages})
            },
            "rewrites": self.rewrites,
            "few": FEW,
            "proximity": PROXIMITY_WEIGHT,
            "named": [
                {"vocabulary": t.vocabulary, "id": t.id, "label": t.label, "aliases": t.aliases}
                for t in self.named
            ],
        }


class _GlossaryPatterns:
    """Every term and expansion of a glossary in one language, as two patterns: upper-case
    abbreviations as written, other names in any case (as ``kb.glossary`` matches them)."""

    def __init__(self, entries: Sequence[GlossaryEntry]) -> None:
        self.entries: dict[str, GlossaryEntry] = {}
        exact: list[str] = []
        loose: list[str] = []
        for entry in entries:
            for name in (entry.term, entry.expansion):
                if name:
                    key = name if name == name.upper() else name.casefold()
                    self.entries.setdefault(key, entry)
                    (exact if name == name.upper() else loose).append(name)
        self.exact = _alternation(exact, 0)
        self.loose = _alternation(loose, re.IGNORECASE)

    def used(self, text: str) -> list[GlossaryEntry]:
        found: dict[str, GlossaryEntry] = {}
        for pattern, key_of in ((self.exact, str), (self.loose, str.casefold)):
            if pattern is not None:
                for match in pattern.finditer(text):
                    entry = self.entries.get(key_of(match.group()))
                    if entry is not None:
                        found.setdefault(entry.term, entry)
        return list(found.values())


def _alternation(names: Sequence[str], flags: int) -> re.Pattern[str] | None:
    if not names:
        return None
    ordered = sorted(set(names), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in ordered) + r")\b", flags)


def _names(terms: Mapping[str, Term], values: Iterable[str]) -> list[str]:
    names: list[str] = []
    for value in values:
        term = terms.get(value)
        names += [term.label, *term.aliases] if term else [value]
    return names
