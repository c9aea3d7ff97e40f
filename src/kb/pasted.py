"""Characters that text pasted from a word processor or a web page brings into front matter.

Non-breaking and zero-width spaces look like ordinary spaces, or like
nothing at all, and curly quotes look like quotes, but YAML reads none of
them so: ``levels:`` followed by a non-breaking space is not a field,
``[hygiene, sanitation]`` with one after the comma names a theme
``' sanitation'`` (which looks exactly like ``sanitation`` on screen). So each
is named here, with its line and column and what to type instead.

Two passes. ``repair_structure`` runs on the raw front matter before YAML
reads it: a character where YAML expects a space (the indentation, after
``field:``, after a list's ``-``, ``[`` or ``,``) is reported and replaced by a
space, so that the rest of the file is still checked. ``value_problems``
runs on the values YAML read: one of these characters inside an id, a date
or an address is an error (the value cannot match); a whole title wrapped in
curly quotes, or an invisible character in text, is a warning.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kb.problems import Problem, Severity

#: Spaces that look like a space but are not one to YAML, with the name editors know.
SPACES = {
    "\u00a0": "a non-breaking space",
    "\u202f": "a narrow non-breaking space",
    "\u2007": "a figure space",
    "\u2002": "an en space",
    "\u2003": "an em space",
    "\u2009": "a thin space",
    "\u200a": "a hair space",
    "\u3000": "an ideographic space",
    "\t": "a tab",
}
#: Characters that show as nothing at all.
INVISIBLE = {
    "\u200b": "an invisible zero-width space",
    "\u200c": "an invisible zero-width non-joiner",
    "\u200d": "an invisible zero-width joiner",
    "\u2060": "an invisible word joiner",
    "\ufeff": "an invisible byte-order mark",
    "\u00ad": "an invisible soft hyphen",
}
#: Curly quotes and the pairs they come in.
CURLY = {"\u201c": "\u201d", "\u2018": "\u2019", "\u201e": "\u201c", "\u00ab": "\u00bb"}
CURLY_CHARACTERS = frozenset("\u201c\u201d\u2018\u2019\u201e\u00ab\u00bb")
#: Zero-width joiners belong in some scripts and in emoji: never reported inside text.
_JOINERS = frozenset("\u200c\u200d")

_ODD = "".join(sorted(set(SPACES) | set(INVISIBLE)))
_BLANK = f"[ {re.escape(_ODD)}]"
#: A field at the start of a line, after any indentation and list dashes.
_FIELD = re.compile(rf"^(?P<lead>(?:{_BLANK}*-(?={_BLANK}))*{_BLANK}*)(?P<key>[A-Za-z_][\w-]*):")
_LEAD = re.compile(rf"^(?:{_BLANK}*-(?={_BLANK}))*{_BLANK}*")


@dataclass(frozen=True)
class Found:
    """One pasted character: its 1-based column and what it is."""

    column: int
    char: str

    @property
    def name(self) -> str:
        return f"{character_name(self.char)} (U+{ord(self.char):04X})"

    @property
    def fix(self) -> str:
        if self.char in INVISIBLE:
            return (
                "delete it (it cannot be seen: delete the characters on either side "
                "and type them again)"
            )
        return "type a normal space instead"


def character_name(char: str) -> str:
    """What an editor would call ``char``."""
    if char in SPACES:
        return SPACES[char]
    if char in INVISIBLE:
        return INVISIBLE[char]
    return f"'{char}' ({unicodedata.name(char, 'unnamed character').lower()})"


def repair_structure(text: str, path: str, first_line: int) -> tuple[str, list[Problem]]:
    """``text`` with the odd spaces where YAML expects a space replaced, and a problem for each.

    Invisible characters there are removed; the spaces become ordinary ones.
    A tab in the indentation is reported too (YAML refuses it) and replaced.
    """
    if not any(char in text for char in _ODD):
        return text, []
    problems: list[Problem] = []
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if not any(char in line for char in _ODD):
            continue
        found, field = _structural(line)
        if not found:
            continue
        for spot in found:
            where = _where(line, spot.column - 1, field)
            fix = spot.fix
            if spot.char == "\t" and where.endswith("(in the indentation)"):
                fix = "indent with spaces instead"
            problems.append(
                Problem(
                    path,
                    first_line + number,
                    field,
                    f"{spot.name} at column {spot.column}, {where}; {fix}",
                )
            )
        columns = {spot.column - 1 for spot in found}
        lines[number] = "".join(
            ("" if char in INVISIBLE else " ") if i in columns else char
            for i, char in enumerate(line)
        )
    return "\n".join(lines), problems


def _structural(line: str) -> tuple[list[Found], str]:
    """The odd characters of ``line`` where YAML wants a space, and the field it starts."""
    spots: list[int] = []
    field = ""
    match = _FIELD.match(line)
    if match:
        field = "" if match["lead"] else match["key"]  # a nested field has no key path here
        spots.extend(i for i in range(match.end("lead")) if line[i] in _ODD)
        after = match.end()
        end = after
        while end < len(line) and re.match(_BLANK, line[end]):
            end += 1
        # libyaml takes a tab after 'field:' as a space, PyYAML's own reader refuses it.
        spots.extend(i for i in range(after, end) if line[i] in _ODD)
        value_start = end
    else:
        lead = _LEAD.match(line)
        value_start = lead.end() if lead else 0
        spots.extend(i for i in range(value_start) if line[i] in _ODD)
    spots.extend(_in_brackets(line, value_start))
    return [Found(i + 1, line[i]) for i in sorted(set(spots))], field


def _in_brackets(line: str, start: int) -> Iterator[int]:
    """Odd characters beside '[', ']', '{', '}' or ',' of a bracketed list, outside quotes."""
    if start >= len(line) or line[start] not in "[{":
        return
    quote = ""
    i = start
    while i < len(line):
        char = line[i]
        if quote:
            if char == quote:
                if quote == "'" and line[i + 1 : i + 2] == "'":
                    i += 1  # '' inside '...' is one quote
                else:
                    quote = ""
            elif char == "\\" and quote == '"':
                i += 1
        elif char in "\"'" and _token_starts(line, i):
            quote = char
        elif re.match(_BLANK, char):
            run_end = i
            while run_end < len(line) and re.match(_BLANK, line[run_end]):
                run_end += 1
            before = line[i - 1] if i else ""
            after = line[run_end] if run_end < len(line) else ""
            if before in "[{,:" or after in "]},#" or not after:
                yield from (j for j in range(i, run_end) if line[j] in _ODD)
            i = run_end
            continue
        i += 1


def _token_starts(line: str, i: int) -> bool:
    """Whether a quote at ``i`` opens a quoted item (after '[', '{', ',' and blanks)."""
    before = line[:i].rstrip(" " + _ODD)
    return not before or before[-1] in "[{,:"


def _where(line: str, index: int, field: str) -> str:
    """Where on the line a character is, in the words an editor sees."""
    before = line[:index].strip(" " + _ODD)
    if not before or set(before) <= {"-"}:
        return "at the start of the line (in the indentation)"
    if field and before.endswith(f"{field}:") and before.lstrip("- ") == f"{field}:":
        return f"after '{field}:'"
    word = re.split(rf"{_BLANK}+", before)[-1].lstrip("[{") or before[-1]
    return f"after '{word}'"


# -- the values YAML read -------------------------------------------------------------

#: Fields whose values are ids, codes, dates or addresses: nothing pasted may be in them.
EXACT_FIELDS = frozenset(
    {
        "type",
        "themes",
        "levels",
        "stakeholders",
        "programme",
        "countries",
        "date",
        "updated",
        "language",
        "translation_of",
        "license",
        "status",
        "review",
    }
)
EXACT_SOURCE_FIELDS = frozenset({"id", "year", "url"})


def value_problems(
    meta: Mapping[str, Any],
    lines: Mapping[str, int],
    raw_lines: list[str],
    path: str,
    first_line: int,
    exact: frozenset[str] = EXACT_FIELDS,
) -> tuple[list[Problem], set[str]]:
    """Pasted characters inside values, and the key paths whose own check they replace.

    ``exact`` names the fields holding ids, codes or dates (the facets of the
    taxonomy among them).
    """
    problems: list[Problem] = []
    handled: set[str] = set()
    for keypath, value in _strings(meta):
        if "\t" not in value and value.isascii():
            continue  # the tab is the one ASCII character looked for (most values)
        line = lines.get(keypath, first_line)
        raw = raw_lines[line - first_line] if 0 <= line - first_line < len(raw_lines) else ""
        parts = re.split(r"[.\[]", keypath)
        is_exact = parts[0] in exact or (
            keypath.startswith("sources[") and parts[-1] in EXACT_SOURCE_FIELDS
        )
        message, severity = _value_message(value, raw, is_exact)
        if message:
            problems.append(Problem(path, line, keypath, message, severity))
            if severity == "error":
                handled.add(keypath)
    return problems, handled


def _value_message(value: str, raw: str, exact: bool) -> tuple[str, Severity]:
    stripped = value.strip(" ")
    if stripped[:1] in CURLY and stripped[-1:] in CURLY_CHARACTERS and len(stripped) > 1:
        inner = stripped[1:-1]
        column = _column(raw, value, value.index(stripped[0]))
        if exact:
            return (
                f"curly quotes {stripped[0]} {stripped[-1]} around '{inner}' at column {column} "
                "are not read as quotes, so they are part of the value; remove them "
                '(or type straight quotes ")',
                "error",
            )
        return (
            f"is wrapped in curly quotes {stripped[0]} {stripped[-1]} (column {column}), which "
            "are not read as quotes and would be shown; remove them, or type straight "
            'quotes (") if the value needs quotes',
            "warning",
        )
    odd = [
        char for char in value if char in SPACES or char in INVISIBLE or char in CURLY_CHARACTERS
    ]
    if exact and odd:
        char = odd[0]
        index = value.index(char)
        found = Found(_column(raw, value, index), char)
        around = value[:index].strip() or value[index + 1 :].strip()
        side = "after" if value[:index].strip() else "before"
        fix = "remove it" if char in CURLY_CHARACTERS else found.fix
        return f"{found.name} at column {found.column}, {side} '{around}'; {fix}", "error"
    invisible = [char for char in odd if char in INVISIBLE and char not in _JOINERS]
    if invisible:
        index = value.index(invisible[0])
        found = Found(_column(raw, value, index), invisible[0])
        words = value[:index].split()
        after = f", after '{words[-1]}'" if words else ""
        return (
            f"{found.name} at column {found.column}{after}; delete it: it cannot be seen, "
            "but it splits the word for searches",
            "warning",
        )
    return "", "warning"


def _column(raw: str, value: str, index: int) -> int:
    """The 1-based column of ``value[index]`` on its line (the value looked for after ':')."""
    colon = raw.find(":")
    start = raw.find(value, colon + 1 if colon >= 0 else 0)
    if start < 0:
        start = raw.find(value.strip())
        index -= len(value) - len(value.lstrip())
    if start < 0:  # a value over several lines: the character on this one
        found = raw.find(value[index])
        return found + 1 if found >= 0 else 1
    return start + index + 1


def _strings(value: Any, keypath: str = "") -> Iterator[tuple[str, str]]:
    """Every text value under ``value`` with its key path."""
    if isinstance(value, str):
        if keypath:
            yield keypath, value
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{keypath}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{keypath}.{key}" if keypath else str(key))
