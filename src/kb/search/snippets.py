"""Snippets: the passage of a document with the most of the words searched for."""

from __future__ import annotations

import functools
import re
from typing import Any

from kb.search.analysis import LanguageText, initial
from kb.search.results import Snippet

SNIPPET_CHARS = 160
SNIPPET_BEFORE = 40  # characters of context before the first match
SNIPPET_SCAN = 50_000  # characters of a body searched for matches
#: Languages whose stemmer takes letters off the start of a word (Arabic's prefixes).
PREFIXING = frozenset({"ar"})
#: A word's first character → ``initial`` of the word (it depends on that character only).
_INITIALS: dict[str, str] = {}


def best_snippet(text: str, field: Any, wanted: frozenset[str]) -> Snippet:
    """The passage of ``text`` with the most words whose terms are ``wanted``, marked.

    The text's distinct words are each looked up once in the field's memory of
    terms, and only the words that became a wanted term are then found in the
    text, by one pattern; running the analyser again for every hit (Whoosh's
    highlighter), or looking up every word in turn, costs milliseconds a page.
    """
    if not text or not wanted or not isinstance(field, LanguageText):
        return Snippet()
    scan = text[:SNIPPET_SCAN]
    known = field.known_terms()  # the field's memory, read directly: this loop is hot
    term_of = field.term
    # A stemmer only changes the end of a word, so a word whose first letter is not
    # one of the wanted terms' cannot become one of them: those words are not
    # analysed (most words of a page, on a first search, were).
    initials = None if field.language in PREFIXING else {t[:1] for t in wanted}
    chosen = []
    for word in set(_words(field).findall(scan)):
        term = known.get(word, "")
        if term == "":
            if initials is not None:
                letter = _INITIALS.get(word[0])
                if letter is None:
                    letter = _INITIALS[word[0]] = initial(word[0])
                if letter not in initials:
                    continue
            term = term_of(word)
        if term in wanted:
            chosen.append(word)
    if not chosen:
        return Snippet()
    matches = [
        m.span()
        for m in _occurrences(frozenset(chosen)).finditer(scan)
        if not _WORD_BEFORE.search(scan, max(0, m.start() - 2), m.start())
    ]
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


#: The analysers' tokenizer without its group, for ``findall``.
_TOKEN = re.compile(r"[\w*]+(?:\.?[\w*]+)*")


def _words(field: LanguageText) -> re.Pattern[str]:
    """A pattern finding the words the field's analyser finds, for ``findall``."""
    expression: re.Pattern[str] = field.analyzer.items[0].expression
    if expression.pattern == r"[\w\*]+(\.?[\w\*]+)*":
        return _TOKEN
    return re.compile(expression.pattern.replace("(", "(?:"))


@functools.lru_cache(maxsize=256)
def _occurrences(words: frozenset[str]) -> re.Pattern[str]:
    """Each of ``words`` where it is a whole word of the analysers' tokenizer."""
    names = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    # No look-behind at the start, which would keep the pattern engine from skipping
    # ahead to the words' first letters; what comes before is checked on each match.
    return re.compile(rf"(?:{names})(?![\w*])(?!\.[\w*])")


#: What may not come just before a word for it to be whole (checked on the two
#: characters before it): a word character, or one followed by a dot ("e.g").
_WORD_BEFORE = re.compile(r"[\w*]\.?$")


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"
