"""Text analysis: the words of a Markdown body, per-language analysers, taxonomy labels."""

from __future__ import annotations

import functools
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    LanguageAnalyzer,
    LowercaseFilter,
    RegexTokenizer,
)
from whoosh.fields import TEXT, FieldType
from whoosh.formats import Format, Frequency
from whoosh.support.charset import accent_map
from whoosh.system import pack_uint

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


#: Word → term (None for a stop word), per language: every field of a language analyses
#: a word the same way, so they share one memory (indexing, pairs and snippets).
_TERMS: dict[str, dict[str, str | None]] = defaultdict(dict)


_UNKNOWN = object()
#: ``pack_uint(n)``, a posting's value in a text field, for the counts most words have.
_COUNTS = [pack_uint(n) for n in range(64)]


class Analysis(NamedTuple):
    """A text as a field of one language indexes it."""

    counts: dict[str, int]  # term → occurrences
    pairs: list[tuple[str, str]]  # each two terms side by side, in order


#: (language, text) → its analysis, for the last few texts (``LanguageText.analysed``).
_ANALYSED: dict[tuple[str, str], Analysis] = {}


class LanguageText(TEXT):  # type: ignore[misc]
    """A TEXT field of one language that indexes a text in one pass, without positions.

    Whoosh runs every word through a chain of generators (tokenizer, lower
    case, stop words, stemmer, accents); for a long body that is most of the
    cost of indexing. Every filter of the chain looks at one word alone, so
    the term a word becomes is the same wherever it occurs: here each
    distinct word goes through the chain once and is remembered. The
    analyser stays the field's own for queries, and the postings come out
    the same as Whoosh's (a test compares them).

    The field keeps frequencies, not positions: decoding the positions of
    every posting read was most of a query's time (profiled at 5,000
    documents), and phrases are found from ``WordPairs`` instead.
    """

    def __init__(self, language: str) -> None:
        super().__init__(analyzer=analyzer_for(language), phrase=False)
        self.language = language
        self._terms = _TERMS[language]

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_terms", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._terms = _TERMS[self.language]

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

    def tokens(self, text: str) -> list[str]:
        """The words of a text as the analyser's tokenizer finds them, as strings."""
        return self._tokens.findall(text)

    def positions(self, text: str) -> Iterator[tuple[int, str]]:
        """(position, term) of each word of a text, positions as Whoosh numbers them:
        a stop filter leaves no gaps where stop words were."""
        term_of = self.term
        renumber = self.language != OTHER_LANGUAGE  # a stop filter renumbers positions
        position = -1
        for index, match in enumerate(self.words(text)):
            term = term_of(match.group())
            if term is None:
                continue
            position = position + 1 if renumber and position >= 0 else index
            yield position, term

    def analysed(self, text: str) -> Analysis:
        """The terms of a text counted, and its terms side by side, in one pass;
        remembered for the last few texts, as a part of a document is indexed
        both in its text field and in its pairs field."""
        key = (self.language, text)
        found = _ANALYSED.get(key)
        if found is None:
            if len(_ANALYSED) >= 8:
                _ANALYSED.clear()
            found = _ANALYSED[key] = self._analyse(text)
        return found

    def _analyse(self, text: str) -> Analysis:
        words = self._tokens.findall(text)
        # Most words are known: looked up by map, in C, the others marked.
        terms: list[Any] = list(map(self._terms.get, words, itertools.repeat(_UNKNOWN)))
        if _UNKNOWN in terms:
            term_of = self.term
            terms = [term_of(w) if t is _UNKNOWN else t for w, t in zip(words, terms, strict=True)]
        kept = [term for term in terms if term is not None]
        if self.language != OTHER_LANGUAGE:
            # A stop filter renumbers positions: the words left are side by side.
            side_by_side = list(itertools.pairwise(kept))
        else:
            side_by_side = [
                (a, b) for a, b in itertools.pairwise(terms) if a is not None and b is not None
            ]
        return Analysis(Counter(kept), side_by_side)

    @functools.cached_property
    def _tokens(self) -> re.Pattern[str]:
        """The analyser's tokenizer as a pattern without groups, for ``findall``."""
        pattern: str = self.analyzer.items[0].expression.pattern
        return re.compile(pattern.replace("(", "(?:"))

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        if not isinstance(value, str) or kwargs:
            yield from super().index(value, **kwargs)
            return
        boost = self.format.field_boost
        for term, count in self.analysed(value).counts.items():
            encoded = _COUNTS[count] if count < 64 else pack_uint(count)
            yield term.encode("utf-8"), count, count * boost, encoded


def initial(word: str) -> str:
    """The first letter of a word as the analysers leave it: lower case, accents folded."""
    return word[:1].lower().translate(accent_map)[:1]


def pairs(field: LanguageText, text: str) -> list[tuple[str, str]]:
    """Each two terms of a text at positions side by side, in order."""
    return field.analysed(text).pairs


#: The parts of a document whose pairs of words are terms of their own (``WordPairs``):
#: short, and read for every query of several words (the proximity bonus). The
#: other parts' pairs are in ``NextWords``.
PAIRED_PARTS = ("title", "lead")


class _PairsField(FieldType):  # type: ignore[misc]
    """A field of one language's pairs of words, indexed by kb's code (no analyser),
    never stored, scored or kept as vectors."""

    def __init__(self, language: str, format: Format) -> None:
        self.format = format
        self.analyzer = None
        self.scorable = False
        self.stored = False
        self.unique = False
        self.vector = None
        self.language = language


def pair_term(part: str, first: str, second: str) -> str:
    """The ``WordPairs`` term of two terms side by side in a part of a document."""
    return f"{part} {first} {second}"


class WordPairs(_PairsField):
    """Every two words side by side in the short parts of a document, of one language.

    A phrase is found by looking up its pairs of words: one posting list per
    pair instead of the positions of every occurrence of every word. The
    value indexed is a sequence of (part, text); the terms are
    ``pair_term(part, first, second)``. For ``PAIRED_PARTS`` only: in a
    body nearly every pair of words is a term of its own, each with its own
    posting list, which made the index four times larger and its build
    twice as long (``NextWords`` holds the body's pairs instead).
    """

    def __init__(self, language: str) -> None:
        super().__init__(language, Frequency())

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        field = language_text(self.language)
        counts: dict[str, int] = defaultdict(int)
        for part, text in value:
            for first, second in pairs(field, text):
                counts[pair_term(part, first, second)] += 1
        for term, count in counts.items():
            yield term.encode("utf-8"), count, float(count), pack_uint(count)


def next_key(part: str, first: str) -> str:
    """The ``NextWords`` term of a term in a part of a document."""
    return f"{part} {first}"


#: Between the terms of a ``NextWords`` value, and around them: no term holds it.
_SEPARATOR = b"\0"


def next_value(followers: Iterable[str]) -> bytes:
    """A ``NextWords`` value: the terms that follow a term, each between separators."""
    return ("\0" + "\0".join(followers) + "\0").encode("utf-8")


def next_mark(second: str) -> bytes:
    """What a ``NextWords`` value holds when ``second`` follows the term (``in`` finds it)."""
    return _SEPARATOR + second.encode("utf-8") + _SEPARATOR


class FollowingTerms(Format):  # type: ignore[misc]
    """The postings format of ``NextWords``: the terms that follow, in a byte string."""

    posting_size = -1

    def decode_following(self, value: bytes) -> list[str]:
        return [term.decode("utf-8") for term in value.split(_SEPARATOR) if term]


class NextWords(_PairsField):
    """The pairs of words side by side in the long parts of a document, of one language.

    The term is a term of a part (``next_key(part, first)``) and its
    posting's value lists the terms that follow it there (``next_value``):
    one posting per distinct word, as in the part's own text field, where
    one term per pair (``WordPairs``) made nearly every pair of a body a
    term and a posting list of its own. A phrase reads its first word's
    postings with their values and keeps the documents whose value holds
    the second word. Read only for phrases in a body.
    """

    def __init__(self, language: str) -> None:
        super().__init__(language, FollowingTerms())

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        field = language_text(self.language)
        for part, text in value:
            following: dict[str, list[str]] = defaultdict(list)
            for first, second in set(pairs(field, text)):
                following[first].append(second)
            for first, terms in following.items():
                count = len(terms)
                yield next_key(part, first).encode("utf-8"), count, float(count), next_value(terms)


@functools.cache
def language_text(language: str) -> LanguageText:
    """A language's text field, made once (making one loads its stemmer)."""
    return LanguageText(language)


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
