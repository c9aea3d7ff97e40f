"""The front-matter contract: what each field may hold, checked with line numbers.

``validate`` turns one parsed file into a ``Document`` and the problems found
in it, and never stops at the first: editors fix everything in one pass.
``json_schema`` gives the same contract to editors' editors.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pycountry

from kb.config import Settings
from kb.content import SourceFile
from kb.hints import country_hint, date_message, describe, suggest, text_hint
from kb.model import DOCUMENT_TYPES, STATUSES, TYPE_LABELS, Document, Source, Taxonomy, Term
from kb.pasted import EXACT_FIELDS, value_problems
from kb.problems import Problem, Severity
from kb.urls import RESERVED_IDS

SUMMARY_MAX = 300
LANGUAGE_PATTERN = re.compile(r"^([a-zA-Z]{2,3})(?:-([A-Za-z]{4}))?(?:-([A-Za-z]{2}|[0-9]{3}))?$")
DOCUMENT_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class Field:
    name: str
    description: str
    required: bool = False


#: The contract's fields, in the order a template lists them.
FIELDS: tuple[Field, ...] = (
    Field("title", "The document's title, as readers see it.", True),
    Field("type", "case-study, guideline, lesson or tool.", True),
    Field("summary", f"Plain text, at most {SUMMARY_MAX} characters.", True),
    Field("themes", "One or more theme ids from content/taxonomy.yml.", True),
    Field("levels", "One or more institutional level ids from content/taxonomy.yml.", True),
    Field("countries", "ISO 3166-1 alpha-2 country codes, e.g. [GH, BF]."),
    Field("programme", "A programme id from content/taxonomy.yml."),
    Field("stakeholders", "Stakeholder-group ids from content/taxonomy.yml."),
    Field("date", "Publication date, YYYY-MM-DD.", True),
    Field("updated", "Date of the last substantial revision, YYYY-MM-DD."),
    Field("authors", "List of names; required for case studies and guidelines."),
    Field("language", "BCP 47 language code, e.g. en or fr."),
    Field("translation_of", "The id of the document this one translates."),
    Field(
        "sources",
        "List of sources, each with id, authors, title, year, publisher and url; "
        "the text cites one as [^id].",
    ),
    Field("license", "Licence of the text; defaults to the site's licence."),
    Field("status", "published or draft."),
    Field("reviewers", "Names of the people who reviewed the document."),
    Field("review", "Link to the review discussion (for example a pull request)."),
    Field(
        "translation_review",
        "pending while a translation awaits review by a native speaker; remove the line "
        "(and add reviewers and review) once one has reviewed it.",
    ),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)
REQUIRED_FOR_AUTHORS = ("case-study", "guideline")
#: The one value of ``translation_review``: the field is there until a native speaker reviews.
REVIEW_PENDING = "pending"
SOURCE_KEYS = ("id", "authors", "title", "year", "publisher", "url")
#: A source id, as the text cites it: ``[^butterworth2011]``.
SOURCE_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
SOURCE_PARTS = {
    "id": "a short key the text cites it by, such as butterworth2011",
    "authors": "the names of its authors or editors",
    "title": "the title of the report, article or page",
    "url": "its web address",
    "year": "the year it was published",
    "publisher": "the organisation that published it",
}


class _Checker:
    def __init__(self, source: SourceFile, taxonomy: Taxonomy, settings: Settings) -> None:
        self.source = source
        self.meta: dict[str, Any] = source.front_matter.value
        self.taxonomy = taxonomy
        self.settings = settings
        self.problems: list[Problem] = []
        self.placeholders = dict(placeholders(self.meta))
        exact = EXACT_FIELDS | set(taxonomy.facets)
        self.pasted, self.pasted_paths = value_problems(
            self.meta,
            source.front_matter.lines,
            source.front_text.split("\n"),
            source.rel,
            2,
            exact,
        )

    def line(self, keypath: str) -> int:
        return self.source.front_matter.line(keypath)

    def problem(self, keypath: str, message: str, severity: Severity = "error") -> None:
        if self.placeholders and _within(keypath, self.placeholders):
            return  # the placeholder problem says it all: "'TODO' is not a theme" adds nothing
        if keypath in self.pasted_paths:
            return  # the pasted character, named, says more than "is not a theme"
        self.problems.append(
            Problem(self.source.rel, self.line(keypath), keypath, message, severity)
        )

    # -- single values -------------------------------------------------------

    def text(self, name: str, required: bool = False) -> str:
        value = self.meta.get(name)
        if isinstance(value, str):
            value = value.strip()
        if value is None or value == "":
            if required:
                self.missing(name)
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problem(name, f"expected text, found {describe(value)}{text_hint(value)}")
            return ""
        return str(value)

    def missing(self, name: str) -> None:
        """A required field that is absent, or present with nothing after the ':'."""
        if name in self.source.front_matter.refused:
            return  # its value was refused (a YAML tag); that problem is reported already
        field = next(f for f in FIELDS if f.name == name)
        if name in self.meta:
            self.problem(name, f"is empty; write a value after '{name}:' ({field.description})")
            return
        self.problems.append(
            Problem(
                self.source.rel,
                1,
                name,
                f"required field is missing; add '{name}:' to the front matter "
                f"({field.description})",
            )
        )

    def choice(self, name: str, choices: Iterable[str], what: str, required: bool = False) -> str:
        value = self.text(name, required)
        choices = list(choices)
        if value and value not in choices:
            self.problem(
                name,
                f"'{value}' is not {what} (expected one of: {', '.join(choices)})"
                f"{suggest(value, choices)}",
            )
            return ""
        return value

    def date(self, name: str, required: bool = False) -> dt.date | None:
        value = self.meta.get(name)
        if value is None:
            if required:
                self.missing(name)
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.problem(name, date_message(value))
        return None

    def url(self, keypath: str, value: Any) -> str:
        if value is None or value == "":
            return ""
        if not isinstance(value, str) or not re.match(r"^https?://[^\s/]+\.[^\s]+$", value):
            self.problem(
                keypath, f"expected a web address starting with https://, found {describe(value)}"
            )
            return ""
        return value

    # -- lists ---------------------------------------------------------------

    def items(self, name: str, required: bool = False) -> list[tuple[str, Any]]:
        """The list under ``name`` with each item's key path; wrong shapes reported."""
        value = self.meta.get(name)
        if value is None or value == []:
            if required:
                self.missing(name)
            return []
        if not isinstance(value, list):
            hint = ""
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                hint = f"; write it as [{value}]"
            self.problem(name, f"expected a list, found {describe(value)}{hint}")
            return []
        return [(f"{name}[{i}]", item) for i, item in enumerate(value)]

    def strings(self, name: str, required: bool = False) -> tuple[str, ...]:
        result = []
        for keypath, item in self.items(name, required):
            if isinstance(item, bool) or not isinstance(item, (str, int, float)) or item == "":
                self.problem(keypath, f"expected text, found {describe(item)}")
                continue
            result.append(str(item).strip())
        return tuple(result)

    def vocabulary(
        self, name: str, terms: Mapping[str, Term], what: str, required: bool = False
    ) -> tuple[str, ...]:
        labels = {term_id: term.label for term_id, term in terms.items()}
        result: list[str] = []
        if not terms and not required and self.meta.get(name):
            self.problem(
                name,
                f"content/taxonomy.yml defines no values for '{name}'; remove this field "
                "or add the values to the taxonomy",
            )
            return ()
        for keypath, item in self.items(name, required):
            if not isinstance(item, str):
                self.problem(keypath, f"expected {what} id, found {describe(item)}")
                continue
            # A required vocabulary that is empty means the taxonomy is broken, and
            # says so once; repeating it in every document would bury that message.
            if item not in terms and terms:
                hint = suggest(item, terms, labels)
                if not hint:
                    hint = (
                        f"; expected one of: {', '.join(terms)}"
                        if len(terms) <= 20
                        else ("; see content/taxonomy.yml for the list")
                    )
                self.problem(keypath, f"'{item}' is not {what}{hint}")
                continue
            if item in result:
                self.problem(keypath, f"'{item}' is listed twice", "warning")
                continue
            result.append(item)
        return tuple(result)

    def countries(self) -> tuple[str, ...]:
        result: list[str] = []
        for keypath, item in self.items("countries"):
            code = str(item) if isinstance(item, (str, int)) and not isinstance(item, bool) else ""
            if not code:
                self.problem(keypath, f"expected a two-letter country code, found {describe(item)}")
                continue
            if pycountry.countries.get(alpha_2=code) is not None and code.isupper():
                result.append(code)
                continue
            self.problem(
                keypath, f"'{code}' is not an ISO 3166-1 alpha-2 country code{country_hint(code)}"
            )
        return tuple(result)

    def sources(self) -> tuple[Source, ...]:
        result: list[Source] = []
        seen_ids: dict[str, str] = {}
        for keypath, item in self.items("sources"):
            if not isinstance(item, dict):
                self.problem(
                    keypath,
                    "expected a source with 'title:' (and 'id:', 'authors:', 'year:', "
                    f"'publisher:', 'url:'), found {describe(item)}",
                )
                continue
            for key in item:
                if key not in SOURCE_KEYS:
                    self.problem(
                        f"{keypath}.{key}",
                        f"unknown source field (expected: {', '.join(SOURCE_KEYS)})"
                        f"{suggest(str(key), SOURCE_KEYS)}",
                        "warning",
                    )
            title = item.get("title")
            if not isinstance(title, str) or not title.strip():
                self.problem(keypath, "every source needs a 'title:'")
                continue
            year = item.get("year")
            if year is not None and (not isinstance(year, int) or isinstance(year, bool)):
                hint = (
                    f"; write it without quotes: year: {year.strip()}"
                    if isinstance(year, str) and year.strip().isdigit()
                    else ""
                )
                self.problem(
                    f"{keypath}.year",
                    f"expected a year such as 2012, found {describe(year)}{hint}",
                )
                year = None
            publisher = item.get("publisher")
            result.append(
                Source(
                    title=title.strip(),
                    url=self.url(f"{keypath}.url", item.get("url")),
                    year=year,
                    publisher=str(publisher).strip() if publisher else "",
                    id=self.source_id(keypath, item.get("id"), seen_ids),
                    authors=self.source_authors(f"{keypath}.authors", item.get("authors")),
                )
            )
        return tuple(result)

    def source_id(self, keypath: str, value: Any, seen: dict[str, str]) -> str:
        """A source's citation key: short, unique in the document, usable in ``[^id]``."""
        if value is None or value == "":
            return ""
        text = str(value).strip() if isinstance(value, (str, int)) else ""
        if isinstance(value, bool) or not text or not SOURCE_ID_PATTERN.match(text):
            usable = re.sub(r"[^A-Za-z0-9_-]+", "", text)
            hint = f", e.g. '{usable}'" if usable and SOURCE_ID_PATTERN.match(usable) else ""
            self.problem(
                f"{keypath}.id",
                f"'{text or describe(value)}' cannot be a source id; use letters, digits, "
                f"hyphens and underscores only{hint}",
            )
            return ""
        if text in seen:
            self.problem(
                f"{keypath}.id",
                f"'{text}' is also the id of {seen[text]}; each source needs its own id",
            )
            return ""
        seen[text] = keypath
        return text

    def source_authors(self, keypath: str, value: Any) -> tuple[str, ...]:
        """A source's authors: a list of names, or one string as the source prints them."""
        if value is None or value == "" or value == []:
            return ()
        if isinstance(value, str):
            return (value.strip(),)
        if isinstance(value, list) and all(
            isinstance(name, str) and name.strip() for name in value
        ):
            return tuple(name.strip() for name in value)
        self.problem(
            keypath,
            f'expected a list of names such as ["John Butterworth", "Patricia Bury"], '
            f"found {describe(value)}",
        )
        return ()

    def reference(self, name: str) -> str | None:
        value = self.text(name)
        if not value:
            return None
        if not DOCUMENT_ID_PATTERN.match(value) or ".." in value:
            self.problem(
                name,
                f"'{value}' is not a document id; an id is a file name without '.md' "
                "and without folders, e.g. accra-stormwater",
            )
            return None
        return value

    def language(self) -> str:
        value = self.text("language") or self.settings.default_language
        match = LANGUAGE_PATTERN.match(value)
        primary = match.group(1).lower() if match else ""
        known = (
            (
                pycountry.languages.get(alpha_2=primary)
                if len(primary) == 2
                else pycountry.languages.get(alpha_3=primary)
            )
            if primary
            else None
        )
        if not known:
            self.problem(
                "language",
                f"'{value}' is not a BCP 47 language code; write e.g. en, fr or pt-BR",
            )
        return value

    def translation_review(self, translation_of: str | None, reviewers: tuple[str, ...]) -> bool:
        """Whether the document is a translation still awaiting a native speaker's review."""
        if "translation_review" not in self.meta:
            return False
        value = self.text("translation_review")
        if value != REVIEW_PENDING:
            self.problem(
                "translation_review",
                f"'{value or describe(self.meta['translation_review'])}' is not a review state; "
                f"write 'translation_review: {REVIEW_PENDING}' while the translation awaits "
                "review by a native speaker, and remove the line once one has reviewed it",
            )
            return False
        if translation_of is None and "translation_of" not in self.meta:
            self.problem(
                "translation_review",
                "only a translation awaits a translation review; add 'translation_of: ID' "
                "(the original's id) or remove the line",
            )
            return False
        if reviewers:
            self.problem(
                "translation_review",
                f"the translation names reviewers ({', '.join(reviewers)}) but is still "
                f"marked '{REVIEW_PENDING}'; once a native speaker has reviewed it, "
                "remove 'translation_review'",
                "warning",
            )
        return True

    # -- the whole document --------------------------------------------------

    def report_placeholders(self) -> None:
        """Each template placeholder left in the front matter, with what to write instead."""
        vocabularies: dict[str, tuple[Mapping[str, Any], str]] = {
            "themes": (self.taxonomy.themes, "theme"),
            "levels": (self.taxonomy.levels, "level"),
            "stakeholders": (self.taxonomy.stakeholders, "stakeholder group"),
            "programme": (self.taxonomy.programmes, "programme"),
        }
        for keypath, value in self.placeholders.items():
            name = re.split(r"[.\[]", keypath, maxsplit=1)[0]
            shown = value if len(value) <= 40 else value[:37].rstrip() + "..."
            message = f"replace the template's placeholder '{shown}'"
            if name in vocabularies:
                terms, what = vocabularies[name]
                ids = ", ".join(terms) if 0 < len(terms) <= 20 else "see content/taxonomy.yml"
                message += f" with {what} ids ({ids})"
            elif keypath.startswith("sources[") and keypath.rsplit(".", 1)[-1] in SOURCE_PARTS:
                message += f" with {SOURCE_PARTS[keypath.rsplit('.', 1)[-1]]}"
            elif name in described_fields():
                message += f" ({described_fields()[name]})"
            self.problems.append(Problem(self.source.rel, self.line(keypath), keypath, message))

    def check(self) -> Document | None:
        meta = self.meta
        taxonomy = self.taxonomy
        self.report_placeholders()
        self.problems.extend(self.pasted)
        known = set(FIELD_NAMES) | set(taxonomy.facets)
        for key in meta:
            if str(key) not in known:
                hint = suggest(str(key), sorted(known))
                self.problem(
                    str(key),
                    f"unknown field{hint or '; it is ignored'}",
                    "warning",
                )
        title = self.text("title", required=True)
        doc_type = self.choice("type", DOCUMENT_TYPES, "a document type", required=True)
        summary = self.text("summary", required=True)
        if len(summary) > SUMMARY_MAX:
            self.problem(
                "summary",
                f"is {len(summary)} characters long; keep it to {SUMMARY_MAX} at most",
            )
        themes = self.vocabulary("themes", taxonomy.themes, "a theme", required=True)
        levels = self.vocabulary("levels", taxonomy.levels, "a level", required=True)
        countries = self.countries()
        programme = self.text("programme")
        if programme and programme not in taxonomy.programmes:
            self.problem(
                "programme",
                f"'{programme}' is not a programme{suggest(programme, taxonomy.programmes)}",
            )
            programme = ""
        stakeholders = self.vocabulary("stakeholders", taxonomy.stakeholders, "a stakeholder group")
        date = self.date("date", required=True)
        updated = self.date("updated")
        if date and updated and updated < date:
            self.problem(
                "updated",
                f"{updated.isoformat()} is before the document's date {date.isoformat()}",
                "warning",
            )
        authors = self.strings("authors")
        if doc_type in REQUIRED_FOR_AUTHORS and not authors and "authors" not in meta:
            self.problems.append(
                Problem(
                    self.source.rel,
                    1,
                    "authors",
                    f"required for a {TYPE_LABELS[doc_type][0].lower()}; "
                    "add 'authors: [\"Name\"]' to the front matter",
                )
            )
        language = self.language()
        translation_of = self.reference("translation_of")
        if translation_of == self.source.doc_id:
            self.problem("translation_of", "a document cannot be a translation of itself")
            translation_of = None
        sources = self.sources()
        license_ = self.text("license") or self.settings.license
        status = self.choice("status", STATUSES, "a status") or "published"
        reviewers = self.strings("reviewers")
        review = self.url("review", meta.get("review"))
        review_pending = self.translation_review(translation_of, reviewers)
        facets = {
            facet.id: self.vocabulary(facet.id, facet.terms, f"a value of {facet.label}")
            for facet in taxonomy.facets.values()
        }
        for facet in taxonomy.facets.values():
            if not facet.multiple and len(facets[facet.id]) > 1:
                self.problem(facet.id, f"{facet.label} takes one value")
        if not DOCUMENT_ID_PATTERN.match(self.source.doc_id):
            self.problems.append(
                Problem(
                    self.source.rel,
                    1,
                    "",
                    f"'{self.source.doc_id}' cannot be a document id; name the file with "
                    "letters, digits and hyphens only",
                )
            )
        reserved = RESERVED_IDS.get(self.source.doc_id.casefold())
        if reserved:
            folder = DOCUMENT_TYPES.get(doc_type or "", "each type's folder")
            self.problems.append(
                Problem(
                    self.source.rel,
                    1,
                    "",
                    f"'{self.source.doc_id}' cannot be a document id: the site uses that name "
                    f"for {reserved.format(folder=folder)}, which this document would "
                    "replace; rename the file "
                    "(or its folder, for a document kept as index.md)",
                )
            )
        if any(p.is_error for p in self.problems) or self.source.front_matter.partial:
            return None
        assert date is not None
        return Document(
            id=self.source.doc_id,
            path=self.source.rel,
            type=doc_type,
            title=title,
            summary=summary,
            themes=themes,
            levels=levels,
            date=date,
            body=self.source.body,
            body_line=self.source.body_line,
            language=language,
            license=license_,
            countries=countries,
            programme=programme or None,
            stakeholders=stakeholders,
            updated=updated,
            authors=authors,
            translation_of=translation_of,
            sources=sources,
            status=status,
            reviewers=reviewers,
            review=review,
            review_pending=review_pending,
            facets=facets,
            lines=dict(self.source.front_matter.lines),
        )


PLACEHOLDER = re.compile(r"^\s*TODO\b")


def placeholders(value: Any, keypath: str = "") -> Iterator[tuple[str, str]]:
    """Key paths of the ``TODO`` placeholders ``kb new`` leaves for the editor to replace."""
    if isinstance(value, str):
        if keypath and PLACEHOLDER.match(value):
            yield keypath, value.strip()
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from placeholders(item, f"{keypath}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from placeholders(item, f"{keypath}.{key}" if keypath else str(key))


def _within(keypath: str, roots: Mapping[str, str]) -> bool:
    """Whether ``keypath`` is one of ``roots`` or lies inside one."""
    return any(keypath == root or keypath.startswith((f"{root}.", f"{root}[")) for root in roots)


def described_fields() -> dict[str, str]:
    """Field name to its description, without the final full stop."""
    return {f.name: f.description.rstrip(".") for f in FIELDS}


def validate(
    source: SourceFile, taxonomy: Taxonomy, settings: Settings
) -> tuple[Document | None, list[Problem]]:
    """Check one file's front matter against the contract and the vocabularies."""
    checker = _Checker(source, taxonomy, settings)
    document = checker.check()
    return document, checker.problems


Validator = Callable[[SourceFile, Taxonomy, Settings], tuple[Document | None, list[Problem]]]
