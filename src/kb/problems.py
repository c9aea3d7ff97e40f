"""Problems found in the input, and the ways to print them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]

#: Control characters but newline and tab: C0, DEL and C1 (ESC starts a terminal
#: escape sequence, U+009B is one on its own, CR overwrites the line).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """``text`` with control characters shown as ``\\x1b``: values from files reach a terminal.

    A title or a YAML value can hold an escape sequence that recolours,
    retitles or clears the reader's terminal; shown escaped, it is visible
    and harmless.
    """
    return CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", text)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with one place in one file.

    ``path`` is relative to the project folder, ``line`` is 1-based, ``field``
    names the front-matter key or the part of the document concerned (empty
    when the whole file is concerned).
    """

    path: str
    line: int
    field: str
    message: str
    severity: Severity = "error"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def as_text(self) -> str:
        where = f"{self.path}:{self.line}:"
        field = f" {self.field}:" if self.field else ""
        kind = " warning:" if self.severity == "warning" else ""
        return terminal_safe(f"{where}{field}{kind} {self.message}")

    def as_github(self) -> str:
        # Workflow commands need %, CR and LF escaped in values and properties.
        def esc(text: str, extra: str = "") -> str:
            text = text.replace("%", "%25")
            text = text.replace("\r", "%0D").replace("\n", "%0A")
            text = terminal_safe(text)
            for char in extra:
                text = text.replace(char, {":": "%3A", ",": "%2C"}[char])
            return text

        title = esc(self.field or "kb check", ":,")
        message = f"{self.field}: {self.message}" if self.field else self.message
        return (
            f"::{self.severity} file={esc(self.path, ':,')},line={self.line},"
            f"title={title}::{esc(message)}"
        )


def json_safe(text: str) -> str:
    """JSON text with DEL and C1 characters written as ``\\u`` escapes: the same values.

    ``json.dumps`` escapes C0 but writes DEL and C1 as they are, and a
    terminal reads U+009B as the start of an escape sequence.
    """
    return CONTROL.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in file order, then line order; the same input gives the same order."""
    return sorted(set(problems), key=lambda p: (p.path, p.line, p.field, p.message))


def format_problems(problems: Sequence[Problem], fmt: str) -> str:
    """Render problems as ``text``, ``github`` annotations or ``json``."""
    if fmt == "json":
        return json_safe(json.dumps([asdict(p) for p in problems], indent=2, ensure_ascii=False))
    if fmt == "github":
        return "\n".join(p.as_github() for p in problems)
    return "\n".join(p.as_text() for p in problems)


def summarise(problems: Sequence[Problem], documents: int, scope: str = "") -> str:
    """One closing line: how many errors and warnings, in how many files.

    ``scope`` qualifies the count when only some documents were asked for
    (``of 57``: "1 document of 57 checked").
    """
    errors = sum(1 for p in problems if p.is_error)
    warnings = len(problems) - errors
    files = len({p.path for p in problems})
    scope = f" {scope}" if scope else ""
    checked = f"{documents} document{'s' if documents != 1 else ''}{scope} checked"
    if not problems:
        return f"No problems: {checked}."
    parts = []
    if errors:
        parts.append(f"{errors} error{'s' if errors != 1 else ''}")
    if warnings:
        parts.append(f"{warnings} warning{'s' if warnings != 1 else ''}")
    return f"{' and '.join(parts)} in {files} file{'s' if files != 1 else ''} ({checked})."
