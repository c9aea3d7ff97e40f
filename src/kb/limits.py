"""Size and nesting limits on a document body, checked before anything renders it.

Python-Markdown recurses once per level of nested lists, blockquotes and
emphasis (a few hundred levels exhaust Python's stack), and its cost per
character grows with the depth; it also scans from every ``[`` to the
bracket that closes it, and Python's HTML parser from every ``<tag`` to the
``>`` that ends it, so openers left open make rendering quadratic. This
module measures all of that in one linear pass over the source, so that
``kb check`` can name the line to fix and ``kb build`` never starts a render
that would hang or crash. Real documents stay far below every limit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kb.errors import KbError
from kb.links import code_spans
from kb.problems import Problem

#: The longest shipped document is 14 KB; 256 KB is about 40,000 words, a
#: 100-page book. The build renders every document twice (site and PDF) at
#: about 20 CPU seconds per MB beyond its fixed 5 s (measured), so this keeps
#: a build with one document at the limit near the 10 s of issue 18.
DEFAULT_MAX_DOCUMENT_KB = 256
#: The shipped documents nest at most a few levels; Python-Markdown's cost per
#: character grows with depth and it exhausts Python's stack at a few hundred.
DEFAULT_MAX_NESTING = 20
#: The most an owner may allow: measured, Python-Markdown renders 200 nested
#: lists and 1,000 nested emphases, and fails at 250 and 2,000 (tildes).
MAX_SAFE_NESTING = 100
#: Characters an opening ``[`` or ``<tag`` may stay open, summed over the
#: document, per character of the document (plus a fixed allowance): every
#: link's text counts once, so ordinary documents use well under one.
OPEN_SPAN_PER_CHARACTER = 2
OPEN_SPAN_ALLOWANCE = 1_000_000
#: Problems of one kind reported per document; the rest are counted.
MAX_REPORTED = 5

#: Python-Markdown's attribute lists look for "{" after every space of a heading or
#: table cell (quadratic in a run of spaces: 100,000 of them took minutes).
MAX_SPACE_RUN = 200
SPACE_RUN = re.compile(rf"[ \t]{{{MAX_SPACE_RUN},}}")
#: A fence longer than this is read as text (its content is scanned).
MAX_FENCE = 64
EMPHASIS = "*_~"
#: What the scan looks at; everything between is skipped at the regex engine's speed.
#: The lookahead names the characters a token starts with, which lets the engine skip
#: to them (without it, every alternative is tried at every character: 3.3 times slower
#: on generated documents).
TOKEN = re.compile(r"(?=[\\`\[\]<>*_~])(?:\\.|`+|\[|\]|<[A-Za-z]|>|\*+|_+|~+)")
LIST_MARKERS = "-*+"


@dataclass(frozen=True)
class Limits:
    """How large and how deeply nested a document may be (``extra.kb.limits``)."""

    max_document_kb: int = DEFAULT_MAX_DOCUMENT_KB
    max_nesting: int = DEFAULT_MAX_NESTING

    @property
    def max_document_bytes(self) -> int:
        return self.max_document_kb * 1024

    @classmethod
    def from_settings(cls, values: Any) -> Limits:
        """Read ``extra.kb.limits`` from mkdocs.yml; a bad value is a KbError naming it."""
        if values is None:
            return cls()
        if not isinstance(values, Mapping):
            raise KbError("mkdocs.yml: extra.kb.limits must be settings such as 'max_nesting: 20'")
        known = {"max_document_kb", "max_nesting"}
        for key in values:
            if key not in known:
                raise KbError(
                    f"mkdocs.yml: extra.kb.limits.{key}: unknown setting; expected one of: "
                    + ", ".join(sorted(known))
                )
        numbers: dict[str, int] = {}
        for key in sorted(known):
            value = values.get(key, getattr(cls, key))
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise KbError(
                    f"mkdocs.yml: extra.kb.limits.{key}: expected a whole number of at least 1, "
                    f"found {value!r}"
                )
            if key == "max_nesting" and value > MAX_SAFE_NESTING:
                raise KbError(
                    f"mkdocs.yml: extra.kb.limits.max_nesting: at most {MAX_SAFE_NESTING} "
                    f"(deeper nesting exhausts the Markdown renderer's stack), found {value}"
                )
            numbers[key] = value
        return cls(**numbers)


def nested_too_deeply(where: str) -> str:
    """The message when the renderer ran out of stack after all (limits raised too far)."""
    return (
        f"{where}: lists, quotes or emphasis are nested too deeply to render; "
        "run kb check, and lower extra.kb.limits.max_nesting in mkdocs.yml"
    )


def size_problem(rel: str, size: int, limits: Limits) -> Problem | None:
    """A problem when a file of ``size`` bytes is larger than a document may be."""
    if size <= limits.max_document_bytes:
        return None
    return Problem(
        rel,
        1,
        "",
        f"the file is {size / 1024:,.0f} KB; a document may be at most "
        f"{limits.max_document_kb:,} KB (extra.kb.limits.max_document_kb in mkdocs.yml): "
        "split it into several documents",
    )


def body_problems(rel: str, body: str, first_line: int, limits: Limits) -> list[Problem]:
    """Nesting and open brackets or tags beyond the limits, with the line of each."""
    scan = _Scan(rel, limits.max_nesting)
    lines = body.split("\n")
    # A fence is three backticks or tildes at least: without them, no line is code.
    code = _fenced_code(lines) if "```" in body or "~~~" in body else set()
    paragraph_blank = True
    for index, line in enumerate(lines):
        if index in code:
            scan.end_paragraph()
            continue
        if not line.strip():
            if not paragraph_blank:
                scan.end_paragraph()
            paragraph_blank = True
            continue
        paragraph_blank = False
        scan.line(first_line + index, line)
    scan.end_paragraph()
    scan.end_document(len(body))
    for kind, count in scan.reported.items():
        if count > MAX_REPORTED:
            scan.problems.append(
                Problem(
                    rel,
                    scan.last_line[kind],
                    "body",
                    f"{count - MAX_REPORTED} more lines like the ones above, up to this one",
                )
            )
    return scan.problems


def _fence(line: str) -> tuple[str, str]:
    """The fence run a line starts with (```` ``` ```` or ``~~~``) and the rest of the line."""
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3 or stripped[:1] not in ("`", "~"):
        return "", ""
    run = len(stripped) - len(stripped.lstrip(stripped[0]))
    if run < 3 or run > MAX_FENCE:
        return "", ""
    return stripped[:run], stripped[run:]


def _fenced_code(lines: list[str]) -> set[int]:
    """The indexes of lines inside fenced code blocks, fences included.

    Only a fence that is closed counts, and only one whose info string has
    none of the fence's characters (as superfences reads them): anything else
    is text to Python-Markdown, so it is scanned like text. A search for a
    closing fence that failed is not repeated for a longer fence of the same
    character, which keeps many unclosed fences from costing a pass each.
    """
    closers: dict[str, list[tuple[int, int]]] = {"`": [], "~": []}
    for index, line in enumerate(lines):
        run, rest = _fence(line)
        if run and not rest.strip():
            closers[run[0]].append((index, len(run)))
    code: set[int] = set()
    unclosed = {"`": MAX_FENCE + 1, "~": MAX_FENCE + 1}  # shortest fence known to stay open
    next_closer = {"`": 0, "~": 0}
    index = 0
    while index < len(lines):
        run, rest = _fence(lines[index])
        char = run[:1]
        if not run or run[0] in rest or len(run) >= unclosed[char]:
            index += 1
            continue
        candidates = closers[char]
        position = next_closer[char]
        while position < len(candidates) and candidates[position][0] <= index:
            position += 1
        next_closer[char] = position
        closing = next(
            (found for found, length in candidates[position:] if length >= len(run)), None
        )
        if closing is None:
            unclosed[char] = len(run)
            index += 1
            continue
        code.update(range(index, closing + 1))
        index = closing + 1
    return code


def _inner_space_run(line: str) -> re.Match[str] | None:
    """A long run of spaces inside the text of a line or of one of its table cells.

    Indentation is nesting (measured on its own), and the padding around a line
    or a table cell is stripped before Python-Markdown looks at the text, so
    only runs between words cost anything.
    """
    text = line.strip()
    for part in text.split("|") if "|" in text else (text,):
        found = SPACE_RUN.search(part.strip())
        if found:
            return found
    return None


def _container_depth(line: str) -> int:
    """Levels of lists, blockquotes and indented blocks a line's start opens."""
    stripped = line.strip()
    if stripped and stripped[0] in "-*_" and not stripped.replace(stripped[0], "").strip():
        line = line[: len(line) - len(line.lstrip())]  # a rule such as '* * *' opens nothing
    depth = 0
    column = 0
    i = 0
    length = len(line)
    while i < length:
        char = line[i]
        if char == " ":
            column += 1
        elif char == "\t":
            column += 4 - column % 4
        elif char == ">" or (char in LIST_MARKERS and i + 1 < length and line[i + 1] in " \t"):
            depth += 1
        elif char.isdigit():
            j = i
            while j < length and j - i < 9 and line[j].isdigit():
                j += 1
            if j < length - 1 and line[j] in ".)" and line[j + 1] in " \t":
                depth += 1
                i = j
            else:
                break
        else:
            break
        i += 1
    return depth + column // 4


def _flanking(line: str, start: int, end: int) -> tuple[bool, bool]:
    """Whether the run ``line[start:end]`` can open and can close emphasis."""
    before = line[start - 1] if start > 0 else " "
    after = line[end] if end < len(line) else " "
    return not after.isspace(), not before.isspace()


class _Scan:
    """One pass over the body's lines, keeping depths and open spans."""

    def __init__(self, rel: str, max_nesting: int) -> None:
        self.rel = rel
        self.max_nesting = max_nesting
        self.problems: list[Problem] = []
        self.reported: dict[str, int] = {}
        self.last_line: dict[str, int] = {}
        self.position = 0  # characters read so far, for the spans of openers
        self.brackets: list[tuple[int, int]] = []  # open '[': (position, line)
        self.emphasis = 0
        self.tags: list[tuple[int, int]] = []  # '<tag' not yet ended by '>'
        self.spans: dict[tuple[int, str], int] = {}  # characters open, by line and opener
        self.span_total = 0

    def report(self, kind: str, line: int, message: str) -> None:
        count = self.reported.get(kind, 0)
        self.reported[kind] = count + 1
        self.last_line[kind] = line
        if count < MAX_REPORTED:
            self.problems.append(Problem(self.rel, line, "body", message))

    def line(self, number: int, line: str) -> None:
        spaces = _inner_space_run(line) if "  " in line else None
        if spaces:
            self.report(
                "spaces",
                number,
                f"{spaces.end() - spaces.start():,} spaces or tabs in a row here; at most "
                f"{MAX_SPACE_RUN - 1} are allowed between words outside code blocks "
                "(Python-Markdown reads a heading or table cell with a longer run very "
                "slowly): remove them",
            )
        depth = _container_depth(line)
        if depth > self.max_nesting:
            self.report(
                "containers",
                number,
                f"lists, quotes or indented blocks are nested {depth} levels deep here; "
                f"at most {self.max_nesting} are allowed (extra.kb.limits.max_nesting)",
            )
        code = dict(code_spans(line)) if "`" in line else {}
        skip_to = 0
        for token in TOKEN.finditer(line):
            i = token.start()
            if i < skip_to:
                continue  # inside a code span
            text = token.group(0)
            char = text[0]
            if char == "`":
                skip_to = code.get(i, 0)
            elif char == "[":
                self.brackets.append((self.position + i, number))
                if len(self.brackets) == self.max_nesting + 1:
                    self.report(
                        "brackets",
                        number,
                        f"more than {self.max_nesting} '[' are open at once here; close "
                        "each with ']', or write '\\[' for a bracket in the text",
                    )
            elif char == "]":
                if self.brackets:
                    opened, on_line = self.brackets.pop()
                    self.close_span(self.position + i - opened, on_line, "'['")
            elif char == "<":
                self.tags.append((self.position + i, number))
                if len(self.tags) == self.max_nesting + 1:
                    self.report(
                        "tags",
                        number,
                        f"more than {self.max_nesting} HTML tags are started with '<' and "
                        "not ended with '>' here; write '&lt;' for a '<' in the text",
                    )
            elif char == ">":
                end = self.position + i
                for opened, on_line in self.tags:
                    self.close_span(end - opened, on_line, "'<'")
                self.tags.clear()
            elif char in EMPHASIS:
                self.emphasis_run(line, i, token.end(), number)
        self.position += len(line) + 1

    def emphasis_run(self, line: str, start: int, end: int, number: int) -> None:
        opens, closes = _flanking(line, start, end)
        run = end - start
        if closes and self.emphasis:
            self.emphasis = max(0, self.emphasis - run)
        elif opens and not closes:
            self.emphasis += run
            if self.emphasis > self.max_nesting:
                self.report(
                    "emphasis",
                    number,
                    f"emphasis ('{line[start]}') is opened {self.emphasis} levels deep here; "
                    f"at most {self.max_nesting} are allowed (extra.kb.limits.max_nesting); "
                    f"write '\\{line[start]}' for the character itself",
                )
                self.emphasis = 0

    def close_span(self, length: int, line: int, what: str) -> None:
        self.span_total += length
        self.spans[line, what] = self.spans.get((line, what), 0) + length

    def end_paragraph(self) -> None:
        """Python-Markdown looks for a ']' and the end of emphasis within a paragraph only."""
        for opened, on_line in self.brackets:
            self.close_span(self.position - opened, on_line, "'['")
        self.brackets.clear()
        self.emphasis = 0

    def end_document(self, length: int) -> None:
        for opened, on_line in self.tags:
            self.close_span(self.position - opened, on_line, "'<'")
        self.tags.clear()
        if self.span_total <= OPEN_SPAN_PER_CHARACTER * length + OPEN_SPAN_ALLOWANCE:
            return
        longest = sorted(self.spans.items(), key=lambda item: item[1], reverse=True)
        for (line, what), span in sorted(longest[:MAX_REPORTED]):
            fix = "']'" if what == "'['" else "'>'"
            escape = "'\\['" if what == "'['" else "'&lt;'"
            self.problems.append(
                Problem(
                    self.rel,
                    line,
                    "body",
                    f"{what} opened on this line stays open for {span:,} characters; close it with "
                    f"{fix} where it should end, or write {escape} for the character itself "
                    "(brackets and tags left open make the page very slow to build)",
                )
            )
