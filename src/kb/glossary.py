"""The glossary: the abbreviations and terms of the field, kept as data in ``content/``.

``content/glossary.yml`` is a list of terms, each with what it stands for and
what it means, and optionally its version in another language::

    - term: IWRM
      expansion: Integrated water resources management
      definition: >-
        Managing water, land and related resources together ...
      fr:
        term: GIRE
        expansion: Gestion intégrée des ressources en eau
        definition: >-
          ...

Terms with an expansion become abbreviations wherever a document uses them
(hover text on the site); every term used goes into the glossary at the end
of a pack, and all of them onto the site's glossary page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from kb.config import Settings
from kb.content import not_utf8, read_problem
from kb.inventory import read_content_file
from kb.model import Document, GlossaryEntry, GlossaryTerm
from kb.problems import Problem, Severity
from kb.yamlsrc import YamlText, load_yaml

ENTRY_KEYS = ("term", "expansion", "definition")
LANGUAGE_KEY = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
#: What a term may be: words, digits and a few joining signs (it is matched in text).
TERM_PATTERN = re.compile(r"^[^\s\[\]\n][^\[\]\n]*$")
DEFINITION_MAX = 600


def load_glossary(settings: Settings) -> tuple[tuple[GlossaryTerm, ...], list[Problem]]:
    """Read the glossary, if the project has one; every problem is reported with its line."""
    path = settings.glossary_path
    rel = settings.rel(path)
    if not path.is_file() and not path.is_symlink():
        return (), []
    try:
        data = read_content_file(settings.content_dir, path)
    except OSError as exc:
        return (), [read_problem(path, rel, exc)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        return (), [not_utf8(data, start, rel)]
    parsed, problems = load_yaml(text.replace("\r\n", "\n").replace("\r", "\n"), rel)
    if parsed is None:
        return (), problems
    reader = _GlossaryReader(rel, parsed, problems)
    return reader.read(), problems


class _GlossaryReader:
    def __init__(self, rel: str, parsed: YamlText, problems: list[Problem]) -> None:
        self.rel = rel
        self.parsed = parsed
        self.problems = problems

    def problem(self, keypath: str, message: str, severity: Severity = "error") -> None:
        self.problems.append(
            Problem(self.rel, self.parsed.line(keypath), keypath, message, severity)
        )

    def read(self) -> tuple[GlossaryTerm, ...]:
        root = self.parsed.value
        if root is None:
            return ()
        if not isinstance(root, list):
            self.problem(
                "",
                "expected a list of terms, each starting with '- term:' "
                "(followed by 'expansion:' and 'definition:')",
            )
            return ()
        terms: list[GlossaryTerm] = []
        seen: dict[str, int] = {}
        for index, item in enumerate(root):
            keypath = f"[{index}]"
            term = self.term(keypath, item)
            if term is None:
                continue
            line = self.parsed.line(keypath)
            name = term.entry.term
            if name in seen:
                self.problem(
                    f"{keypath}.term",
                    f"'{name}' is already in the glossary (line {seen[name]}); keep one entry",
                )
                continue
            seen[name] = line
            terms.append(term)
        return tuple(terms)

    def term(self, keypath: str, item: object) -> GlossaryTerm | None:
        if not isinstance(item, dict):
            self.problem(keypath, "expected a term with 'term:', 'expansion:' and 'definition:'")
            return None
        translations: dict[str, GlossaryEntry] = {}
        for key in item:
            if key in ENTRY_KEYS:
                continue
            if isinstance(key, str) and LANGUAGE_KEY.match(key):
                version = self.entry(f"{keypath}.{key}", item[key])
                if version is not None:
                    translations[key] = version
                continue
            self.problem(
                f"{keypath}.{key}",
                f"unknown field; expected {', '.join(ENTRY_KEYS)}, or a language code such as "
                "'fr:' with the term's version in that language",
            )
        entry = self.entry(keypath, item, translated=False)
        if entry is None:
            return None
        # A version that keeps the abbreviation keeps what it stands for, unless it says.
        translations = {
            code: GlossaryEntry(
                version.term or entry.term,
                version.expansion or (entry.expansion if version.term in ("", entry.term) else ""),
                version.definition,
            )
            for code, version in translations.items()
        }
        return GlossaryTerm(entry, translations, self.parsed.line(keypath))

    def entry(self, keypath: str, item: object, translated: bool = True) -> GlossaryEntry | None:
        """One language's version; a translation may leave out the term (it is the same)."""
        if not isinstance(item, dict):
            self.problem(keypath, "expected 'expansion:' and 'definition:' below the language code")
            return None
        if translated:
            for key in item:
                if key not in ENTRY_KEYS:
                    self.problem(
                        f"{keypath}.{key}",
                        f"unknown field; expected {', '.join(ENTRY_KEYS)}",
                    )
        term = self.text(keypath, item, "term", required=not translated)
        if term and not TERM_PATTERN.match(term):
            self.problem(
                f"{keypath}.term",
                f"'{term}' cannot be a term; write it on one line, without square brackets",
            )
            return None
        expansion = self.text(keypath, item, "expansion")
        definition = self.text(keypath, item, "definition", required=True)
        if len(definition) > DEFINITION_MAX:
            self.problem(
                f"{keypath}.definition",
                f"is {len(definition)} characters long; keep a definition to "
                f"{DEFINITION_MAX} at most (a glossary explains, documents elaborate)",
            )
        if (not term and not translated) or not definition:
            return None
        return GlossaryEntry(term, expansion, definition)

    def text(self, keypath: str, item: dict[str, object], key: str, required: bool = False) -> str:
        value = item.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(keypath, f"'{key}:' is missing; add it to this entry")
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problem(f"{keypath}.{key}", "expected text; put it in quotes")
            return ""
        return " ".join(str(value).split())


@lru_cache(maxsize=1024)
def _pattern(term: str) -> re.Pattern[str]:
    """Whole words, as the abbreviation extension matches them; a phrase in any case."""
    flags = re.IGNORECASE if term != term.upper() else 0
    return re.compile(rf"\b{re.escape(term)}\b", flags)


def terms_in(text: str, glossary: Sequence[GlossaryTerm], language: str) -> list[GlossaryTerm]:
    """The glossary terms ``text`` uses, in the form of ``language``, in glossary order."""
    return [term for term in glossary if _pattern(term.in_language(language).term).search(text)]


def terms_in_documents(
    documents: Iterable[Document], glossary: Sequence[GlossaryTerm], language: str
) -> list[GlossaryTerm]:
    """The terms any of ``documents`` uses (title, summary or text), sorted by term."""
    text = "\n".join(f"{d.title}\n{d.summary}\n{d.body}" for d in documents)
    found = terms_in(text, glossary, language)
    return sorted(found, key=lambda t: t.in_language(language).term.casefold())


def abbreviation_definitions(text: str, glossary: Sequence[GlossaryTerm], language: str) -> str:
    """Markdown abbreviations (``*[TAF]: ...``) for the expanded terms ``text`` uses."""
    lines = []
    for term in terms_in(text, glossary, language):
        entry = term.in_language(language)
        if entry.expansion:
            lines.append(f"*[{entry.term}]: {entry.expansion}")
    return "\n".join(lines)
