"""The search page's first screen, drawn before Pagefind has loaded.

On a phone on a slow link, Pagefind's first search waits for its WebAssembly,
its metadata (a line for every page) and the index chunks of the query's words,
which hold every position of those words: about 200 KB for a search of two
common words at 5,000 documents, 7 s at 400 kbit/s. Yet what comes first is
mostly decided by a document's title, summary, what it is filed under and its
headings, the parts the ranking weighs most (``SITE_WEIGHTS``).

So kb writes, for each term of those parts in each language, every document
holding it there with its score, and every document's result card in files of
sixteen (``c/<n>.json``). A long list has a file of its own (``w/<term>.json``:
3.2 KB compressed for "sanitation" at 5,000 generated documents, where Pagefind's
first search of it needs 200 KB), named in the search settings the page loads
first; a short one rides in the spelling list of its word's first letters
(``kb-words``), which the page fetches anyway. The page draws the pages holding
every word of the query, best first by the sum of their scores, then puts
Pagefind's ranking in its place (cards move only where the order differs). A
query with a word no list has or that no page holds wholly in those parts, with
filters or in another language's scope waits for Pagefind as before.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from kb import urls
from kb.model import Document
from kb.search.analysis import headings, language_text
from kb.search.querymodel import SITE_WEIGHTS, QueryModel, fold, language_key

#: The folder of the bundle the files go in.
FOLDER = "kb-first"
#: Scores are written as whole numbers of this fraction.
SCALE = 100
#: Lists of at most this many holders go in the spelling lists, not in files of their own.
INLINE = 32
#: A term gets a list when this many documents hold it in the weighed parts.
HOLDERS = 2
#: Cards a file (documents by number, in the order of their addresses).
CARDS = 16
#: BM25's parameters: how fast repeats of a word stop counting (k1) and how much a long
#: page is marked down (b), near Pagefind's own defaults (pageLength 0.75:
#: https://unreleased.pagefind.app/docs/ranking), which kb leaves as they are.
SATURATION = 1.4
LENGTH = 0.75


def weighed_parts(doc: Document, model: QueryModel) -> list[tuple[str, int]]:
    """The parts of a document the first screen ranks on, with their weights: those the
    site's index weighs above its body text."""
    lead = f"{doc.summary}\n{model.lead(doc)}"
    return [
        (doc.title, SITE_WEIGHTS["title"]),
        (lead, SITE_WEIGHTS["lead"]),
        ("\n".join(headings(doc.body)), SITE_WEIGHTS["headings"]),
    ]


def term_file(term: str) -> str:
    """A term's file name: ASCII letters and digits as they are, others by their code
    points (as ``prefix_file``; the script takes the name from the spelling lists)."""
    return "".join(c if c.isascii() and c.isalnum() else f"u{ord(c):x}" for c in term)


class Lists(NamedTuple):
    """One language's first-screen lists."""

    #: Term → its holders by number, each as the step from the one before and the score
    #: in hundredths (a flat list of small integers, about half the bytes of pairs).
    rows: dict[str, list[int]]
    #: Each word of the weighed parts whose term has a list (folded) → that term.
    words: dict[str, str]


def lists(documents: Sequence[Document], model: QueryModel) -> Lists:
    """The lists of one language's documents (numbered in order): BM25 over the weighed
    parts, each occurrence counted at its part's weight."""
    weighted: list[Counter[str]] = []
    lengths: list[int] = []
    seen: set[str] = set()
    for doc in documents:
        field = language_text(language_key(doc.language))
        counts: Counter[str] = Counter()
        length = 0
        for text, weight in weighed_parts(doc, model):
            found = field.analysed(text).counts
            seen.update(field.tokens(text))
            length += sum(found.values())
            for term, times in found.items():
                counts[term] += times * weight
        weighted.append(counts)
        lengths.append(length)
    holders: Counter[str] = Counter()
    for counts in weighted:
        holders.update(counts.keys())
    average = (sum(lengths) / len(lengths) if lengths else 1.0) or 1.0
    total = len(documents)
    rows: dict[str, list[int]] = defaultdict(list)
    previous: dict[str, int] = defaultdict(int)
    for number, counts in enumerate(weighted):
        shortness = SATURATION * (1 - LENGTH + LENGTH * lengths[number] / average)
        for term, frequency in counts.items():
            held = holders[term]
            if held < HOLDERS:
                continue
            rarity = math.log(1 + (total - held + 0.5) / (held + 0.5))
            score = rarity * frequency * (SATURATION + 1) / (frequency + shortness)
            rows[term] += [number - previous[term], max(1, round(score * SCALE))]
            previous[term] = number
    words: dict[str, str] = {}
    if documents:
        field = language_text(language_key(documents[0].language))
        for word in sorted(seen):
            stem = field.term(word)
            if stem in rows:
                words.setdefault(fold(word), stem)
    return Lists(dict(rows), words)


def card(doc: Document, meta: Mapping[str, str]) -> dict[str, Any]:
    """A result card as the search page draws it: Pagefind's result data (the address,
    here from the site's root, and the record's metadata)."""
    return {
        "url": urls.document_url(doc),
        "meta": {"title": doc.title, **{k: v for k, v in meta.items() if v}},
    }


def write_first_screen(
    language: str,
    documents: Sequence[Document],
    model: QueryModel,
    meta: Callable[[Document], Mapping[str, str]],
    out_dir: Path,
) -> Lists:
    """Write one language's cards, and its lists of more than ``INLINE`` holders, into
    ``out_dir/kb-first/<language>/``; returns the lists (the shorter ones go in the
    spelling lists, saving the search page a request). ``documents``: the language's, in
    any order; ``meta``: a document's metadata as its search record has it."""
    ordered = sorted(documents, key=urls.document_url)
    folder = out_dir / FOLDER / language
    (folder / "w").mkdir(parents=True, exist_ok=True)
    (folder / "c").mkdir(parents=True, exist_ok=True)
    found = lists(ordered, model)
    for term, rows in found.rows.items():
        if len(rows) > 2 * INLINE:
            _write(folder / "w" / f"{term_file(term)}.json", rows)
    for start in range(0, len(ordered), CARDS):
        cards = [card(doc, meta(doc)) for doc in ordered[start : start + CARDS]]
        _write(folder / "c" / f"{start // CARDS}.json", cards)
    return found


def _write(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
