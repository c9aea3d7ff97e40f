"""Load the whole knowledge base: every file read, every problem collected.

This is the one entry point the commands use: ``kb check`` prints what it
returns, ``kb build`` refuses to write while it returns errors.
"""

from __future__ import annotations

import difflib
import os
import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from kb import i18n
from kb.citations import check_citations
from kb.config import Settings, load_settings, load_taxonomy
from kb.content import SourceFile, read_source
from kb.countries import check_countries
from kb.glossary import load_glossary
from kb.htmlcheck import removals
from kb.inventory import Inventory, shown, take_inventory
from kb.limits import Limits, body_problems, size_problem
from kb.links import classify, code_free_lines, heading_slugs, scan_links
from kb.model import Document, KnowledgeBase, Taxonomy, in_language
from kb.packs import check_packs
from kb.problems import Problem, sort_problems
from kb.rules import (
    duplicate_titles,
    file_name_problems,
    folder_problems,
    remote_image,
    summary_problems,
)
from kb.sanitize import Policy, policy
from kb.schema import validate
from kb.siteaddress import site_url_problems

#: A placeholder ``kb new`` leaves in the body ("TODO: the place, ..."), not the word in prose.
BODY_PLACEHOLDER = re.compile(r"\bTODO\b")


@dataclass(frozen=True)
class LoadResult:
    settings: Settings
    knowledge_base: KnowledgeBase
    problems: list[Problem]
    files: int
    #: Every file that says 'status: draft', valid or not, with that line: never published.
    drafts: tuple[tuple[str, int], ...] = ()

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


#: Given the settings and the valid documents, the files whose own problems are wanted
#: (``None``: every file's). Problems that concern several files (ids, titles,
#: translations, packs) are always looked for; those a file has on its own (its body's
#: links, nesting and citations, the countries it names) only in the files named.
Narrow = Callable[[Settings, Mapping[str, Document]], Collection[str] | None]


class _Read(NamedTuple):
    """What one file gave, by itself: kept in a ``LoadMemo``."""

    stamp: tuple[int, ...]
    source: SourceFile | None
    found: list[Problem]  # reading, the folder, the summary, the front matter
    document: Document | None
    own: list[Problem] | None  # its body's nesting, citations and countries, once checked


class LoadMemo:
    """What each file gave the last load, for the next load in the same process
    (``kb serve`` loads after every edit): a file that was not written since (the same
    size, times and inode) is not parsed and checked again, unless the settings or the
    vocabularies changed. Only checks that depend on other files (links, ids, titles,
    translations) are made again."""

    def __init__(self) -> None:
        self.setup: tuple[Settings, Taxonomy] | None = None
        self.files: dict[str, _Read] = {}


def load_project(
    root: Path, narrow: Narrow | None = None, memo: LoadMemo | None = None
) -> LoadResult:
    """Read settings, vocabularies and every document under ``root``."""
    settings = load_settings(root)
    return load_knowledge_base(settings, narrow, memo)


def load_knowledge_base(
    settings: Settings, narrow: Narrow | None = None, memo: LoadMemo | None = None
) -> LoadResult:
    """Every document read and checked; with ``narrow``, a report about a few files
    (``kb check --changed``) skips the body checks of the others, which are most of
    the time of a check (measured: 6.0 of 11.5 s profiled at 5,000 documents)."""
    taxonomy, problems = load_taxonomy(settings)
    if memo is not None and memo.setup != (settings, taxonomy):
        memo.setup, memo.files = (settings, taxonomy), {}
    kept = memo.files if memo is not None else {}
    reads: dict[str, _Read] = {}
    problems.extend(_interface_translations(settings))
    problems.extend(_site_address(settings))
    inventory = take_inventory(settings)
    problems.extend(inventory.problems)
    sources: dict[str, SourceFile] = {}
    documents: dict[str, Document] = {}
    # Ids differing only in case are one page on a case-insensitive disk: one key.
    paths_by_id: dict[str, list[tuple[str, str]]] = defaultdict(list)
    files = 0
    content_prefix = settings.rel(settings.content_dir)
    for path in inventory.documents:
        files += 1
        rel = shown(settings.rel(path))
        try:
            status = path.lstat()  # a link is refused by read_source, never followed
        except OSError:
            status = None  # read_source reports why the file cannot be read
        too_big = size_problem(rel, status.st_size, settings.limits) if status else None
        if too_big:
            problems.append(too_big)
            continue  # never read into memory, let alone rendered
        stamp = _stamp(status)
        read = kept.get(rel)
        if read is None or not stamp or read.stamp != stamp:
            read = _read(path, rel, settings, taxonomy, content_prefix, stamp)
        reads[rel] = read
        problems.extend(read.found)
        if read.source is None:
            continue
        sources[rel] = read.source
        paths_by_id[read.source.doc_id.casefold()].append((rel, read.source.doc_id))
        if read.document is not None:
            documents[rel] = read.document
    problems.extend(_duplicate_ids(paths_by_id))
    for source in sources.values():
        if len(paths_by_id[source.doc_id.casefold()]) == 1:  # else: "also used by" says it
            problems.extend(file_name_problems(source))
    unique = {doc.id: doc for doc in documents.values() if len(paths_by_id[doc.id.casefold()]) == 1}
    wanted = None if narrow is None else narrow(settings, unique)
    own = sources if wanted is None else {r: s for r, s in sources.items() if r in wanted}
    all_ids = {doc_id for found in paths_by_id.values() for _rel, doc_id in found}
    problems.extend(_translations(unique, all_ids))
    problems.extend(duplicate_titles(unique))
    hints = _PathHints(sources)
    rules = policy(settings)
    for rel, source in own.items():
        read = reads[rel]
        if read.own is None:
            read = reads[rel] = read._replace(own=_own_problems(rel, read, settings.limits))
        problems.extend(read.own or ())
        problems.extend(_body_problems(source, sources, content_prefix, inventory, hints, rules))
    if memo is not None:
        memo.files = reads
    glossary, found = load_glossary(settings)
    problems.extend(found)
    problems.extend(_start_here(settings, unique))
    knowledge_base = KnowledgeBase(documents=unique, taxonomy=taxonomy, glossary=glossary)
    problems.extend(check_packs(settings, knowledge_base))
    drafts = tuple(
        (rel, source.front_matter.line("status"))
        for rel, source in sorted(sources.items())
        if source.front_matter.value.get("status") == "draft"
    )
    return LoadResult(settings, knowledge_base, sort_problems(problems), files, drafts)


def _site_address(settings: Settings) -> Iterable[Problem]:
    """A warning when the site has no address or a placeholder one."""
    try:
        text = (settings.root / "mkdocs.yml").read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        text = ""  # read once already by load_settings; the line is then 1
    return site_url_problems(settings.site_url, text)


def _start_here(settings: Settings, documents: dict[str, Document]) -> Iterable[Problem]:
    """The start-here page named in mkdocs.yml must exist, if it is named there."""
    extra = settings.mkdocs.get("extra")
    kb = extra.get("kb") if isinstance(extra, dict) else None
    named = kb.get("start_here") if isinstance(kb, dict) else None
    if named and settings.start_here not in documents:
        yield Problem(
            "mkdocs.yml",
            1,
            "extra.kb.start_here",
            f"no document has the id '{settings.start_here}', which the home page's "
            f"start-here link points to{_id_hint(settings.start_here, documents)}",
        )


def _without_comments(line: str) -> str:
    """The line without its HTML comments (a scan, not a pattern: '<!--' repeated
    without an end would make a lazy pattern search to the end from each one)."""
    pieces: list[str] = []
    position = 0
    while True:
        start = line.find("<!--", position)
        end = line.find("-->", start + 4) if start >= 0 else -1
        if end < 0:
            pieces.append(line[position:])
            return "".join(pieces)
        pieces.append(line[position:start])
        position = end + 3


def _stamp(status: os.stat_result | None) -> tuple[int, ...]:
    """What changes when a file is written: its size, times and inode (empty: unknown)."""
    if status is None:
        return ()
    return (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)


def _read(
    path: Path,
    rel: str,
    settings: Settings,
    taxonomy: Taxonomy,
    content_prefix: str,
    stamp: tuple[int, ...],
) -> _Read:
    """Read one file and check what it holds by itself, but its body."""
    source, found = read_source(path, rel, settings.content_dir)
    if source is None:
        return _Read(stamp, None, found, None, None)
    found.extend(folder_problems(source, content_prefix))
    found.extend(summary_problems(source))
    document, invalid = validate(source, taxonomy, settings)
    return _Read(stamp, source, [*found, *invalid], document, None)


def _own_problems(rel: str, read: _Read, limits: Limits) -> list[Problem]:
    """The problems a file's body has by itself: nesting and open brackets, citations
    without a source, countries never named."""
    assert read.source is not None
    found = body_problems(rel, read.source.body, read.source.body_line, limits)
    if read.document is not None:
        found.extend(check_citations(read.document))
        found.extend(check_countries(read.document))
    return found


def _interface_translations(settings: Settings) -> Iterable[Problem]:
    """A warning per site language that lacks interface strings or the site's name in it."""
    shown_at_most = 5
    for language in settings.site_languages[1:]:
        missing = i18n.missing_messages(language)
        if missing:
            quoted = ", ".join(f"'{m}'" for m in missing[:shown_at_most])
            more = (
                f" and {len(missing) - shown_at_most} more" if len(missing) > shown_at_most else ""
            )
            what = (
                "kb has no interface translation for it"
                if not i18n.has_catalogue(language)
                else f"{len(missing)} interface strings have no translation: {quoted}{more}"
            )
            yield Problem(
                "mkdocs.yml",
                1,
                "extra.kb.languages",
                f"{language}: {what}; its pages show them in {settings.default_language} "
                f"(kb's catalogue kb/locale/{i18n.primary(language)}/LC_MESSAGES/kb.po)",
                severity="warning",
            )
        for key, texts in (
            ("site_name", settings.site_names),
            ("site_description", settings.descriptions),
            ("edition", settings.editions),
        ):
            default = {
                "site_name": settings.site_name,
                "site_description": settings.description_in(settings.default_language),
                "edition": settings.edition,
            }[key]
            if default and not in_language(texts, language):
                yield Problem(
                    "mkdocs.yml",
                    1,
                    f"extra.kb.{key}",
                    f"no {language} text; pages in {language} show the "
                    f"{settings.default_language} one: write {key}: {{{language}: ...}} "
                    "under extra: kb:",
                    severity="warning",
                )


def _duplicate_ids(paths_by_id: dict[str, list[tuple[str, str]]]) -> Iterable[Problem]:
    for found in paths_by_id.values():
        if len(found) < 2:
            continue
        for path, doc_id in found:
            others = [(p, i) for p, i in found if p != path]
            if all(i == doc_id for _p, i in others):
                yield Problem(
                    path,
                    1,
                    "",
                    f"the id '{doc_id}' is also used by {', '.join(p for p, _i in others)}; "
                    "ids must be unique, so rename one of the files",
                )
                continue
            named = ", ".join(p if i == doc_id else f"{p} (as '{i}')" for p, i in others)
            yield Problem(
                path,
                1,
                "",
                f"the id '{doc_id}' is also used by {named}; ids must be unique whatever the "
                "case of their letters (they are one page on Windows and macOS), so rename "
                "one of the files",
            )


def _translations(documents: dict[str, Document], all_ids: set[str]) -> Iterable[Problem]:
    for doc in documents.values():
        if not doc.translation_of:
            continue
        original = documents.get(doc.translation_of)
        if original is None:
            if doc.translation_of in all_ids:
                continue  # the original has problems of its own, reported there
            yield Problem(
                doc.path,
                doc.line("translation_of"),
                "translation_of",
                f"no document has the id '{doc.translation_of}' (the original's file name "
                f"without '.md'){_id_hint(doc.translation_of, all_ids)}",
            )
            continue
        if original.language == doc.language:
            yield Problem(
                doc.path,
                doc.line("language"),
                "language",
                f"a translation must differ in language from its original "
                f"'{original.id}' ({original.language})",
            )
        if original.translation_of:
            yield Problem(
                doc.path,
                doc.line("translation_of"),
                "translation_of",
                f"'{original.id}' is itself a translation; point to its original "
                f"'{original.translation_of}'",
            )
        if original.updated and original.updated > doc.last_changed:
            yield Problem(
                doc.path,
                doc.line("translation_of"),
                "translation_of",
                f"the original '{original.id}' was updated on {original.updated.isoformat()}, "
                f"after this translation ({doc.last_changed.isoformat()}); "
                "bring the translation up to date and set 'updated:'",
                "warning",
            )


def _body_problems(
    source: SourceFile,
    sources: dict[str, SourceFile],
    content_prefix: str,
    inventory: Inventory,
    hints: _PathHints,
    rules: Policy,
) -> Iterable[Problem]:
    rel = source.rel
    links = scan_links(source.body, source.body_line)
    for link in links:
        field = "image" if link.is_image else "link"
        target = classify(link.target, rel, content_prefix)
        # An address in raw HTML is reported with its tag (kb.htmlcheck), which sees all of them.
        if target.kind == "dangerous" and not link.html:
            yield Problem(
                rel,
                link.line,
                field,
                f"'{target.scheme}:' links are not allowed ({link.target[:60]}); "
                "link to a web page or another document",
            )
            continue
        if target.kind == "invalid":
            yield Problem(
                rel,
                link.line,
                field,
                f"'{link.target}' is not a valid address; check it for typing mistakes",
            )
            continue
        if target.kind == "outside":
            yield Problem(
                rel,
                link.line,
                field,
                f"'{link.target}' points outside the content folder; "
                "link only to documents and files inside it",
            )
            continue
        if link.is_image and target.kind == "external":
            yield remote_image(rel, link)
        if link.is_image and not link.alt:
            yield Problem(
                rel,
                link.line,
                "image",
                f"'{link.target}' has no alt text; describe the picture for readers "
                "who cannot see it: ![what it shows](...)",
            )
        if target.kind == "anchor":
            if target.anchor and target.anchor not in heading_slugs(source.body):
                yield Problem(
                    rel,
                    link.line,
                    field,
                    f"'#{target.anchor}' matches no heading in this document"
                    f"{_anchor_hint(target.anchor, source.body)}",
                )
            continue
        if target.kind != "local":
            continue
        linked = _resolve(target.path, sources)
        if linked is None:
            # A file that exists but could not be loaded has its own problems reported.
            missing = inventory.link_problem(target.path)
            if missing == "missing":
                yield Problem(
                    rel,
                    link.line,
                    field,
                    f"'{link.target}' does not exist (looked for {target.path})"
                    f"{'' if link.is_image else hints.hint(target.path, rel)}",
                )
            elif missing:
                yield Problem(rel, link.line, field, f"'{link.target}': {missing}")
            continue
        if target.anchor and target.anchor not in heading_slugs(linked.body):
            yield Problem(
                rel,
                link.line,
                field,
                f"'{link.target}': '#{target.anchor}' matches no heading in {linked.rel}"
                f"{_anchor_hint(target.anchor, linked.body)}",
            )
    draft = source.front_matter.value.get("status") == "draft"
    for number, line in code_free_lines(source.body, source.body_line):
        # A note in an HTML comment is not published, so it is no placeholder in the text.
        if "TODO" in line and BODY_PLACEHOLDER.search(_without_comments(line)):
            yield Problem(
                rel,
                number,
                "body",
                "the text still has a 'TODO' placeholder from the template; write the text "
                "or remove the line" + ("" if draft else " before the document is published"),
                "warning" if draft else "error",
            )
    for removal in removals(source.body, source.body_line, rules, links):
        yield Problem(rel, removal.line, "html", removal.message)


def _resolve(path: str, sources: dict[str, SourceFile]) -> SourceFile | None:
    if path in sources:
        return sources[path]
    return sources.get(path.rstrip("/") + "/index.md")


class _PathHints:
    """Suggest the document a broken link probably meant, from its file name.

    A fuzzy match costs a pass over every file name, so after ``fuzzy_budget``
    of them (a folder renamed can break thousands of links at once) only exact
    file-name matches in another folder are suggested.
    """

    def __init__(self, paths: Iterable[str], fuzzy_budget: int = 200) -> None:
        self.by_name: dict[str, list[str]] = defaultdict(list)
        for path in sorted(paths):
            self.by_name[posixpath.basename(path)].append(path)
        self.fuzzy_budget = fuzzy_budget

    def hint(self, missing: str, rel: str) -> str:
        name = posixpath.basename(missing.rstrip("/"))
        if not name.endswith(".md"):
            name += ".md"  # a link written with the id alone, without '.md'
        if name in self.by_name:
            found = self.by_name[name][0]
        elif self.fuzzy_budget > 0:
            self.fuzzy_budget -= 1
            close = difflib.get_close_matches(name, self.by_name, n=1, cutoff=0.75)
            if not close:
                return ""
            found = self.by_name[close[0]][0]
        else:
            return ""
        return f"; did you mean '{posixpath.relpath(found, posixpath.dirname(rel))}'?"


def _id_hint(wanted: str, ids: Iterable[str]) -> str:
    """``; did you mean 'x'?`` for a document id close to ``wanted``."""
    close = difflib.get_close_matches(wanted, sorted(ids), n=1, cutoff=0.75)
    return f"; did you mean '{close[0]}'?" if close else ""


def _anchor_hint(anchor: str, body: str) -> str:
    close = difflib.get_close_matches(anchor, sorted(heading_slugs(body)), n=1, cutoff=0.6)
    return f"; did you mean '#{close[0]}'?" if close else ""
