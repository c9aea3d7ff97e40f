"""Problems found in the input, and the ways to print them."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


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
        return f"{where}{field}{kind} {self.message}"

    def as_github(self) -> str:
        # Workflow commands need %, CR and LF escaped in values and properties.
        def esc(text: str, extra: str = "") -> str:
            text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            for char in extra:
                text = text.replace(char, {":": "%3A", ",": "%2C"}[char])
            return text

        title = esc(self.field or "kb check", ":,")
        message = f"{self.field}: {self.message}" if self.field else self.message
        return (
            f"::{self.severity} file={esc(self.path, ':,')},line={self.line},"
            f"title={title}::{esc(message)}"
        )


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in file order, then line order; the same input gives the same order."""
    return sorted(set(problems), key=lambda p: (p.path, p.line, p.field, p.message))


def format_problems(problems: Sequence[Problem], fmt: str) -> str:
    """Render problems as ``text``, ``github`` annotations or ``json``."""
    if fmt == "json":
        return json.dumps([asdict(p) for p in problems], indent=2, ensure_ascii=False)
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
