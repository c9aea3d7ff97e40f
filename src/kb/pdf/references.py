"""References that work on paper: page numbers inside a pack, addresses outside it.

A link to a document of the same pack gets "(see p. 12)" from the stylesheet
(``a.xref``, WeasyPrint's ``target-counter``). A link that leaves the PDF
(another document's online page, a web page) cannot be clicked on paper, so
each address is numbered after the linked words, ``[1]``, and listed at the
end of the document; a link whose words are its address needs no note.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

#: An opening link to the web and its words (no link nests in another).
_WEB_LINK = re.compile(r'<a href="(https?://[^"]+)"([^>]*)>(.*?)</a>', re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>")


@dataclass(frozen=True)
class LinkNotes:
    """A body with its web links numbered, and the addresses in the order of their numbers."""

    body: str
    addresses: tuple[str, ...]


def _spelled_out(words: str, address: str) -> bool:
    """True when the linked words already show the address (an autolink, a bare URL)."""
    shown = " ".join(html.unescape(_TAG.sub("", words)).split()).rstrip("/")
    bare = address.rstrip("/")
    return shown in (bare, bare.split("://", 1)[-1])


def number_web_links(body: str) -> LinkNotes:
    """Number each web link whose words hide its address; one number per address."""
    numbers: dict[str, int] = {}

    def note(match: re.Match[str]) -> str:
        escaped, words = match.group(1), match.group(3)
        address = html.unescape(escaped)
        if _spelled_out(words, address):
            return match.group(0)
        number = numbers.setdefault(address, len(numbers) + 1)
        return f'{match.group(0)}<span class="link-note">[{number}]</span>'

    numbered = _WEB_LINK.sub(note, body)
    return LinkNotes(numbered, tuple(numbers))
