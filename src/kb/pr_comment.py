"""The pull-request comment: every problem, the documents the pull request touches, its drafts.

GitHub shows at most ten line notes per workflow step, so a document with
fourteen errors used to show ten and say nothing of the other four. The
comment lists them all, grouped by file, and links each document the pull
request adds or changes to its page in the hosted preview, so that an editor
who works only in the browser sees everything in one place.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kb.model import Document
from kb.problems import Problem, summarise
from kb.urls import document_url

#: The first line of the comment: the sticky-comment action finds its own comment by it.
MARKER = "<!-- kb check -->"
#: GitHub refuses comments over 65,536 characters; the list stops well before.
MAX_CHARACTERS = 60_000


@dataclass(frozen=True)
class Touched:
    """A document file the pull request adds or changes."""

    path: str
    added: bool


def comment(
    problems: Sequence[Problem],
    documents_checked: int,
    touched: Sequence[Touched],
    documents: Mapping[str, Document],
    drafts: Sequence[tuple[str, int]],
    preview_url: str = "",
    scope: str = "",
) -> str:
    """The Markdown of the comment.

    ``documents`` are the valid documents by path (those with a page in the
    preview); ``drafts`` the files saying ``status: draft``, with that line.
    """
    errors = [p for p in problems if p.is_error]
    draft_paths = {path for path, _line in drafts}
    lines = [MARKER]
    verdict = "❌ " if errors else ("⚠️ " if problems else "✅ ")
    lines += [f"### {verdict}{summarise(problems, documents_checked, scope)}", ""]
    if errors:
        lines += [
            "The pull request cannot be merged until the errors below are fixed. Each one is "
            "also written under its line in the **Files changed** tab. Fix them there "
            "(**...** menu of the file → **Edit file**) and commit: the check runs again and "
            "this comment is updated.",
            "",
        ]
    if touched:
        lines += _documents_table(touched, documents, draft_paths, problems, preview_url)
    if drafts:
        lines += [
            "**Drafts will not be published.** "
            + ("This document is" if len(drafts) == 1 else "These documents are")
            + " marked `status: draft`: checked and shown in the preview, but left out of "
            "the published site after merging. Change the line to `status: published` "
            "when a document is ready:",
            "",
            *(f"- `{path}`, line {line}" for path, line in drafts),
            "",
        ]
    if problems:
        lines += _problem_list(problems)
    if preview_url:
        lines += [
            f"[Preview the whole site]({preview_url}) (drafts included; documents with "
            "errors are left out and listed at the top of every page).",
            "",
        ]
    return "\n".join(lines).rstrip() + "\n"


def _documents_table(
    touched: Sequence[Touched],
    documents: Mapping[str, Document],
    drafts: set[str],
    problems: Sequence[Problem],
    preview_url: str,
) -> list[str]:
    counts: dict[str, int] = defaultdict(int)
    for problem in problems:
        if problem.is_error:
            counts[problem.path] += 1
    rows = ["| document | change | state | preview |", "| --- | --- | --- | --- |"]
    for item in touched:
        doc = documents.get(item.path)
        state = []
        if counts[item.path]:
            state.append(f"❌ {counts[item.path]} error{'s' if counts[item.path] != 1 else ''}")
        if item.path in drafts:
            state.append("draft: not published")
        page = "no page (errors)" if doc is None else "page"
        if doc is not None and preview_url:
            page = f"[{_cell(doc.title)}]({preview_url.rstrip('/')}/{document_url(doc)})"
        elif doc is not None:
            page = _cell(doc.title)
        rows.append(
            f"| `{_cell(item.path)}` | {'added' if item.added else 'changed'} | "
            f"{', '.join(state) or 'ready'} | {page} |"
        )
    return ["**Documents in this pull request**", "", *rows, ""]


def _problem_list(problems: Sequence[Problem]) -> list[str]:
    by_file: dict[str, list[Problem]] = defaultdict(list)
    for problem in problems:
        by_file[problem.path].append(problem)
    lines = ["**Every problem found**", ""]
    size = 0
    shown = 0
    for path, found in by_file.items():
        lines.append(f"`{_cell(path)}`")
        lines.append("")
        for problem in found:
            kind = "warning" if problem.severity == "warning" else "error"
            field = f" `{_cell(problem.field)}`" if problem.field else ""
            entry = f"- line {problem.line}{field} ({kind}): {_text(problem.message)}"
            size += len(entry)
            if size > MAX_CHARACTERS:
                left = len(problems) - shown
                lines.append(
                    f"- ... and {left} more, too many for one comment: `kb check` lists them all"
                )
                return [*lines, ""]
            lines.append(entry)
            shown += 1
        lines.append("")
    return lines


def _cell(text: str) -> str:
    """Text for inside a table cell or code span: no bars or backticks to break it."""
    return text.replace("|", "\\|").replace("`", "'").replace("\n", " ")


def _text(text: str) -> str:
    """A message as Markdown text: characters that would format it are escaped."""
    for char in "\\*_[]<>|`#":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", " ")
