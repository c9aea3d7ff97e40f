"""``kb check --changed``: the files changed since a git revision, and what they affect.

A pull request touches a handful of files; its check should talk about
those. Git tells which files changed (committed since the branch left the
base, staged, unstaged and untracked alike); this module turns that into the
set of files whose problems are worth reporting: the changed files
themselves and the documents that link to them or translate them, since a
renamed or deleted document breaks its neighbours. A change to the
vocabularies (``taxonomy.yml``) or to the site's settings (``mkdocs.yml``)
can affect every document, so it selects everything.

The whole knowledge base is still loaded and its front matter validated (links,
ids and titles need every document); the checks of a file's own body (links,
nesting, citations, countries) run on the files reported only, which is what
makes the narrowed check faster than the whole one.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from kb.config import Settings
from kb.content import document_id
from kb.errors import KbError
from kb.links import classify, scan_links
from kb.model import Document

#: The base a bare ``--changed`` compares with, in order of preference; when
#: none exists, the previous commit (``HEAD~1``) is used.
DEFAULT_BASES = ("origin/main", "main")
#: Git's well-known empty tree: the base for a repository without commits.
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


@dataclass(frozen=True)
class ChangeSet:
    """What changed since a base revision, as paths relative to the project."""

    base: str
    commit: str
    paths: frozenset[str]
    everything: str = ""  # the changed file that makes every document concerned

    def describe(self) -> str:
        """``origin/main (3f2a9c1)``: the base as a person named it, and where it is."""
        short = self.commit[:7]
        return self.base if self.base.startswith(short) else f"{self.base} ({short})"


@dataclass(frozen=True)
class Selection:
    """The files whose problems ``kb check --changed`` reports."""

    paths: frozenset[str]
    changed: tuple[str, ...]  # changed documents and files that still exist
    linking: tuple[str, ...]  # unchanged documents that link to or translate them


def find_changes(settings: Settings, base: str | None) -> ChangeSet:
    """Ask git what changed under the project since ``base`` (or the default base).

    The comparison starts at the merge base of ``base`` and ``HEAD``, as a
    pull request's "files changed" does, so that work merged into the base
    branch since the branch started is not counted as this branch's change.
    """
    if base is not None and base.startswith("-"):
        raise KbError(f"'{base}' is not a git revision; write --changed=BASE")
    toplevel = Path(_git(settings.root, "rev-parse", "--show-toplevel", what="").strip())
    toplevel = toplevel.resolve()
    has_head = _revision(toplevel, "HEAD") is not None
    if base:
        commit = _revision(toplevel, base)
        if commit is None:
            raise KbError(
                f"'{base}' is not a known git revision (a branch, tag or commit) in "
                f"{toplevel}; check the name, or fetch it first (in a shallow clone, "
                "fetch the base branch's history: actions/checkout with fetch-depth: 0)"
            )
        named = base
    else:
        named, commit = _default_base(toplevel, has_head)
    compare = commit
    if has_head and commit != EMPTY_TREE:
        compare = _git(
            toplevel,
            "merge-base",
            commit,
            "HEAD",
            what=f"'{named}' and HEAD have no history in common; name a base on this branch's line",
        ).strip()
    listed = _git(toplevel, "diff", "--name-only", "--no-renames", "-z", compare, "--", what="")
    untracked = _git(toplevel, "ls-files", "--others", "--exclude-standard", "-z", what="")
    paths = _project_paths(settings, toplevel, [*listed.split("\0"), *untracked.split("\0")])
    everything = ""
    for special in (settings.rel(settings.taxonomy_path), "mkdocs.yml"):
        if special in paths:
            everything = special
            break
    return ChangeSet(base=named, commit=compare, paths=frozenset(paths), everything=everything)


def select(settings: Settings, documents: Iterable[Document], changes: ChangeSet) -> Selection:
    """The changed files, and the documents that link to or translate a changed one.

    Only valid documents can be searched for links: a document whose front
    matter has errors is reported when it is itself changed.
    """
    content_prefix = settings.rel(settings.content_dir)
    changed = changes.paths
    # A link names the file (or, for a document kept in a folder, the folder),
    # so a body that does not contain any changed name cannot link to one;
    # this keeps the scan of 5,000 bodies cheap.
    needles = {_link_name(path) for path in changed}
    changed_ids = {document_id(Path(p)) for p in changed if p.endswith(".md")}
    targets = set(changed) | {
        str(PurePosixPath(p).parent) for p in changed if p.endswith("/index.md")
    }
    existing: set[str] = set()
    linking: set[str] = set()
    for doc in documents:
        if doc.path in changed:
            existing.add(doc.path)
            continue
        if doc.translation_of and doc.translation_of in changed_ids:
            linking.add(doc.path)
            continue
        if any(needle in doc.body for needle in needles) and _links_to(
            doc, targets, content_prefix
        ):
            linking.add(doc.path)
    for path in changed:
        # A link counts as there (its problem is reported), wherever it points.
        if path not in existing and os.path.lexists(settings.root / path):
            existing.add(path)
    return Selection(
        paths=frozenset(existing | linking),
        changed=tuple(sorted(existing)),
        linking=tuple(sorted(linking)),
    )


def _links_to(doc: Document, targets: set[str], content_prefix: str) -> bool:
    for link in scan_links(doc.body, doc.body_line):
        target = classify(link.target, doc.path, content_prefix)
        if target.kind == "local" and target.path.rstrip("/") in targets:
            return True
    return False


def _link_name(path: str) -> str:
    pure = PurePosixPath(path)
    return pure.parent.name if pure.name == "index.md" else pure.name


def _project_paths(settings: Settings, toplevel: Path, listed: Sequence[str]) -> set[str]:
    """Git's paths (relative to the repository) that matter to the project."""
    content_prefix = settings.rel(settings.content_dir) + "/"
    paths: set[str] = set()
    for name in listed:
        if not name:
            continue
        try:
            rel = (toplevel / name).relative_to(settings.root).as_posix()
        except ValueError:
            continue  # outside the project: another project in the same repository
        if rel.startswith(content_prefix) or rel == "mkdocs.yml":
            paths.add(rel)
    return paths


def _default_base(toplevel: Path, has_head: bool) -> tuple[str, str]:
    if not has_head:
        return "the empty repository", EMPTY_TREE
    for candidate in (*DEFAULT_BASES, "HEAD~1"):
        commit = _revision(toplevel, candidate)
        if commit is not None:
            return candidate, commit
    return "the first commit's parent (nothing)", EMPTY_TREE


def _revision(toplevel: Path, name: str) -> str | None:
    """The commit a revision names, or None when git does not know it."""
    completed = _run(toplevel, "rev-parse", "--verify", "--quiet", f"{name}^{{commit}}")
    if completed.returncode != 0:
        return None
    return completed.stdout.strip() or None


def _git(cwd: Path, *args: str, what: str) -> str:
    """Run git; a failure becomes a KbError that says ``what`` (or git's own words)."""
    completed = _run(cwd, *args)
    if completed.returncode != 0:
        said = completed.stderr.strip().splitlines()
        detail = said[-1] if said else f"git {args[0]} failed"
        if "not a git repository" in completed.stderr:
            raise KbError(
                f"{cwd} is not in a git repository; --changed needs the project's git "
                "history (run kb check without --changed to check everything)"
            )
        raise KbError(what or detail)
    return completed.stdout


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="surrogateescape",
            check=False,
        )
    except FileNotFoundError:
        raise KbError("git is not installed; --changed needs it to find changed files") from None


def added_since(settings: Settings, commit: str, paths: Iterable[str]) -> set[str]:
    """Which of ``paths`` (project paths) did not exist at ``commit``: added, not changed."""
    return {
        path
        for path in paths
        if _run(settings.root, "cat-file", "-e", f"{commit}:./{path}").returncode != 0
    }
