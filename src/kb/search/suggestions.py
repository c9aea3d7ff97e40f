"""Spelling: "did you mean", from the words the index holds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kb.search.analysis import analyzer_for
from kb.search.querymodel import OTHER_LANGUAGE


def known_stem(reader: Any, word: str, languages: Sequence[str]) -> bool:
    """Whether the word, as some language's analyser reduces it, is in that language's text."""
    for token in analyzer_for(OTHER_LANGUAGE)(word):
        if ("labels", token.text) in reader:
            return True
    for language in languages:
        for token in analyzer_for(language)(word):
            if (f"text_{language}", token.text) in reader or (
                f"title_{language}",
                token.text,
            ) in reader:
                return True
    return False
