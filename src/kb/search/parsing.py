"""Reading queries: quotes, brackets and operators made safe, words picked out."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from whoosh import query as wq
from whoosh.searching import Searcher

from kb.errors import KbError
from kb.search.analysis import OPERATORS, WORD
from kb.search.querymodel import FACET_PREFIX, FILTER_FIELDS, stop_words
from kb.search.scoring import Phrase

# -- reading queries ---------------------------------------------------------------


def normalise_query(query: str, notices: list[str]) -> str:
    """The query with typographic quotes made plain and unbalanced quotes or brackets
    dropped (with a notice), so the parser sees something it can read."""
    text = " ".join(query.replace("“", '"').replace("”", '"').replace("„", '"').split())
    if text.count('"') % 2:
        notices.append("a quotation mark was not closed; searched without quotation marks")
        text = text.replace('"', " ")
    text = drop_dangling_operators(text, notices)
    depth, balanced = 0, True
    for char in text:
        depth += 1 if char == "(" else -1 if char == ")" else 0
        if depth < 0:
            balanced = False
    if depth or not balanced:
        notices.append("the brackets do not pair up; searched without brackets")
        text = text.replace("(", " ").replace(")", " ")
    return " ".join(text.split())


def drop_dangling_operators(text: str, notices: list[str]) -> str:
    """Leave out AND, OR and NOT where a word is missing on one side (``sludge AND``)."""
    tokens = re.findall(r'"[^"]*"|\S+', text)
    kept: list[str] = []
    dropped = False
    for position, token in enumerate(tokens):
        if token in OPERATORS:
            at_end = position == len(tokens) - 1 or tokens[position + 1] == ")"
            previous = kept[-1] if kept else "("
            after_operator = previous in OPERATORS and not (
                token == "NOT" and previous in ("AND", "OR")
            )
            if at_end or after_operator or (previous == "(" and token != "NOT"):
                dropped = True
                continue
        kept.append(token)
    if dropped:
        notices.append("an AND, OR or NOT with a word missing beside it was left out")
    return " ".join(kept)


def query_words(text: str) -> list[str]:
    """The words of a query, without operators and syntax."""
    words: list[str] = []
    for match in re.finditer(r"[^\s\"()]+", text):
        token = match.group(0)
        if token in OPERATORS:
            continue
        words.extend(w for w in WORD.findall(token.replace("*", "").replace("?", "")))
    return words


def is_plain(text: str) -> bool:
    """Whether a query is only words: no quotes, brackets, operators or wildcards."""
    if any(mark in text for mark in '"()*?'):
        return False
    return not set(text.split()) & OPERATORS


def all_stop_words(words: Sequence[str], languages: Iterable[str]) -> bool:
    stop: set[str] = set()
    for language in languages:
        stop.update(stop_words(language))
    return all(w.lower() in stop or len(w) < 2 for w in words)


def terms_by_field(query: Any, searcher: Searcher) -> dict[str, frozenset[str]]:
    """Field → the terms of the query in it (prefixes and wildcards expanded)."""
    # Not Query.existing_terms: it stops looking in other fields after the first.
    reader = searcher.reader()
    found: dict[str, set[str]] = defaultdict(set)
    for leaf in query.leaves():
        for fieldname, text in leaf.expanded_terms(reader, phrases=True):
            if fieldname in searcher.schema:
                found[fieldname].add(text.decode("utf-8") if isinstance(text, bytes) else text)
    return {fieldname: frozenset(terms) for fieldname, terms in found.items()}


def fast_phrases(query: Any) -> Any:
    """The query with Whoosh's phrase queries replaced by ``Phrase``."""
    if type(query) is wq.Phrase:
        return Phrase(
            query.fieldname, query.words, slop=query.slop, boost=query.boost, char_ranges=None
        )
    if query.is_leaf():
        return query
    return query.apply(fast_phrases)


def has_error(parsed: Any) -> bool:
    return any(getattr(q, "error", None) for q in parsed.leaves()) or bool(
        getattr(parsed, "error", None)
    )


def lexicon(searcher: Searcher, fieldname: str) -> list[str]:
    return [
        v.decode("utf-8") if isinstance(v, bytes) else v
        for v in searcher.reader().lexicon(fieldname)
    ]


def filter_field(name: str, postings: Mapping[str, Any]) -> str:
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


def normalise_value(index_field: str, value: str) -> str:
    value = value.strip()
    return value.upper() if index_field == "countries" else value.lower()
