"""What makes a query match, defined once for ``kb search`` and the site's search.

Both engines read from here: the languages with their own stemming and stop
words, the weights of the parts of a document, and the words a document is
filed under (its themes' labels and aliases, its programme, countries and
type), so that a theme's name or an alias finds the documents filed under it
on the command line and on the site alike.
"""

from __future__ import annotations

#: Languages with their own stop words and stemmer; others go into the ``xx`` fields.
LANGUAGES = ("en", "fr", "es", "pt", "de", "it", "nl")
OTHER_LANGUAGE = "xx"
# Two text fields per language: the title, and the rest (summary, headings, body).
# Each field multiplies the work of every query word, and on a corpus where
# words match most documents that work is the latency; a title of its own
# keeps titles ranking first, and a heading or the summary, also in the
# body or repeated, count more there by term frequency.
TEXT_PARTS = ("title", "text")
BOOSTS = {"title": 4.0, "text": 1.0, "labels": 1.5}
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


def language_key(language: str) -> str:
    """The suffix of a language's text fields: ``pt-BR`` → ``pt``; unsupported → ``xx``."""
    primary = language.split("-")[0].lower()
    return primary if primary in LANGUAGES else OTHER_LANGUAGE
