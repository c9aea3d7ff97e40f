"""What the index answers: update statistics, hits with snippets, results."""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.errors import KbError

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


class IndexDamaged(KbError):
    """The index's files could be opened but not read: it is rebuilt at the next update."""
