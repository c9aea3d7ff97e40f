"""Printable packs: named selections of documents defined in ``content/packs.yml``.

A pack says which published documents go in (a selection on the same fields
as the front matter, plus ids to include or exclude), in what order, and what
its cover and first page say. This module reads and checks the file against
the taxonomy and the documents; ``kb.pdf`` turns packs into PDFs.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pycountry

from kb.config import ID_PATTERN, Settings
from kb.content import read_problem
from kb.hints import country_hint, describe, suggest
from kb.inventory import read_content_file
from kb.model import DOCUMENT_TYPES, Document, KnowledgeBase
from kb.problems import Problem
from kb.schema import LANGUAGE_PATTERN
from kb.urls import BOOKLET_SUFFIX
from kb.yamlsrc import YamlText, load_yaml

PACK_KEYS = (
    "title",
    "subtitle",
    "introduction",
    "select",
    "include",
    "exclude",
    "order",
    "right_hand_start",
    "booklet",
    "archival",
)
SELECT_KEYS = ("type", "themes", "levels", "countries", "programme", "language")
ORDER_NAMES = ("type", "title", "date")
#: Introductions are printed on one page with the contents; keep them a paragraph.
INTRODUCTION_MAX = 1200


@dataclass(frozen=True)
class Selection:
    """Which documents a pack takes: every field given must match (any of its values)."""

    types: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    def matches(self, doc: Document) -> bool:
        """True when ``doc`` has one of the values of every field given."""
        if self.types and doc.type not in self.types:
            return False
        if self.themes and not set(self.themes) & set(doc.themes):
            return False
        if self.levels and not set(self.levels) & set(doc.levels):
            return False
        if self.countries and not set(self.countries) & set(doc.countries):
            return False
        if self.programmes and doc.programme not in self.programmes:
            return False
        return not (self.languages and _primary(doc.language) not in self.languages)

    def describe(self) -> str:
        """The selection in words, for messages: ``type guideline, levels local``."""
        parts = [
            f"{name} {', '.join(values)}"
            for name, values in (
                ("type", self.types),
                ("themes", self.themes),
                ("levels", self.levels),
                ("countries", self.countries),
                ("programme", self.programmes),
                ("language", self.languages),
            )
            if values
        ]
        return "; ".join(parts) or "every document"


@dataclass(frozen=True)
class Pack:
    """A printable pack: what it is called, what it takes, and in what order."""

    id: str
    title: str
    selection: Selection
    subtitle: str = ""
    introduction: str = ""
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    order: str = "type"
    order_first: tuple[str, ...] = ()
    #: Each document opens on a right-hand page (for pulling chapters from a duplex print).
    right_hand_start: bool = False
    #: Also printed as an A5 booklet (``<id>-booklet.pdf``), imposed on A4 sheets.
    booklet: bool = False
    #: Its PDF is PDF/A-3b, for archives, instead of PDF/UA-1 (still tagged).
    archival: bool = False
    #: The file an ad-hoc pack is written to: its citation names it (it has no address).
    file_name: str = ""
    line: int = 1
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)


def _primary(language: str) -> str:
    """``fr`` for ``fr-BF``: packs select on the language, not the regional variant."""
    return language.split("-")[0].lower()


def select(pack: Pack, knowledge_base: KnowledgeBase, *, drafts: bool = False) -> list[Document]:
    """The published documents of ``pack``, in the pack's order.

    Drafts never go in, except in a preview (``drafts=True``).
    """
    candidates = knowledge_base.documents.values() if drafts else knowledge_base.published()
    chosen = [
        doc
        for doc in candidates
        if doc.id not in pack.exclude and (doc.id in pack.include or pack.selection.matches(doc))
    ]
    return _ordered(chosen, pack)


def _ordered(documents: list[Document], pack: Pack) -> list[Document]:
    type_rank = {t: i for i, t in enumerate(pack.selection.types or tuple(DOCUMENT_TYPES))}
    first = {doc_id: i for i, doc_id in enumerate(pack.order_first)}

    def by_type(doc: Document) -> tuple[int, str, str]:
        return (type_rank.get(doc.type, len(type_rank)), doc.title.casefold(), doc.id)

    if pack.order == "title":
        rest = sorted(documents, key=lambda d: (d.title.casefold(), d.id))
    elif pack.order == "date":
        rest = sorted(documents, key=lambda d: (-d.last_changed.toordinal(), d.id))
    else:
        rest = sorted(documents, key=by_type)
    listed = sorted((d for d in rest if d.id in first), key=lambda d: first[d.id])
    return listed + [d for d in rest if d.id not in first]


def packs_by_document(
    packs: Iterable[Pack], knowledge_base: KnowledgeBase
) -> dict[str, list[Pack]]:
    """For each document id, the packs that contain it (in the order packs are defined)."""
    result: dict[str, list[Pack]] = {}
    for pack in packs:
        for doc in select(pack, knowledge_base):
            result.setdefault(doc.id, []).append(pack)
    return result


def pack_language(pack: Pack, documents: Sequence[Document], default: str) -> str:
    """The language a pack is typeset in: its documents' if they share one."""
    languages = {doc.language for doc in documents}
    if len(languages) == 1:
        return languages.pop()
    if len(pack.selection.languages) == 1:
        return pack.selection.languages[0]
    return default


def load_packs(
    settings: Settings, knowledge_base: KnowledgeBase
) -> tuple[list[Pack], list[Problem]]:
    """Read ``packs.yml`` and check it; a project without the file has no packs."""
    path = settings.packs_path
    rel = settings.rel(path)
    if not path.is_file() and not path.is_symlink():
        return [], []
    try:
        text = read_content_file(settings.content_dir, path).decode("utf-8-sig")
    except OSError as exc:
        return [], [read_problem(path, rel, exc)]
    except UnicodeDecodeError as exc:
        return [], [Problem(rel, 1, "", f"cannot be read: {exc}")]
    parsed, problems = load_yaml(text.replace("\r\n", "\n"), rel)
    if parsed is None:
        return [], problems
    reader = _PackReader(rel, parsed, settings, knowledge_base, problems)
    packs = reader.read()
    return packs, problems


def check_packs(settings: Settings, knowledge_base: KnowledgeBase) -> list[Problem]:
    """The problems of ``packs.yml``, for ``kb check``."""
    return load_packs(settings, knowledge_base)[1]


def find_pack(packs: Sequence[Pack], pack_id: str) -> Pack | None:
    """The pack with ``pack_id``, or None."""
    return next((p for p in packs if p.id == pack_id), None)


def unknown_pack_message(packs: Sequence[Pack], pack_id: str) -> str:
    """``no pack 'x'; did you mean 'y'?`` with the list of packs there are."""
    ids = [p.id for p in packs]
    if not ids:
        return f"no pack '{pack_id}': this project defines no packs in content/packs.yml"
    close = difflib.get_close_matches(pack_id, ids, n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return f"no pack '{pack_id}'{hint} The packs are: {', '.join(ids)}"


#: Command-line options of ``kb pdf`` and the selection fields they fill.
OPTION_FIELDS = {
    "type": "--type",
    "themes": "--theme",
    "levels": "--level",
    "countries": "--country",
    "programme": "--programme",
    "language": "--language",
}


def adhoc_pack(
    settings: Settings,
    knowledge_base: KnowledgeBase,
    title: str,
    selection: Mapping[str, Sequence[str]],
) -> tuple[Pack | None, list[str]]:
    """A pack made on the command line; problems come back as messages naming the option."""
    raw = {key: list(values) for key, values in selection.items() if values}
    parsed = YamlText({"packs": {"selection": {"title": title, "select": raw}}})
    problems: list[Problem] = []
    packs = _PackReader("command line", parsed, settings, knowledge_base, problems).read()
    messages = []
    for problem in problems:
        if problem.field == "packs.selection":
            pack = packs[0] if packs else None
            described = pack.selection.describe() if pack else "the options given"
            messages.append(f"no published document matches {described}")
            continue
        name = problem.field.split(".")[3].split("[")[0] if problem.field.count(".") >= 3 else ""
        option = OPTION_FIELDS.get(name, "")
        messages.append(f"{option}: {problem.message}" if option else problem.message)
    return (packs[0] if packs and not messages else None), messages


class _PackReader:
    """Turns the parsed file into packs, collecting every problem with its line."""

    def __init__(
        self,
        rel: str,
        parsed: YamlText,
        settings: Settings,
        knowledge_base: KnowledgeBase,
        problems: list[Problem],
    ) -> None:
        self.rel = rel
        self.parsed = parsed
        self.settings = settings
        self.knowledge_base = knowledge_base
        self.problems = problems

    def problem(self, keypath: str, message: str, severity: str = "error") -> None:
        line = self.parsed.line(keypath)
        self.problems.append(
            Problem(
                self.rel, line, keypath, message, "warning" if severity == "warning" else "error"
            )
        )

    def read(self) -> list[Pack]:
        root = self.parsed.value
        if root is None:
            return []
        if not isinstance(root, dict) or "packs" not in root:
            self.problem("", "expected a section 'packs:' with one entry per pack id")
            return []
        for key in root:
            if key != "packs":
                self.problem(str(key), "unknown section; this file has only 'packs:'")
        entries = root["packs"]
        if entries is None:
            return []
        if not isinstance(entries, dict):
            self.problem("packs", "expected entries of the form 'pack-id:' with their fields below")
            return []
        packs: list[Pack] = []
        for key, entry in entries.items():
            keypath = f"packs.{key}"
            if not isinstance(key, str) or not ID_PATTERN.match(key):
                self.problem(
                    keypath,
                    f"'{key}' is not a usable id; use lowercase letters, digits and hyphens",
                )
                continue
            if key.endswith(BOOKLET_SUFFIX):
                # downloads/packs/<id>-booklet.pdf is the booklet of the pack <id>.
                self.problem(
                    keypath,
                    f"a pack id cannot end in '{BOOKLET_SUFFIX}': {key}.pdf would be the "
                    f"file name of the booklet of a pack '{key.removesuffix(BOOKLET_SUFFIX)}'; "
                    "choose another id",
                )
                continue
            if not isinstance(entry, dict):
                self.problem(keypath, "expected fields such as 'title:' and 'select:' below the id")
                continue
            pack = self.pack(key, entry, keypath)
            if pack is not None:
                packs.append(pack)
        return packs

    def pack(self, pack_id: str, entry: dict[str, Any], keypath: str) -> Pack | None:
        for key in entry:
            if key not in PACK_KEYS:
                self.problem(
                    f"{keypath}.{key}",
                    f"unknown field (expected: {', '.join(PACK_KEYS)})"
                    f"{suggest(str(key), PACK_KEYS)}",
                )
        title = self.text(entry, keypath, "title", required=True)
        introduction = self.text(entry, keypath, "introduction")
        if len(introduction) > INTRODUCTION_MAX:
            self.problem(
                f"{keypath}.introduction",
                f"the introduction has {len(introduction)} characters; keep it under "
                f"{INTRODUCTION_MAX} so that it fits on the contents page",
                "warning",
            )
        selection = self.selection(entry.get("select"), f"{keypath}.select")
        include = self.ids(entry, keypath, "include")
        exclude = self.ids(entry, keypath, "exclude")
        order, order_first = self.order(entry.get("order"), f"{keypath}.order")
        if not title:
            return None
        pack = Pack(
            id=pack_id,
            title=title,
            subtitle=self.text(entry, keypath, "subtitle"),
            introduction=introduction,
            selection=selection,
            include=include,
            exclude=exclude,
            order=order,
            order_first=order_first,
            right_hand_start=self.flag(entry, keypath, "right_hand_start"),
            booklet=self.flag(entry, keypath, "booklet"),
            archival=self.flag(entry, keypath, "archival"),
            line=self.parsed.line(keypath),
            lines={k: v for k, v in self.parsed.lines.items() if k.startswith(keypath)},
        )
        chosen = {doc.id for doc in select(pack, self.knowledge_base)}
        if not chosen:
            self.problem(
                keypath,
                f"the pack selects no published document ({selection.describe()}); "
                "widen 'select:' or add ids under 'include:'",
            )
        for index, doc_id in enumerate(order_first):
            if doc_id in self.knowledge_base.documents and doc_id not in chosen:
                self.problem(
                    f"{keypath}.order[{index}]",
                    f"'{doc_id}' is listed in 'order:' but the pack does not select it; "
                    "add it under 'include:' or remove it from 'order:'",
                )
        return pack

    def flag(self, entry: dict[str, Any], keypath: str, key: str) -> bool:
        value = entry.get(key, False)
        if not isinstance(value, bool):
            self.problem(f"{keypath}.{key}", f"expected true or false, found {describe(value)}")
            return False
        return value

    def text(self, entry: dict[str, Any], keypath: str, key: str, required: bool = False) -> str:
        value = entry.get(key)
        if value is None:
            if required:
                self.problem(keypath, f"'{key}' is missing")
            return ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.problem(f"{keypath}.{key}", f"expected text, found {describe(value)}")
            return ""
        return " ".join(str(value).split())

    def values(self, raw: Any, keypath: str) -> list[tuple[str, str]]:
        """A value or a list of values, each with its key path; other shapes are problems."""
        if raw is None:
            return []
        if isinstance(raw, list):
            items = [(f"{keypath}[{i}]", item) for i, item in enumerate(raw)]
        else:
            items = [(keypath, raw)]
        result: list[tuple[str, str]] = []
        for item_path, item in items:
            if isinstance(item, (str, int)) and not isinstance(item, bool) and str(item).strip():
                result.append((item_path, str(item).strip()))
            else:
                self.problem(
                    item_path, f"expected a value or a list of values, found {describe(item)}"
                )
        return result

    def selection(self, raw: Any, keypath: str) -> Selection:
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            self.problem(keypath, "expected fields such as 'type:', 'themes:' or 'levels:'")
            raw = {}
        for key in raw:
            if key not in SELECT_KEYS:
                self.problem(
                    f"{keypath}.{key}",
                    f"cannot select on '{key}' (expected: {', '.join(SELECT_KEYS)})"
                    f"{suggest(str(key), SELECT_KEYS)}",
                )
        taxonomy = self.knowledge_base.taxonomy

        def vocabulary(name: str, terms: Mapping[str, Any], what: str) -> tuple[str, ...]:
            labels = {k: str(getattr(v, "label", k)) for k, v in terms.items()}
            chosen: list[str] = []
            for item_path, value in self.values(raw.get(name), f"{keypath}.{name}"):
                if value in terms:
                    chosen.append(value)
                else:
                    self.problem(
                        item_path, f"'{value}' is not {what}{suggest(value, terms, labels)}"
                    )
            return tuple(chosen)

        types = vocabulary(
            "type", {t: t for t in DOCUMENT_TYPES}, f"a document type ({', '.join(DOCUMENT_TYPES)})"
        )
        themes = vocabulary("themes", taxonomy.themes, "a theme")
        levels = vocabulary("levels", taxonomy.levels, "a level")
        programmes = vocabulary("programme", taxonomy.programmes, "a programme")
        countries: list[str] = []
        for item_path, code in self.values(raw.get("countries"), f"{keypath}.countries"):
            if code.isupper() and pycountry.countries.get(alpha_2=code) is not None:
                countries.append(code)
            else:
                self.problem(
                    item_path,
                    f"'{code}' is not an ISO 3166-1 alpha-2 country code{country_hint(code)}",
                )
        languages: list[str] = []
        given = raw.get("language")
        if given is None:
            languages.append(_primary(self.settings.default_language))
        for item_path, value in self.values(given, f"{keypath}.language"):
            if LANGUAGE_PATTERN.match(value):
                languages.append(_primary(value))
            else:
                self.problem(item_path, f"'{value}' is not a language code; write e.g. en or fr")
        return Selection(
            types=types,
            themes=themes,
            levels=levels,
            countries=tuple(countries),
            programmes=programmes,
            languages=tuple(languages),
        )

    def ids(self, entry: dict[str, Any], keypath: str, key: str) -> tuple[str, ...]:
        if entry.get(key) is None:
            return ()
        found: list[str] = []
        known = self.knowledge_base.documents
        for item_path, doc_id in self.values(entry[key], f"{keypath}.{key}"):
            if doc_id not in known:
                self.problem(item_path, f"no document has the id '{doc_id}'{self.id_hint(doc_id)}")
                continue
            if key == "include" and known[doc_id].is_draft:
                self.problem(
                    item_path,
                    f"'{doc_id}' is a draft; drafts are never printed, so it stays out of the pack",
                    "warning",
                )
            found.append(doc_id)
        return tuple(found)

    def order(self, raw: Any, keypath: str) -> tuple[str, tuple[str, ...]]:
        if raw is None:
            return "type", ()
        if isinstance(raw, str) and raw in ORDER_NAMES:
            return raw, ()
        if isinstance(raw, list):
            first: list[str] = []
            for item_path, doc_id in self.values(raw, keypath):
                if doc_id not in self.knowledge_base.documents:
                    self.problem(
                        item_path, f"no document has the id '{doc_id}'{self.id_hint(doc_id)}"
                    )
                elif doc_id in first:
                    self.problem(item_path, f"'{doc_id}' is listed twice")
                else:
                    first.append(doc_id)
            return "type", tuple(first)
        hint = suggest(str(raw), ORDER_NAMES) if isinstance(raw, str) else ""
        self.problem(
            keypath,
            f"expected one of {', '.join(ORDER_NAMES)} or a list of document ids, "
            f"found {describe(raw)}{hint}",
        )
        return "type", ()

    def id_hint(self, doc_id: str) -> str:
        close = difflib.get_close_matches(doc_id, sorted(self.knowledge_base.documents), n=1)
        return f"; did you mean '{close[0]}'?" if close else ""
