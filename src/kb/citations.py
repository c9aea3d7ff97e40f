"""Citations: a claim in the text cites a source of its document as ``[^source-id]``.

Editors write only the reference; kb writes the footnote itself (authors,
year, title, publisher and a link to the address) from the matching entry of
``sources:``, so that the site and the PDFs show the same note and a source
is described in one place. ``check_citations`` reports references to no
source, sources that cannot be followed, and footnotes written out by hand
under a source's id.
"""

from __future__ import annotations

import difflib
import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from markdown.treeprocessors import Treeprocessor

from kb.links import code_free_lines
from kb.model import Document, Source
from kb.problems import Problem

#: A footnote reference; neither a definition (``[^id]:``) nor an escaped ``\\[^id]`` is.
REFERENCE = re.compile(r"(?<!\\)\[\^([^\[\]\s]+)\](?!:)")
DEFINITION = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:")
LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d+[.)])\s")
#: Where Python-Markdown's footnotes extension puts the notes when it finds this line.
PLACE_MARKER = "///Footnotes Go Here///"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!])")


@dataclass(frozen=True)
class Citation:
    """One ``[^label]`` in a body, with its file line."""

    label: str
    line: int


def references(body: str, first_line: int) -> Iterator[Citation]:
    """Every footnote reference outside code, in reading order."""
    for number, line in prose_lines(body, first_line):
        if "[^" not in line:
            continue
        for match in REFERENCE.finditer(line):
            yield Citation(match.group(1), number)


def prose_lines(body: str, first_line: int) -> Iterator[tuple[int, str]]:
    """Body lines outside fenced and indented code blocks (where ``[^A-Z]`` is a regex).

    A line indented by four spaces after a blank line is code, unless it
    continues a list item (the item's second paragraph).
    """
    blank_before = True
    in_list = False
    in_code = False
    for number, line in code_free_lines(body, first_line):
        if not line.strip():
            blank_before = True
            continue
        indented = line.startswith(("    ", "\t"))
        if in_code and indented:
            continue
        in_code = indented and blank_before and not in_list
        if in_code:
            continue
        if not indented:
            in_list = bool(LIST_ITEM.match(line)) or (in_list and not blank_before)
        blank_before = False
        yield number, line


def definitions(body: str, first_line: int) -> dict[str, int]:
    """Footnotes the editor wrote out, by label, with the line of each."""
    found: dict[str, int] = {}
    for number, line in code_free_lines(body, first_line):
        match = DEFINITION.match(line)
        if match:
            found.setdefault(match.group(1), number)
    return found


def cited_sources(doc: Document) -> list[Source]:
    """The document's sources its text cites, in the order they are first cited."""
    by_id = {s.id: s for s in doc.sources if s.id}
    written = definitions(doc.body, doc.body_line)
    cited: dict[str, Source] = {}
    for citation in references(doc.body, doc.body_line):
        source = by_id.get(citation.label)
        if source is not None and citation.label not in written:
            cited.setdefault(citation.label, source)
    return list(cited.values())


def _escaped(text: str) -> str:
    """Text that Markdown prints as it is written."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def _names(authors: Iterable[str]) -> str:
    names = list(authors)
    if len(names) < 3:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def footnote_text(source: Source) -> str:
    """A source as a note, in Markdown: authors (year). *Title*. Publisher. <address>."""
    parts: list[str] = []
    year = str(source.year) if source.year else ""
    if source.authors:
        parts.append(_escaped(_names(source.authors)) + (f" ({year})." if year else "."))
        year = ""
    title = source.title.rstrip(".")
    parts.append(f"*{_escaped(title)}*" + ("" if title.endswith(("?", "!")) else "."))
    published = ", ".join(p for p in (_escaped(source.publisher), year) if p)
    if published:
        parts.append(published + ".")
    if source.url:
        address = source.url.replace("<", "%3C").replace(">", "%3E")
        parts.append(f"<{address}>")
    return " ".join(parts)


def footnote_definitions(doc: Document) -> str:
    """The Markdown footnotes for the sources ``doc`` cites, to append to its body."""
    return "\n".join(f"[^{s.id}]: {footnote_text(s)}" for s in cited_sources(doc))


def has_footnotes(doc: Document) -> bool:
    """Whether the rendered body will carry footnotes (generated or written out)."""
    return bool(cited_sources(doc)) or bool(definitions(doc.body, doc.body_line))


def check_citations(doc: Document) -> Iterator[Problem]:
    """Citations to no source, sources without an address, hand-written source notes."""
    by_id = {s.id: s for s in doc.sources if s.id}
    written = definitions(doc.body, doc.body_line)
    for label, line in written.items():
        if label in by_id:
            yield Problem(
                doc.path,
                line,
                "citation",
                f"'[^{label}]:' writes out the note for the source '{label}', which kb writes "
                "from 'sources:'; remove this footnote and keep the reference",
            )
    first_cited: dict[str, int] = {}
    for citation in references(doc.body, doc.body_line):
        label = citation.label
        if label in by_id:
            first_cited.setdefault(label, citation.line)
            continue
        if label in written:
            continue  # an ordinary footnote the editor wrote out
        yield Problem(
            doc.path,
            citation.line,
            "citation",
            f"'[^{label}]' cites no source of this document{_source_hint(label, by_id)}",
        )
    # Knowledge here is sourced publicly: a source without an address cannot be
    # followed by a reader, whether or not the text cites it yet.
    for index, source in enumerate(doc.sources):
        if source.url:
            continue
        keypath = f"sources[{index}]"
        if source.id in first_cited:
            message = (
                f"'{source.id}' is cited on line {first_cited[source.id]} but has no 'url:'; "
                "add the address where readers can find it, so the note can link to it"
            )
        else:
            message = (
                "has no 'url:'; add the address of the report or page where readers can "
                "find it, or remove the source if it is not public"
            )
        yield Problem(doc.path, doc.line(keypath), keypath, message, "warning")


def _source_hint(label: str, by_id: dict[str, Source]) -> str:
    if not by_id:
        return (
            f"; add the source under 'sources:' with 'id: {label}', "
            "or write the footnote out as '[^" + label + "]: ...'"
        )
    close = difflib.get_close_matches(label, sorted(by_id), n=1, cutoff=0.6)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f" (its source ids: {', '.join(sorted(by_id))})"


class PlainNotes(Treeprocessor):
    """Takes the glossary's abbreviations out of the notes, which quote sources as published.

    Python-Markdown's ``abbr`` marks every occurrence in the page, the notes
    included; a source's title or publisher is a quotation, not the text's
    first use of a term. Runs after ``abbr`` (priority 7).
    """

    def run(self, root: etree.Element) -> None:
        for notes in root.iter("div"):
            if "footnote" not in (notes.get("class") or "").split():
                continue
            for parent in list(notes.iter()):
                for child in list(parent):
                    if child.tag == "abbr":
                        _unwrap(parent, child)


def _unwrap(parent: etree.Element, child: etree.Element) -> None:
    """``child`` replaced by its text (an abbreviation holds nothing else)."""
    index = list(parent).index(child)
    text = "".join(child.itertext()) + (child.tail or "")
    if index == 0:
        parent.text = (parent.text or "") + text
    else:
        previous = parent[index - 1]
        previous.tail = (previous.tail or "") + text
    parent.remove(child)
