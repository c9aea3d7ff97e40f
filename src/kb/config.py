"""The project's settings (from ``mkdocs.yml``) and vocabularies (``taxonomy.yml``).

A kb project is a folder with a ``mkdocs.yml`` and a ``content/`` folder.
kb's own settings live under ``extra: kb:`` in ``mkdocs.yml``, a place MkDocs
already accepts, so the site owner keeps one settings file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycountry
import yaml

from kb.content import not_utf8, read_problem
from kb.errors import KbError
from kb.inventory import read_content_file
from kb.limits import Limits
from kb.model import Facet, Programme, Taxonomy, Term, in_language
from kb.problems import Problem
from kb.siteaddress import configured_site_url
from kb.yamlsrc import TOO_DEEP, YamlText, expansion_problem, load_yaml

#: How many values mkdocs.yml may expand into: a long navigation has a few
#: thousand; an alias bomb has billions.
MAX_CONFIG_VALUES = 200_000
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


class _MkDocsLoader(yaml.SafeLoader):
    """Reads mkdocs.yml, whose ``!!python/name`` and ``!ENV`` tags are MkDocs' business."""


class TaggedScalar(str):
    """A value written with a tag in mkdocs.yml, which remembers it (to write it back)."""

    tag: str = ""


def _keep_tagged(loader: _MkDocsLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value = TaggedScalar(loader.construct_scalar(node))
        value.tag = node.tag
        return value
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_MkDocsLoader.add_multi_constructor("", _keep_tagged)


@dataclass(frozen=True)
class Settings:
    """Where the project is and the defaults its documents inherit."""

    root: Path
    content_dir: Path
    site_name: str
    site_url: str
    default_language: str
    license: str
    license_url: str
    edition: str
    mkdocs: dict[str, Any]
    #: File types the owner publishes besides images and PDF files (``.svg``).
    media_types: frozenset[str] = frozenset()
    #: ``.gitignore``-style patterns of content files kb leaves alone.
    ignore: tuple[str, ...] = ()
    #: Load Material's JavaScript (instant loading, palette toggle, code copy…);
    #: off by default, for light pages on slow links.
    material_javascript: bool = False
    start_here: str = "start-here"
    limits: Limits = field(default_factory=Limits)
    #: The languages the site is published in, the default first (``extra.kb.languages``).
    languages: tuple[str, ...] = ()
    #: The site's name, description and edition line in other languages, by language.
    site_names: Mapping[str, str] = field(default_factory=dict)
    descriptions: Mapping[str, str] = field(default_factory=dict)
    editions: Mapping[str, str] = field(default_factory=dict)
    #: Where a document is edited online, up to the content folder: the address of
    #: ``content/`` in the repository's web editor (``KB_EDIT_URL`` or ``extra.kb.edit_url``).
    edit_url: str = ""
    #: The footer's line (mkdocs.yml's ``copyright``) in other languages, by language.
    copyrights: Mapping[str, str] = field(default_factory=dict)

    @property
    def site_languages(self) -> tuple[str, ...]:
        return self.languages or (self.default_language,)

    def site_name_in(self, language: str) -> str:
        return in_language(self.site_names, language) or self.site_name

    def description_in(self, language: str) -> str:
        return in_language(self.descriptions, language) or str(
            self.mkdocs.get("site_description") or ""
        )

    def copyright_in(self, language: str) -> str:
        return in_language(self.copyrights, language) or str(self.mkdocs.get("copyright") or "")

    def edition_in(self, language: str) -> str:
        return in_language(self.editions, language) or self.edition

    def rel(self, path: Path) -> str:
        """A path as messages show it: relative to the project, with forward slashes."""
        return _project_rel(self.root, path)

    @property
    def taxonomy_path(self) -> Path:
        return self.content_dir / "taxonomy.yml"

    @property
    def packs_path(self) -> Path:
        return self.content_dir / "packs.yml"

    @property
    def glossary_path(self) -> Path:
        return self.content_dir / "glossary.yml"


def load_settings(root: Path) -> Settings:
    """Read ``mkdocs.yml`` in ``root``; a missing or unreadable file is a KbError."""
    root = root.resolve()
    config_path = root / "mkdocs.yml"
    if not root.is_dir():
        raise KbError(f"{root}: no such folder; point to a kb project with --project DIR")
    if not config_path.is_file():
        raise KbError(
            f"{config_path}: no mkdocs.yml here; run kb inside a kb project "
            "or point to one with --project DIR"
        )
    try:
        text = config_path.read_text(encoding="utf-8-sig")
        # MkDocs reads this file too (the effective configuration inherits it) and
        # expands aliases without limit, so the node graph is measured first.
        node = yaml.compose(text, Loader=_MkDocsLoader)
        too_big = expansion_problem(node, MAX_CONFIG_VALUES) if node is not None else None
        if too_big:
            raise KbError(f"mkdocs.yml:{too_big[0] + 1}: {too_big[1]}")
        raw = yaml.load(text, Loader=_MkDocsLoader) or {}
    except RecursionError:
        raise KbError(f"mkdocs.yml:1: {TOO_DEEP}") from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise KbError(f"mkdocs.yml:{line}: YAML syntax error: {exc.problem}") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise KbError(f"mkdocs.yml: cannot be read: {exc}") from None
    if not isinstance(raw, dict):
        raise KbError("mkdocs.yml: expected 'key: value' settings at the top level")
    extra = raw.get("extra") or {}
    kb = extra.get("kb") or {} if isinstance(extra, dict) else {}
    if not isinstance(kb, dict):
        raise KbError("mkdocs.yml: extra.kb must be a set of 'key: value' settings")
    configured = root / str(kb.get("content_dir", "content"))
    content_dir = configured.resolve()
    if content_dir != Path(os.path.abspath(configured)):
        # A link in the way would make a folder anywhere on the machine the content.
        raise KbError(
            f"{_project_rel(root, configured)}: the content folder is a symbolic link (or is "
            f"reached through one), to {content_dir}; kb does not follow links to or in the "
            "content folder: make it a real folder"
        )
    if not content_dir.is_dir():
        raise KbError(f"{content_dir}: the content folder does not exist")
    default_language = str(kb.get("default_language", "en"))
    editions = _per_language(kb.get("edition"), "edition", default_language)
    return Settings(
        root=root,
        content_dir=content_dir,
        site_name=str(raw.get("site_name") or "Knowledge base"),
        site_url=configured_site_url(raw),
        default_language=default_language,
        license=str(kb.get("license", "CC-BY-4.0")),
        license_url=str(kb.get("license_url", "https://creativecommons.org/licenses/by/4.0/")),
        edition=editions.pop(default_language, ""),
        mkdocs=raw,
        media_types=_media_types(kb.get("media_types")),
        ignore=_ignore_patterns(kb.get("ignore")),
        material_javascript=kb.get("material_javascript", False) is True,
        start_here=str(kb.get("start_here", "start-here") or ""),
        limits=Limits.from_settings(kb.get("limits")),
        languages=_languages(kb.get("languages"), default_language),
        site_names=_per_language(kb.get("site_name"), "site_name", default_language),
        descriptions=_per_language(
            kb.get("site_description"), "site_description", default_language
        ),
        editions=editions,
        edit_url=_edit_url(kb.get("edit_url")),
        copyrights=_per_language(kb.get("copyright"), "copyright", default_language),
    )


def _edit_url(value: Any) -> str:
    """The documents' online editor, up to the content folder, ending with '/'."""
    given = os.environ.get("KB_EDIT_URL", "").strip() or str(value or "").strip()
    if given and not re.match(r"^https?://[^\s/]+/\S*$", given):
        raise KbError(
            f"mkdocs.yml: extra.kb.edit_url: '{given}' is not a web address; write the "
            "address of the content folder in the repository's editor, such as "
            "https://github.com/ORGANISATION/REPOSITORY/edit/main/content/"
        )
    return given.rstrip("/") + "/" if given else ""


def _languages(value: Any, default_language: str) -> tuple[str, ...]:
    """``extra.kb.languages``, the default language first whether listed or not."""
    languages = [default_language]
    for code in _strings(value, "languages", "[en, fr]"):
        if not LANGUAGE_CODE.match(code):
            raise KbError(
                f"mkdocs.yml: extra.kb.languages: '{code}' is not a language code; "
                "write a two-letter code such as fr or ar"
            )
        if code not in languages:
            languages.append(code)
    return tuple(languages)


def _per_language(value: Any, name: str, default_language: str) -> dict[str, str]:
    """A text, or one text per language (``{en: ..., fr: ...}``); a lone text is the default's."""
    if value is None:
        return {}
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return {default_language: str(value)}
    if isinstance(value, dict) and all(
        isinstance(k, str) and LANGUAGE_CODE.match(k) and isinstance(v, (str, int, float))
        for k, v in value.items()
    ):
        return {k: str(v) for k, v in value.items()}
    raise KbError(
        f"mkdocs.yml: extra.kb.{name} must be a text, or one text per language "
        f'such as {{en: "2026 edition", fr: "Édition 2026"}}'
    )


def _strings(value: Any, name: str, example: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise KbError(f"mkdocs.yml: extra.kb.{name} must be a list of text, e.g. {example}")
    return [v.strip() for v in value]


def _media_types(value: Any) -> frozenset[str]:
    """``[svg, .mp4]`` as ``{'.svg', '.mp4'}``; kb's own types cannot be published as files."""
    types = set()
    for given in _strings(value, "media_types", "[svg, mp4]"):
        suffix = "." + given.lower().lstrip(".")
        if not re.fullmatch(r"\.[a-z0-9]+", suffix):
            raise KbError(
                f"mkdocs.yml: extra.kb.media_types: '{given}' is not a file type; "
                "write the extension, e.g. svg"
            )
        if suffix in (".md", ".yml", ".yaml"):
            raise KbError(
                f"mkdocs.yml: extra.kb.media_types: '{given}' files are kb's documents and "
                "settings; they are never published as files"
            )
        types.add(suffix)
    return frozenset(types)


def _ignore_patterns(value: Any) -> tuple[str, ...]:
    return tuple(_strings(value, "ignore", '["*.psd", "drafts/"]'))


def _project_rel(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def load_taxonomy(settings: Settings) -> tuple[Taxonomy, list[Problem]]:
    """Read the vocabularies; every problem in the file is reported, with its line."""
    path = settings.taxonomy_path
    rel = settings.rel(path)
    if not path.is_file() and not path.is_symlink():
        return _empty_taxonomy(), [
            Problem(rel, 1, "", "the taxonomy file is missing; it defines themes and levels")
        ]
    try:
        data = read_content_file(settings.content_dir, path)
    except OSError as exc:
        return _empty_taxonomy(), [read_problem(path, rel, exc)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        start = exc.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
        return _empty_taxonomy(), [not_utf8(data, start, rel)]
    parsed, problems = load_yaml(text.replace("\r\n", "\n").replace("\r", "\n"), rel)
    if parsed is None:
        return _empty_taxonomy(), problems
    reader = _TaxonomyReader(rel, parsed, problems, settings.site_languages)
    return reader.read(), problems


def _empty_taxonomy() -> Taxonomy:
    return Taxonomy(themes={}, levels={}, stakeholders={}, programmes={})


class _TaxonomyReader:
    def __init__(
        self,
        rel: str,
        parsed: YamlText,
        problems: list[Problem],
        languages: tuple[str, ...] = ("en",),
    ) -> None:
        self.rel = rel
        self.parsed = parsed
        self.problems = problems
        self.default_language = languages[0]
        self.languages = languages

    def problem(self, keypath: str, message: str) -> None:
        self.problems.append(Problem(self.rel, self.parsed.line(keypath), keypath, message))

    def section(self, name: str, required: bool = True) -> dict[str, Any]:
        root = self.parsed.value
        if not isinstance(root, dict):
            if name == "themes":
                self.problem("", "expected sections 'themes:', 'levels:', ... at the top level")
            return {}
        value = root.get(name)
        if value is None:
            if required:
                self.problem("", f"the section '{name}:' is missing")
            return {}
        if not isinstance(value, dict):
            self.problem(name, "expected entries of the form 'id:' with their fields below")
            return {}
        result: dict[str, Any] = {}
        for key, entry in value.items():
            keypath = f"{name}.{key}"
            if not isinstance(key, str) or not ID_PATTERN.match(key):
                usable = re.sub(r"[^a-z0-9]+", "-", str(key).lower()).strip("-")
                fits = usable and usable != str(key) and ID_PATTERN.match(usable)
                hint = f", e.g. '{usable}'" if fits else ""
                self.problem(
                    keypath,
                    f"'{key}' is not a usable id; use lowercase letters, digits and hyphens{hint}",
                )
                continue
            if entry is None:
                entry = {}
            if not isinstance(entry, dict):
                self.problem(keypath, "expected fields such as 'label:' below the id")
                continue
            result[key] = entry
        return result

    def text(self, entry: dict[str, Any], keypath: str, key: str, required: bool = False) -> str:
        value = entry.get(key)
        if value is None:
            if required:
                self.problem(keypath, f"'{key}:' is missing; add it below the id")
            return ""
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            found = "a list" if isinstance(value, list) else "a set of fields"
            if isinstance(value, bool):
                found = "yes/no; put the text in quotes"
            self.problem(f"{keypath}.{key}", f"expected text, found {found}")
            return ""
        return str(value).strip()

    def localized(
        self, entry: dict[str, Any], keypath: str, key: str, required: bool = False
    ) -> tuple[str, dict[str, str]]:
        """A text, or one per language (``label: {en: ..., fr: ...}``): the default's, the rest."""
        value = entry.get(key)
        if not isinstance(value, dict):
            text = self.text(entry, keypath, key, required)
            if required and text:
                self.missing_translations(keypath, key, {})
            return text, {}
        texts: dict[str, str] = {}
        for language in value:
            if not isinstance(language, str) or not LANGUAGE_CODE.match(language):
                self.problem(
                    f"{keypath}.{key}",
                    f"'{language}' is not a language code; write one such as en or fr",
                )
                continue
            text = self.text(value, f"{keypath}.{key}", language)
            if text:
                texts[language] = text
        default = texts.pop(self.default_language, "")
        if not default and (required or texts):
            self.problem(
                f"{keypath}.{key}",
                f"no '{self.default_language}:' text (the site's default language); add it",
            )
        if required:
            self.missing_translations(keypath, key, texts)
        return default, texts

    def missing_translations(self, keypath: str, key: str, texts: dict[str, str]) -> None:
        """A warning for each site language without its own text (the default one is shown)."""
        for language in self.languages[1:]:
            if language not in texts:
                self.problems.append(
                    Problem(
                        self.rel,
                        self.parsed.line(f"{keypath}.{key}"),
                        f"{keypath}.{key}",
                        f"no {language} text; pages in {language} show the "
                        f"{self.default_language} one: write {key}: "
                        f"{{{self.default_language}: ..., {language}: ...}}",
                        severity="warning",
                    )
                )

    def aliases(self, entry: dict[str, Any], keypath: str) -> tuple[str, ...]:
        """A term's ``aliases:``: other names for it, a list or one list per language."""
        value = entry.get("aliases")
        if value is None:
            return ()
        lists = value if isinstance(value, dict) else {"": value}
        aliases = []
        for language, names in lists.items():
            where = f"{keypath}.aliases" + (f".{language}" if language else "")
            if not isinstance(names, list):
                self.problem(where, 'expected a list of names, e.g. ["M&E"]')
                continue
            for n, alias in enumerate(names):
                if isinstance(alias, bool) or not isinstance(alias, (str, int, float)):
                    self.problem(f"{where}[{n}]", "expected a name (text)")
                elif str(alias).strip():
                    aliases.append(str(alias).strip())
        return tuple(aliases)

    def terms(self, name: str, required: bool = True) -> dict[str, Term]:
        terms: dict[str, Term] = {}
        entries = self.section(name, required)
        root = self.parsed.value
        if required and isinstance(root, dict) and root.get(name) == {}:
            self.problem(name, f"the section '{name}:' is empty; add at least one entry")
        for key, entry in entries.items():
            keypath = f"{name}.{key}"
            order = entry.get("order", 0)
            if not isinstance(order, int) or isinstance(order, bool):
                self.problem(f"{keypath}.order", "expected a whole number")
                order = 0
            label, labels = self.localized(entry, keypath, "label", required=True)
            description, descriptions = self.localized(entry, keypath, "description")
            terms[key] = Term(
                id=key,
                label=label or key,
                description=description,
                order=order,
                aliases=self.aliases(entry, keypath),
                labels=labels,
                descriptions=descriptions,
            )
        return terms

    def programmes(self) -> dict[str, Programme]:
        programmes: dict[str, Programme] = {}
        for key, entry in self.section("programmes", required=False).items():
            keypath = f"programmes.{key}"
            years = entry.get("years") or []
            if not isinstance(years, list) or not all(isinstance(y, int) for y in years):
                self.problem(f"{keypath}.years", "expected a list of years, e.g. [2006, 2011]")
                years = []
            countries = entry.get("countries") or []
            if not isinstance(countries, list):
                self.problem(
                    f"{keypath}.countries", "expected a list of country codes, e.g. [GH, BF]"
                )
                countries = []
            for n, code in enumerate(countries):
                if not isinstance(code, str) or pycountry.countries.get(alpha_2=code) is None:
                    self.problem(
                        f"{keypath}.countries[{n}]",
                        f"'{code}' is not an ISO 3166-1 alpha-2 country code (such as GH)",
                    )
            programmes[key] = Programme(
                id=key,
                name=self.text(entry, keypath, "name", required=True) or key,
                full_name=self.text(entry, keypath, "full_name"),
                years=tuple(years),
                countries=tuple(str(c) for c in countries),
                description=self.text(entry, keypath, "description"),
            )
        return programmes

    def facets(self) -> dict[str, Facet]:
        facets: dict[str, Facet] = {}
        for key, entry in self.section("facets", required=False).items():
            keypath = f"facets.{key}"
            values = entry.get("values")
            if not isinstance(values, dict) or not values:
                self.problem(keypath, "expected 'values:' with one entry per id")
                continue
            terms = {
                str(value_id): Term(
                    id=str(value_id),
                    label=str((value or {}).get("label", value_id))
                    if isinstance(value, dict)
                    else str(value_id),
                )
                for value_id, value in values.items()
            }
            facets[key] = Facet(
                id=key,
                label=self.text(entry, keypath, "label") or key,
                terms=terms,
                multiple=bool(entry.get("multiple", True)),
            )
        return facets

    def read(self) -> Taxonomy:
        taxonomy = Taxonomy(
            themes=self.terms("themes"),
            levels=self.terms("levels"),
            stakeholders=self.terms("stakeholders", required=False),
            programmes=self.programmes(),
            facets=self.facets(),
        )
        if isinstance(self.parsed.value, dict):
            known = {"themes", "levels", "stakeholders", "programmes", "facets"}
            for key in self.parsed.value:
                if key not in known:
                    self.problem(
                        str(key),
                        f"unknown section; expected one of: {', '.join(sorted(known))}",
                    )
        return taxonomy
