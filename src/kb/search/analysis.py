"""Text analysis: the words of a Markdown body, per-language analysers, taxonomy labels."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    LanguageAnalyzer,
    LowercaseFilter,
    RegexTokenizer,
)
from whoosh.fields import TEXT
from whoosh.support.charset import accent_map

from kb.links import atx_heading, code_free_lines, plain_heading
from kb.search.querymodel import OTHER_LANGUAGE

WORD = re.compile(r"[^\W\d_][\w'\u2019-]*")
#: Words as the site's search script splits them: an apostrophe, straight or
#: typographic, ends a word (d'accueil → d, accueil), as Whoosh's tokenizer splits
#: them for ``kb search``; hyphenated words stay whole.
SITE_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|-)*")
OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})
_CONTROL_CHARS = dict.fromkeys([*range(0x09), *range(0x0B, 0x20), 0x7F], " ")
# Over contributors' text: each stops at the next bracket, never backtracking to the
# end of the text from every '[' (tests/test_hostile_markdown.py).
_IMAGE = re.compile(r"!\[([^\[\]]*)\]\((?:[^()\n]|\([^()\n]*\))*\)")
_LINK = re.compile(r"\[([^\[\]]*)\]\((?:[^()\n]|\([^()\n]*\))*\)")
_REF_LINK = re.compile(r"\[([^\[\]]*)\]\[[^\[\]]*\]")
_REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+.*$", re.MULTILINE)
_HTML = re.compile(r"<[^<>]+>")
_ATTRS = re.compile(r"\{:?[^{}\n]*\}")
_FENCE_LINE = re.compile(r"^[ \t]*(?:```|~~~).*$", re.MULTILINE)
_LINE_MARKUP = re.compile(r"^[ \t]*(?:#{1,6}|>|[-*+]|\d+\.|!!!|\?\?\?\+?)(?=[ \t])", re.MULTILINE)
_UNDERSCORES = re.compile(r"_+")
_INLINE_MARKS = str.maketrans({"*": None, "`": None, "~": None, "|": " "})
# A line of rule characters with '---' in it; the look-ahead reads the line once (the
# old form, [...]*-{3,}[...]* with '-' in both runs, backtracked cubically on dashes).
_RULE_LINE = re.compile(r"^(?=[^\n]*---)[ \t|:=-]+$", re.MULTILINE)
_SPACES = re.compile(r"[ \t]{2,}|\t")
_LINE_EDGE_SPACES = re.compile(r"^ +| +$", re.MULTILINE)
_BLANK_LINES = re.compile(r"\n[ \n]*\n")

# -- analysis ---------------------------------------------------------------------


def analyzer_for(language: str) -> Analyzer:
    if language == OTHER_LANGUAGE:
        return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)
    # Folding accents after stemming: the stemmers expect them, searchers often omit them.
    return LanguageAnalyzer(language) | CharsetFilter(accent_map)


class LanguageText(TEXT):  # type: ignore[misc]
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
        super().__init__(analyzer=analyzer_for(language))
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

    def known_terms(self) -> dict[str, str | None]:
        """Word → term (None for a stop word) for every word analysed so far."""
        return self._terms

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


def headings(body: str) -> list[str]:
    headings = []
    for _number, line in code_free_lines(body, 1):
        heading = atx_heading(line)
        if heading:
            headings.append(plain_heading(heading[1]))
    return headings
