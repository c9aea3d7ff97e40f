"""Spelling: each unknown word of a query corrected from the words the index holds."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

from whoosh.searching import Searcher

from kb.search.analysis import WORD, analyzer_for
from kb.search.querymodel import PARTS


@functools.cache
def _analyzer(language: str) -> Any:
    """A language's analyser for query words, made once (making one loads its stemmer)."""
    return analyzer_for(language)


def known_stem(reader: Any, word: str, languages: Sequence[str]) -> bool:
    """Whether the word, as some language's analyser reduces it, is in that language's text."""
    for language in languages:
        for token in _analyzer(language)(word):
            if any((f"{part}_{language}", token.text) in reader for part in PARTS):
                return True
    return False


def corrections(
    searcher: Searcher, words: Sequence[str], languages: Sequence[str]
) -> dict[str, str]:
    """Each word the index does not know → the closest word it does, where there is one."""
    reader = searcher.reader()
    replacements: dict[str, str] = {}
    for word in words:
        lowered = word.lower()
        if "*" in word or "?" in word or ("spell", lowered) in reader:
            continue
        if known_stem(reader, lowered, languages):
            continue
        # Assuming the first letter is right makes this a hundred times faster;
        # only when that finds nothing is the first letter questioned too. Closer
        # words first: Whoosh ranks every word within the distance by frequency
        # alone ("latrnes" gave "latrine" over "latrines"), and looking one letter
        # away is several times faster than two (profiled: 2 ms against 13).
        suggestions = []
        for distance, prefix in ((1, 1), (2, 1), (1, 0)):
            suggestions = searcher.suggest(
                "spell", lowered, limit=1, maxdist=distance, prefix=prefix
            )
            if suggestions:
                break
        if suggestions and suggestions[0] != lowered:
            replacements[word] = suggestions[0]
    return replacements


def corrected(text: str, replacements: Mapping[str, str]) -> str:
    """The query with its words replaced."""
    return WORD.sub(lambda m: replacements.get(m.group(0), m.group(0)), text)
