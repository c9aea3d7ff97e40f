"""Links, images and headings in a document body, with the line each is on.

The Markdown library renders but does not tell where things are, so this
module scans the source line by line (skipping fenced code and code spans)
for the parts ``kb check`` must verify: that a link to another document or
one of its sections resolves, that an image exists and has alt text, and
that nothing points outside the content folder or runs script (raw HTML is
read by ``kb.htmlcheck``).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from markdown.extensions.toc import slugify

#: A backtick fence's info string has no backtick (CommonMark, and Python-Markdown's
#: superfences): "```python x.py```" on its own line is a code span, not a fence.
FENCE = re.compile(r"^ {0,3}(`{3,}(?=[^`]*$)|~{3,})")
# Every pattern here runs over contributors' text, so none may backtrack over
# more than a bounded stretch: a run that could scan to the end of the text from
# each of many starting points ("[" or "<" repeated) stops at the next bracket
# or tag instead (tests/test_hostile_markdown.py times each on such input).
INLINE = re.compile(
    r"(!?)\[((?:[^\[\]]|\[[^\[\]]*\])*)\]\(\s*(<[^<>\n]*>|[^\s()]*(?:\([^\s()]*\))?)"
)
REFERENCE_DEF = re.compile(r"^ {0,3}\[([^\]]+)\]:\s*(<[^>]*>|\S+)")
REFERENCE_USE = re.compile(r"(!?)\[([^\[\]]*)\]\[([^\[\]]*)\]")
HTML_ATTR = re.compile(r"<(a|img)\b[^<>]*?\b(href|src)\s*=\s*[\"']?([^\"'\s<>]+)", re.IGNORECASE)
HTML_ALT = re.compile(r"\balt\s*=\s*[\"']([^\"']*)", re.IGNORECASE)
HEADING_START = re.compile(r" {0,3}(#{1,6})[ \t]+")
ATTR_ID = re.compile(r"#([\w-]+)")
HTML_ID = re.compile(r"<[^<>]*?\bid\s*=\s*[\"']([^\"'<>]+)", re.IGNORECASE)
PLAIN_LINK = re.compile(r"!?\[([^\[\]]*)\]\([^()\n]*\)")
PLAIN_TAG = re.compile(r"<[^<>]+>")
SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
EXTERNAL_SCHEMES = {"http", "https", "mailto", "tel", "ftp", "ftps", "news", "irc"}
DANGEROUS_SCHEMES = {"javascript", "vbscript", "data", "file"}


@dataclass(frozen=True)
class Link:
    """A link or image in a body: its target as written, and its file line."""

    target: str
    line: int
    is_image: bool = False
    alt: str = ""
    html: bool = False


def outside_fences(lines: Sequence[str], start: int = 0) -> Iterator[int]:
    """The numbers of the lines from ``start`` on that are neither in nor of a code fence."""
    fence = ""
    for number in range(start, len(lines)):
        match = FENCE.match(lines[number])
        if fence:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = ""
            continue
        if match:
            fence = match.group(1)
            continue
        yield number


def code_free_lines(body: str, first_line: int) -> Iterator[tuple[int, str]]:
    """Body lines outside fenced code blocks, with code spans blanked out."""
    lines = body.split("\n")
    # A fence is three backticks or tildes at least: without them, every line is outside.
    fenced = "```" in body or "~~~" in body
    for offset in outside_fences(lines) if fenced else range(len(lines)):
        line = lines[offset]
        if "`" in line:
            line = blank_code_spans(line)
        yield first_line + offset, line


def code_spans(text: str) -> list[tuple[int, int]]:
    """Where the code spans in ``text`` start and end, none across a line end.

    A span closes at the next run of exactly as many backticks on its line
    (CommonMark); each run is looked at once, so a line of unmatched runs
    costs no more than its length.
    """
    runs: list[tuple[int, int, int]] = []  # start, end, line
    line = 0
    position = 0
    i = text.find("`")
    while i >= 0:
        line += text.count("\n", position, i)
        end = i
        while end < len(text) and text[end] == "`":
            end += 1
        runs.append((i, end, line))
        position = i
        i = text.find("`", end)
    later: dict[int, list[int]] = {}  # run length -> indices of its runs, last first
    for index in range(len(runs) - 1, -1, -1):
        later.setdefault(runs[index][1] - runs[index][0], []).append(index)
    spans: list[tuple[int, int]] = []
    index = 0
    while index < len(runs):
        start, end, on_line = runs[index]
        same = later[end - start]
        while same and same[-1] <= index:
            same.pop()
        if not same or runs[same[-1]][2] != on_line:
            index += 1
            continue
        closing = same.pop()
        spans.append((start, runs[closing][1]))
        index = closing + 1
    return spans


def blank_code_spans(line: str) -> str:
    """The line with each code span replaced by as many spaces."""
    pieces: list[str] = []
    position = 0
    for start, end in code_spans(line):
        pieces.append(line[position:start])
        pieces.append(" " * (end - start))
        position = end
    pieces.append(line[position:])
    return "".join(pieces)


def atx_heading(line: str) -> tuple[int, str] | None:
    """The level and text of an ATX heading line ("## Text ##" gives 2, "Text"), or None."""
    start = HEADING_START.match(line)
    if not start:
        return None
    text = line[start.end() :].rstrip(" \t")
    closing = text.rstrip("#")
    if closing != text and (not closing or closing[-1] in " \t"):
        text = closing.rstrip(" \t")
    return len(start.group(1)), text


def scan_links(body: str, first_line: int) -> list[Link]:
    """Every link and image target in the body, with the line it is on.

    Inline links are matched paragraph by paragraph, so a link whose text is
    wrapped over two lines is found too; its line is the one with the target.
    """
    links: list[Link] = []
    definitions: dict[str, tuple[str, int]] = {}
    uses: list[tuple[str, int, bool, str]] = []
    paragraph: list[tuple[int, str]] = []

    def flush() -> None:
        if not paragraph:
            return
        start = paragraph[0][0]
        text = "\n".join(line for _n, line in paragraph)
        paragraph.clear()
        if "](" not in text:
            return
        for match in INLINE.finditer(text):
            links.append(
                Link(
                    match.group(3).strip("<>"),
                    start + text.count("\n", 0, match.start(3)),
                    is_image=match.group(1) == "!",
                    alt=" ".join(match.group(2).split()),
                )
            )
            # A linked image ("[![alt](badge.png)](page)") is an image of its own.
            if "](" in match.group(2):
                for inner in INLINE.finditer(text, match.start(2), match.end(2)):
                    links.append(
                        Link(
                            inner.group(3).strip("<>"),
                            start + text.count("\n", 0, inner.start(3)),
                            is_image=inner.group(1) == "!",
                            alt=" ".join(inner.group(2).split()),
                        )
                    )

    previous = first_line - 1
    for number, line in code_free_lines(body, first_line):
        if number != previous + 1 or not line.strip():
            flush()
        previous = number
        if "[" in line:
            definition = REFERENCE_DEF.match(line)
            if definition:
                flush()
                definitions[definition.group(1).lower()] = (
                    definition.group(2).strip("<>"),
                    number,
                )
                continue
            for match in REFERENCE_USE.finditer(line):
                label = (match.group(3) or match.group(2)).lower()
                uses.append((label, number, match.group(1) == "!", match.group(2).strip()))
        if line.strip():
            paragraph.append((number, line))
        if "<" in line:
            for match in HTML_ATTR.finditer(line):
                is_image = match.group(1).lower() == "img"
                alt_match = HTML_ALT.search(line)
                links.append(
                    Link(
                        match.group(3),
                        number,
                        is_image=is_image,
                        alt=alt_match.group(1) if alt_match else "",
                        html=True,
                    )
                )
    flush()
    links.sort(key=lambda link: link.line)
    for label, _number, is_image, alt_text in uses:
        if label in definitions:
            target, defined_on = definitions[label]
            links.append(Link(target, defined_on, is_image=is_image, alt=alt_text))
    return links


def heading_slugs(body: str) -> frozenset[str]:
    """The anchors a body's headings get when rendered (as MkDocs' toc names them)."""
    return _heading_slugs(body)


@lru_cache(maxsize=4096)
def _heading_slugs(body: str) -> frozenset[str]:
    slugs: set[str] = set()
    # A setext heading is the first line of a paragraph underlined with === or ---.
    paragraph_start = ""
    previous_blank = True
    last_number = 0
    lines = body.split("\n")
    for number, blanked in code_free_lines(body, 1):
        # Code spans count in a heading's id ("Output: `@csv`" is output-csv), so the
        # heading is read from the line as written, not with its code spans blanked.
        line = lines[number - 1]
        if number != last_number + 1:  # a code block came in between
            paragraph_start, previous_blank = "", True
        last_number = number
        if "<" in blanked:
            slugs.update(HTML_ID.findall(blanked))
        heading = atx_heading(line)
        underline = SETEXT_UNDERLINE.match(line)
        text = heading[1] if heading is not None else paragraph_start if underline else ""
        blank = not line.strip()
        starts = previous_blank and not blank and heading is None and not underline
        paragraph_start = line.strip() if starts else ""
        previous_blank = blank
        if not text:
            continue
        heading_id(text, slugs)
    return frozenset(slugs)


def heading_id(text: str, used: set[str]) -> str:
    """The id a heading gets when rendered, as Python-Markdown's toc gives it; noted in ``used``.

    An explicit ``{#id}`` is kept as written; otherwise the slug of the text,
    with ``_1``, ``_2``... when an earlier heading has it already.
    """
    explicit = explicit_id(text)
    if explicit:
        used.add(explicit)
        return explicit
    slug = slugify(plain_heading(text), "-")
    unique, n = slug, 0
    while unique in used:
        n += 1
        unique = f"{slug}_{n}"
    used.add(unique)
    return unique


def _attribute_list(text: str) -> tuple[int, str] | None:
    """Where an attribute list ``{...}`` ending the text starts, and its inside."""
    stripped = text.rstrip()
    if not stripped.endswith("}"):
        return None
    start = stripped.rfind("{")
    if start < 0:
        return None
    return start, stripped[start + 1 : -1]


def explicit_id(text: str) -> str:
    """The ``#id`` of an attribute list ending a heading (the last one given), or ''."""
    attributes = _attribute_list(text)
    if attributes is None:
        return ""
    ids = ATTR_ID.findall(attributes[1])
    return ids[-1] if ids else ""


def plain_heading(text: str) -> str:
    """Heading text without Markdown emphasis, links and attribute lists."""
    attributes = _attribute_list(text)
    if attributes is not None:
        text = text[: attributes[0]]
    text = PLAIN_LINK.sub(r"\1", text)
    text = PLAIN_TAG.sub("", text)
    return re.sub(r"[*_`]", "", text).strip()


@dataclass(frozen=True)
class Target:
    """Where a link points, once classified."""

    kind: str  # external | dangerous | anchor | outside | local | invalid
    path: str = ""  # posix path relative to the project, for local targets
    anchor: str = ""
    scheme: str = ""


def classify(target: str, document_path: str, content_prefix: str) -> Target:
    """Say what ``target``, written in the document at ``document_path``, points to.

    ``document_path`` and ``content_prefix`` are posix paths relative to the
    project (``content/lessons/x.md`` and ``content``).
    """
    stripped = target.strip()
    try:
        parts = urlsplit(stripped)
    except ValueError:  # e.g. an unclosed '[' in the host: "http://[::1"
        return Target("invalid")
    scheme = parts.scheme.lower()
    if scheme in DANGEROUS_SCHEMES or stripped.lower().startswith(("javascript:", "vbscript:")):
        return Target("dangerous", scheme=scheme or "javascript")
    if scheme or stripped.startswith("//"):
        return Target("external", scheme=scheme or "https")
    if not parts.path:
        return Target("anchor", anchor=unquote(parts.fragment))
    if parts.path.startswith("/"):
        resolved = posixpath.normpath(posixpath.join(content_prefix, parts.path.lstrip("/")))
    else:
        folder = posixpath.dirname(document_path)
        resolved = posixpath.normpath(posixpath.join(folder, unquote(parts.path)))
    if resolved != content_prefix and not resolved.startswith(content_prefix + "/"):
        return Target("outside", path=resolved)
    return Target("local", path=resolved, anchor=unquote(parts.fragment))


def rewrite_links(body: str, rewrite: Callable[[str], str | None]) -> str:
    """Replace link and image targets outside code; ``rewrite`` returns a new target or None.

    Inline links ``[text](target)`` and reference definitions ``[id]: target``
    are rewritten; fenced code blocks and code spans are left exactly as they are.
    """

    def inline(match: re.Match[str]) -> str:
        original = match.group(3)
        new = rewrite(original.strip("<>"))
        label = match.group(2)
        # A linked image ("[![alt](badge.png)](page)") has a target of its own.
        new_label = INLINE.sub(inline, label) if "](" in label else label
        if new is None and new_label == label:
            return match.group(0)
        text = match.group(0)
        label_start, label_end = match.start(2) - match.start(0), match.end(2) - match.start(0)
        start, end = match.start(3) - match.start(0), match.end(3) - match.start(0)
        target = text[start:end] if new is None else new
        return text[:label_start] + new_label + text[label_end:start] + target + text[end:]

    def outside_code(line: str) -> str:
        if "`" not in line:
            return INLINE.sub(inline, line)
        pieces = []
        position = 0
        for start, end in code_spans(line):
            pieces.append(INLINE.sub(inline, line[position:start]))
            pieces.append(line[start:end])
            position = end
        pieces.append(INLINE.sub(inline, line[position:]))
        return "".join(pieces)

    out: list[str] = []
    chunk: list[str] = []

    def flush() -> None:
        # A paragraph at a time, so that links wrapped over two lines are rewritten too.
        for i, line in enumerate(chunk):
            if "]:" in line:
                definition = REFERENCE_DEF.match(line)
                if definition:
                    new = rewrite(definition.group(2).strip("<>"))
                    if new is not None:
                        chunk[i] = line[: definition.start(2)] + new + line[definition.end(2) :]
        text = "\n".join(chunk)
        out.append(outside_code(text) if "](" in text else text)
        chunk.clear()

    fence = ""
    for line in body.split("\n"):
        match = FENCE.match(line)
        if fence:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = ""
            out.append(line)
            continue
        if match:
            if chunk:
                flush()
            fence = match.group(1)
            out.append(line)
            continue
        chunk.append(line)
        if not line.strip():
            flush()
    if chunk:
        flush()
    return "\n".join(out)
