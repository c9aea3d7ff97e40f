"""Read each document file and split it into front matter and body.

Every file is read as bytes and judged before it is parsed: empty, binary,
not UTF-8, no front matter, or front matter that never closes are reported
with the line a person can go to. A UTF-8 byte-order mark and Windows line
endings are valid and load normally.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path

# document_files is kept here for its callers; the walk is kb.inventory's.
from kb.inventory import document_files as document_files
from kb.inventory import read_content_file, symlink_message
from kb.pasted import repair_structure
from kb.problems import Problem
from kb.yamlsrc import YamlText, load_yaml

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class SourceFile:
    """A document file split into parsed front matter and its Markdown body."""

    path: Path
    rel: str
    doc_id: str
    front_matter: YamlText
    body: str
    body_line: int
    #: The front matter as written (without its '---' lines), for the columns of messages.
    front_text: str = ""


def document_id(path: Path) -> str:
    """``accra.md`` is ``accra``; ``accra/index.md`` (a folder with its images) is too."""
    if path.name == "index.md":
        return path.parent.name
    return path.stem


def read_source(
    path: Path, rel: str, content_dir: Path | None = None
) -> tuple[SourceFile | None, list[Problem]]:
    """Read one file; ``None`` with the problems when it is not a usable document.

    The file is read without following links: below ``content_dir`` through
    none at all, or else through no link in its own name.
    """
    try:
        data = read_content_file(content_dir or path.parent, path)
    except OSError as exc:
        return None, [read_problem(path, rel, exc)]
    text, problem = decode(data, rel)
    if text is None:
        return None, [problem] if problem else []
    return split(text, rel, path)


def read_problem(path: Path, rel: str, exc: OSError) -> Problem:
    """Why a file of the content folder could not be read."""
    if exc.errno in (errno.ELOOP, errno.ENOTDIR) or path.is_symlink():
        return Problem(rel, 1, "", symlink_message(path))
    return Problem(rel, 1, "", f"cannot be read: {exc.strerror or exc}")


def decode(data: bytes, rel: str) -> tuple[str | None, Problem | None]:
    """Bytes to text with ``\\n`` line ends, or the problem that stops it."""
    if data.startswith(BOM):
        data = data[len(BOM) :]
    if not data.strip():
        return None, Problem(
            rel,
            1,
            "",
            "the file is empty; a document starts with front matter between two '---' lines",
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, Problem(
            rel, 1, "", "the file is saved as UTF-16; save it with UTF-8 encoding instead"
        )
    if b"\x00" in data:
        return None, Problem(
            rel, 1, "", "this is a binary file, not a Markdown text file; remove it or rename it"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, not_utf8(data, exc.start, rel)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, None


def not_utf8(data: bytes, start: int, rel: str) -> Problem:
    """Name the first byte that is not UTF-8, where it is, and what it probably was."""
    line_start = data.rfind(b"\n", 0, start) + 1
    line = data.count(b"\n", 0, start) + 1
    # Everything before the bad byte is valid UTF-8, so columns count characters.
    column = len(data[line_start:start].decode("utf-8")) + 1
    byte = data[start]
    guess = ""
    if byte >= 0x80:
        meant = bytes([byte]).decode("cp1252", errors="replace")
        if meant.isprintable() and meant != "\ufffd":
            guess = f" (probably '{meant}' saved in another encoding, such as Windows-1252)"
    return Problem(
        rel,
        line,
        "",
        f"the file is not UTF-8: byte 0x{byte:02X} at line {line}, column {column}{guess} "
        "cannot be read; save the file with UTF-8 encoding",
    )


def _no_front_matter(text: str) -> str:
    """Say why the file does not start with front matter, naming a near miss."""
    head = text[:2000].split("\n")[:20]
    first = head[0].strip()
    if not first:
        blank = next((n for n, line in enumerate(head) if line.strip()), 0)
        if blank and head[blank].strip() == "---":
            return (
                "the front matter must start on the very first line; remove the empty "
                f"line{'s' if blank > 1 else ''} above '---'"
            )
    elif first != "---" and set(first) <= {"-", " "} and first.count("-") >= 2:
        return f"the first line must be exactly three dashes '---', found '{first}'"
    return (
        "no front matter: a document must start with a line '---', then its fields "
        "(title: ..., type: ...), then another line '---'"
    )


def split(text: str, rel: str, path: Path) -> tuple[SourceFile | None, list[Problem]]:
    """Separate the front matter (between ``---`` lines) from the body."""
    first_end = text.find("\n")
    first = text if first_end < 0 else text[:first_end]
    if first.rstrip() != "---":
        return None, [Problem(rel, 1, "", _no_front_matter(text))]
    # Find the closing delimiter line by line, but without splitting a 5 MB
    # body into a list: front matter is short, so stop at the first match.
    position = first_end + 1
    line_number = 2
    closing = -1
    while 0 < position <= len(text):
        end = text.find("\n", position)
        line = text[position:] if end < 0 else text[position:end]
        if line.rstrip() in ("---", "..."):
            closing = position
            break
        if end < 0:
            break
        position = end + 1
        line_number += 1
    if closing < 0:
        return None, [
            Problem(
                rel,
                1,
                "",
                "the front matter is not closed: add a line '---' after the last field",
            )
        ]
    front = text[first_end + 1 : closing]
    end = text.find("\n", closing)
    body = "" if end < 0 else text[end + 1 :]
    readable, problems = repair_structure(front, rel, first_line=2)
    parsed, found = load_yaml(readable, rel, first_line=2, by_field=True)
    problems.extend(found)
    if parsed is None:
        return None, problems
    if parsed.value is None:
        parsed = YamlText({})
    if not isinstance(parsed.value, dict):
        kind = "a list" if isinstance(parsed.value, list) else "a single value"
        problems.append(
            Problem(
                rel,
                2,
                "",
                f"the front matter is {kind}; it must be fields of the form 'title: ...', "
                "one per line",
            )
        )
        return None, problems
    source = SourceFile(
        path=path,
        rel=rel,
        doc_id=document_id(path),
        front_matter=parsed,
        body=body,
        body_line=line_number + 1,
        front_text=front,
    )
    return source, problems
