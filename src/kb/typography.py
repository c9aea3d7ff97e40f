"""French typography, set when rendering rather than asked of editors.

French puts a narrow no-break space (U+202F) before ``; : ? !`` and inside
guillemets (« … »), and writes the apostrophe as U+2019. Editors type ordinary
spaces and straight apostrophes, so a line can break before a colon. The
pass here runs on rendered HTML, on the text between tags only: never inside
tags (attributes, URLs) nor inside ``code``, ``pre``, ``kbd``, ``samp``,
``script`` or ``style``. It runs on HTML rather than inside Markdown so that
the site (after MkDocs) and the PDFs (kb's own rendering) share it.

``source_problems`` lists the same forms in a French document's source, for
``kb check --strict``; ``typeset_source`` writes them into a source file as
they are printed (``kb typeset``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from kb.links import code_free_lines, outside_fences
from kb.model import Document
from kb.problems import Problem

NNBSP = "\u202f"
#: Elements whose text is code or data, left exactly as written.
VERBATIM = frozenset({"code", "pre", "kbd", "samp", "script", "style", "textarea", "math"})
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*?(/?)>|<!--.*?-->|<![^>]*>", re.DOTALL)
SPACE_BEFORE = re.compile(r"(?:[ \u00a0\u202f]|&nbsp;|&#160;)+(?=[;:?!])")
OPEN_QUOTE = re.compile(r"«(?:[ \u00a0\u202f]|&nbsp;|&#160;)*")
CLOSE_QUOTE = re.compile(r"(?:[ \u00a0\u202f]|&nbsp;|&#160;)*»")
APOSTROPHE = re.compile(r"(?<=[^\W\d_])(?:'|&#39;|&#x27;)(?=[^\W\d_]|«)")
#: The source forms the pass changes (plain text, outside code).
SOURCE_SPACE = re.compile(r"[^\s\u00a0\u202f] (?=[;:?!](?:\s|$))|« | »")
SOURCE_APOSTROPHE = re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_]|«)")
LINK_TARGET = re.compile(r"\]\([^)]*\)|<[^>\n]*>|https?://\S+")
#: What a source line keeps as written: code spans, link targets, tags, addresses.
KEPT = re.compile(r"(`+).*?\1|\]\([^)]*\)|<[^>\n]*>|https?://\S+|\{[^}\n]*\}")
APOSTROPHE_SIGN = "\u2019"


def is_french(language: str) -> bool:
    return language.split("-")[0].lower() == "fr"


def french_text(text: str) -> str:
    """Plain text (or the text between two tags) set in French typography.

    Idempotent: narrow spaces already in place are kept, never doubled (the
    shipped sources are typeset, and the site and PDFs set them again).
    """
    text = SPACE_BEFORE.sub(NNBSP, text)
    text = OPEN_QUOTE.sub("«" + NNBSP, text)
    text = CLOSE_QUOTE.sub(NNBSP + "»", text)
    return APOSTROPHE.sub(APOSTROPHE_SIGN, text)


def typeset(text: str, language: str) -> str:
    """Plain text (a title, an introduction) set in the typography of ``language``."""
    return french_text(text) if is_french(language) else text


def french_html(html_text: str) -> str:
    """HTML with French typography in its text, never in tags or code."""
    out: list[str] = []
    verbatim: list[str] = []
    position = 0
    for match in TAG.finditer(html_text):
        text = html_text[position : match.start()]
        out.append(text if verbatim else french_text(text))
        out.append(match.group(0))
        closing, name, self_closing = match.group(1), (match.group(2) or "").lower(), match.group(3)
        if name in VERBATIM and not self_closing:
            if closing:
                if name in verbatim:
                    del verbatim[len(verbatim) - 1 - verbatim[::-1].index(name)]
            else:
                verbatim.append(name)
        position = match.end()
    tail = html_text[position:]
    out.append(tail if verbatim else french_text(tail))
    return "".join(out)


def source_problems(doc: Document) -> Iterable[Problem]:
    """One warning for a French document whose source has forms the typography pass changes."""
    if not is_french(doc.language):
        return
    spaces = apostrophes = 0
    first = 0
    for number, line in code_free_lines(doc.body, doc.body_line):
        text = LINK_TARGET.sub(" ", line)
        found_spaces = len(SOURCE_SPACE.findall(text))
        found_apostrophes = len(SOURCE_APOSTROPHE.findall(text))
        if (found_spaces or found_apostrophes) and not first:
            first = number
        spaces += found_spaces
        apostrophes += found_apostrophes
    if not first:
        return
    found = []
    if spaces:
        found.append(f"{spaces} ordinary spaces before ; : ? ! or inside « »")
    if apostrophes:
        found.append(f"{apostrophes} straight apostrophes")
    yield Problem(
        doc.path,
        first,
        "body",
        f"{' and '.join(found)}, the first on this line; the site and PDFs print them "
        f"in French typography ({APOSTROPHE_SIGN} and narrow no-break spaces): run "
        f"kb typeset {doc.path} to write them so in the source",
        severity="warning",
    )


def typeset_source(text: str) -> str:
    """A Markdown file's body in French typography; front matter, code and link targets kept."""
    lines = text.split("\n")
    start = 0
    if lines and lines[0].strip() == "---":
        start = next((n + 1 for n, line in enumerate(lines[1:], 1) if line.strip() == "---"), 0)
    for number in outside_fences(lines, start):
        line = lines[number]
        parts, position = [], 0
        for kept in KEPT.finditer(line):
            parts.append(french_text(line[position : kept.start()]) + kept.group(0))
            position = kept.end()
        parts.append(french_text(line[position:]))
        lines[number] = "".join(parts).replace(" \u202f", "\u202f")
    return "\n".join(lines)
