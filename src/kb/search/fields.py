"""The index's schema, and a document as the index stores it."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any

from whoosh.fields import ID, KEYWORD, STORED, Schema
from whoosh.system import pack_uint

from kb.model import Document
from kb.search.analysis import (
    PAIRED_PARTS,
    WORD,
    LanguageText,
    NextWords,
    WordPairs,
    headings,
    plain_text,
)
from kb.search.querymodel import FACET_PREFIX, LANGUAGES, OTHER_LANGUAGE, PARTS, language_key
from kb.urls import document_url

#: Bump when the schema, the analysers or the indexed text change: forces a full rebuild.
INDEX_VERSION = "kb-search-4"
INDEX_NAME = "kb"
_KEYWORDS = re.compile(r"[^ \t\r\n]+")


def index_schema() -> Schema:
    fields: dict[str, Any] = {
        "id": ID(stored=True, unique=True, sortable=True),
        "hash": ID(sortable=True),
        "path": STORED(),
        "url": STORED(),
        "title": STORED(),
        "summary": STORED(),
        "body": STORED(),
        # With the title and summary, the text of every part: phrases of three words
        # or more are checked on it.
        "labels": STORED(),
        "headings": STORED(),
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
        "spell": WordList(),
    }
    for language in (*LANGUAGES, OTHER_LANGUAGE):
        for part in PARTS:
            fields[f"{part}_{language}"] = LanguageText(language)
        fields[f"pairs_{language}"] = WordPairs(language)
        fields[f"next_{language}"] = NextWords(language)
    schema = Schema(**fields)
    schema.add(f"{FACET_PREFIX}*", KEYWORD(lowercase=True, scorable=True), glob=True)
    return schema


class WordList(KEYWORD):  # type: ignore[misc]
    """A KEYWORD field of distinct words, indexed without Whoosh's chain of generators.

    The words of every document, for "did you mean": a third of the index's
    postings, each run through a tokenizer, a counter and the format's
    encoder by Whoosh. The postings are the same (a test compares them).
    """

    def __init__(self) -> None:
        super().__init__(scorable=True)

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        if not isinstance(value, str) or kwargs:
            yield from super().index(value, **kwargs)
            return
        boost = float(self.format.field_boost)
        counts: dict[str, int] = {}
        for word in _KEYWORDS.findall(value):  # as KEYWORD's tokenizer splits them
            counts[word] = counts.get(word, 0) + 1
        for word, count in counts.items():
            yield word.encode("utf-8"), count, count * boost, pack_uint(count)


def index_version() -> str:
    """``INDEX_VERSION`` with a fingerprint of the schema's fields, so that a changed
    field list forces a rebuild even if nobody remembered to bump the version."""
    fields = sorted(f"{name}:{type(f).__name__}" for name, f in index_schema().items())
    fingerprint = hashlib.sha256(" ".join(fields).encode("utf-8")).hexdigest()[:12]
    return f"{INDEX_VERSION}-{fingerprint}"


def index_fields(doc: Document, labels: str) -> dict[str, Any]:
    """The fields of a document as the index stores them (everything its hash covers).

    ``labels`` is what the document is filed under, in words (``QueryModel.lead``):
    with the summary, the document's lead.
    """
    language = language_key(doc.language)
    body = plain_text(doc.body)
    text = " ".join((doc.title, doc.summary, body, labels))
    words = {w.lower() for w in WORD.findall(text)}
    heading_text = "\n".join(headings(doc.body))
    parts = part_texts(doc.title, doc.summary, labels, heading_text, body)
    fields = {
        "id": doc.id,
        "path": doc.path,
        "url": document_url(doc),
        "title": doc.title,
        "summary": doc.summary,
        "body": body,
        "labels": labels,
        "headings": heading_text,
        "date": doc.last_changed.isoformat(),
        "status": doc.status,
        "type": doc.type.lower(),
        "themes": " ".join(doc.themes),
        "levels": " ".join(doc.levels),
        "countries": " ".join(c.upper() for c in doc.countries),
        "stakeholders": " ".join(doc.stakeholders),
        "language": doc.language.lower(),
        "spell": " ".join(sorted(w for w in words if len(w) > 2 and "'" not in w)),
        **{f"{part}_{language}": part_text for part, part_text in parts.items()},
        f"pairs_{language}": tuple((p, t) for p, t in parts.items() if p in PAIRED_PARTS),
        f"next_{language}": tuple((p, t) for p, t in parts.items() if p not in PAIRED_PARTS),
    }
    if doc.programme:
        fields["programme"] = doc.programme.lower()
    for facet, values in sorted(doc.facets.items()):
        if values:
            fields[f"{FACET_PREFIX}{facet}"] = " ".join(values)
    return fields


def part_texts(title: str, summary: str, labels: str, headings: str, body: str) -> dict[str, str]:
    """The text of each part of a document (``PARTS``) as it is indexed."""
    return {
        "title": title,
        "lead": f"{summary}\n\n{labels}",
        # Headings count twice (they are in the body too): more than the body's words.
        "text": f"{headings}\n\n{body}",
    }


def stored_part(stored: dict[str, Any], part: str) -> str:
    """The text of a part of a document, from its stored fields."""
    return part_texts(
        stored.get("title", ""),
        stored.get("summary", ""),
        stored.get("labels", ""),
        stored.get("headings", ""),
        stored.get("body", ""),
    )[part]


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
