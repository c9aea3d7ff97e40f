"""The house rules CONTRIBUTING.md states, checked: where a document lives and what it is called,
a summary in plain text, titles readers can tell apart, pictures kept with the documents.

Each rule is one function from the files (or the documents) to problems, so
that the loader can run them all and the golden cases can show each.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath

from kb.content import SourceFile
from kb.inventory import WINDOWS_DEVICES
from kb.links import Link
from kb.model import DOCUMENT_TYPES, TYPE_LABELS, Document
from kb.problems import Problem
from kb.urls import RESERVED_IDS

#: What CONTRIBUTING.md asks of a file name (without '.md'): lowercase words joined by hyphens.
FILE_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: Markdown and HTML that a summary would show as typed, since lists show it as plain text.
SUMMARY_MARKUP: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\[[^\]\n]*\]\([^)\n]*\)"), "a link"),
    (re.compile(r"\*\*|__"), "bold ('**')"),
    (re.compile(r"(?<![\w*])\*(?=\S)[^*\n]+(?<=\S)\*(?![\w*])"), "italics ('*')"),
    (re.compile(r"`"), "code ('`')"),
    (re.compile(r"</?[A-Za-z][^>\n]*>"), "an HTML tag"),
    (re.compile(r"^#+\s"), "a heading ('#')"),
)


def folder_problems(source: SourceFile, content_dir_rel: str) -> Iterable[Problem]:
    """The document's type against the folder it is in."""
    try:
        inside = PurePosixPath(source.rel).relative_to(content_dir_rel).parts
    except ValueError:  # a content folder outside the project: shown by its own path
        return
    folder = inside[0] if len(inside) > 1 else ""
    doc_type = source.front_matter.value.get("type")
    folders = {name: kind for kind, name in DOCUMENT_TYPES.items()}
    if folder not in folders:
        where = f"the folder '{folder}/'" if folder else "the content folder itself"
        expected = DOCUMENT_TYPES.get(doc_type) if isinstance(doc_type, str) else None
        move = (
            f"move it to {content_dir_rel}/{expected}/"
            if expected
            else "move it to the folder of its type: "
            + ", ".join(f"{content_dir_rel}/{name}/" for name in DOCUMENT_TYPES.values())
        )
        yield Problem(
            source.rel,
            1,
            "",
            f"documents live in the folder of their type, not in {where}; {move}",
        )
    elif isinstance(doc_type, str) and doc_type in DOCUMENT_TYPES and folders[folder] != doc_type:
        meant = folders[folder]
        label = TYPE_LABELS[meant][1].lower()
        yield Problem(
            source.rel,
            source.front_matter.line("type"),
            "type",
            f"'{doc_type}' does not match the folder '{folder}/', which holds {label}; "
            f"write 'type: {meant}', or move the file to "
            f"{content_dir_rel}/{DOCUMENT_TYPES[doc_type]}/ (the page is published under "
            "its type's folder)",
        )


def file_name_problems(source: SourceFile) -> Iterable[Problem]:
    """A document id that is not lowercase words joined by hyphens, with the name to use."""
    name = source.doc_id
    # Names no system can use, and names the site or Windows keep for themselves, have
    # messages of their own (schema, inventory); this is the house style.
    if (
        not FILE_NAME.match(name)
        and re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", name)
        and name.casefold() not in RESERVED_IDS
        and name.split(".", 1)[0].casefold() not in WINDOWS_DEVICES
    ):
        usable = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        what = "folder" if PurePosixPath(source.rel).name == "index.md" else "file"
        yield Problem(
            source.rel,
            1,
            "",
            f"'{name}' is not a usable document id: ids are lowercase letters, digits and "
            f"hyphens (they are part of web addresses); rename the {what} to "
            f"'{usable}{'' if what == 'folder' else '.md'}'",
        )


def summary_problems(source: SourceFile) -> Iterable[Problem]:
    """Markdown or HTML in the summary, which listings and search results show as typed."""
    summary = source.front_matter.value.get("summary")
    if not isinstance(summary, str):
        return
    found = [what for pattern, what in SUMMARY_MARKUP if pattern.search(summary)]
    if found:
        yield Problem(
            source.rel,
            source.front_matter.line("summary"),
            "summary",
            f"the summary is plain text, shown as typed in lists and search results, but it "
            f"has {' and '.join(found)}; write it without formatting (links and emphasis "
            "belong in the text)",
            "warning",  # it looks wrong but harms nothing: the summary is always escaped
        )


def duplicate_titles(documents: Mapping[str, Document]) -> Iterable[Problem]:
    """A warning for titles that two documents in one language share."""
    by_title: dict[tuple[str, str], list[Document]] = defaultdict(list)
    for doc in documents.values():
        by_title[(doc.language, " ".join(doc.title.casefold().split()))].append(doc)
    for same in by_title.values():
        if len(same) < 2:
            continue
        for doc in same:
            others = ", ".join(other.path for other in same if other is not doc)
            yield Problem(
                doc.path,
                doc.line("title"),
                "title",
                f"'{doc.title}' is also the title of {others}; readers cannot tell them "
                "apart in lists and search results, so make one more specific",
                "warning",
            )


def remote_image(rel: str, link: Link) -> Problem:
    """A picture on another host: readers' browsers would fetch it from there."""
    return Problem(
        rel,
        link.line,
        "image",
        f"'{link.target[:80]}' is a picture on another web site, which every reader's "
        "browser would fetch from there (the site loads nothing from other hosts); save "
        "the picture beside the document and link to the file, e.g. ![...](picture.jpg)",
    )
