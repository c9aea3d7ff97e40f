"""The HTML a document body may publish: one allowlist, applied to the site and the PDFs.

Bodies come from pull requests, so their HTML (raw tags, ``md_in_html``
blocks, attribute lists, link addresses) is cleaned after Markdown has
rendered it, by nh3 (the Ammonia sanitiser): what is not on the list below
goes, and a tag's words stay unless it is a script or a style. ``kb check``
reports the same removals with their lines (``kb.htmlcheck``), so a pull
request that relies on them fails before anything is published.

The site's Markdown is rendered by MkDocs, so the cleaning is a Python-Markdown
extension (this module, named ``kb.sanitize`` in the effective ``mkdocs.yml``)
rather than an MkDocs plugin; the PDFs' renderer uses the same extension.
A site owner who trusts their editors widens the list under ``extra: kb:
html:`` in ``mkdocs.yml`` (see ``allowance``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import nh3
from markdown import Markdown
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor

from kb.citations import PlainNotes
from kb.config import Settings
from kb.errors import KbError

#: Tags a body may use: text, lists, tables, figures, collapsible blocks, and what
#: Python-Markdown, pymdownx and Material make of Markdown (task lists are inputs).
TAGS = frozenset(
    """a abbr acronym article aside b bdi bdo blockquote br caption center cite code col
    colgroup data dd del details dfn div dl dt em figcaption figure footer h1 h2 h3 h4 h5 h6
    header hgroup hr i img input ins kbd label li mark ol p pre q rp rt rtc ruby s samp
    section small span strike strong sub summary sup table tbody td tfoot th thead time
    tr tt u ul var wbr""".split()
)
#: Attributes any tag may have. ``style`` keeps only STYLE_PROPERTIES (tables' alignment);
#: ``data-pagefind-ignore`` keeps a part of a body out of the search index.
GLOBAL_ATTRIBUTES = frozenset({"id", "class", "title", "lang", "dir", "style"})
ATTRIBUTES: Mapping[str, frozenset[str]] = {
    "*": GLOBAL_ATTRIBUTES | {"data-pagefind-ignore"},
    "a": frozenset({"href", "hreflang", "download"}),
    "img": frozenset({"src", "alt", "width", "height", "align", "loading"}),
    "blockquote": frozenset({"cite"}),
    "q": frozenset({"cite"}),
    "del": frozenset({"cite", "datetime"}),
    "ins": frozenset({"cite", "datetime"}),
    "time": frozenset({"datetime"}),
    "details": frozenset({"open"}),
    "ol": frozenset({"start", "type", "reversed"}),
    "li": frozenset({"value"}),
    "table": frozenset({"align", "border", "summary"}),
    "col": frozenset({"span", "width", "align"}),
    "colgroup": frozenset({"span", "width", "align"}),
    "th": frozenset({"colspan", "rowspan", "headers", "scope", "align", "valign"}),
    "td": frozenset({"colspan", "rowspan", "headers", "align", "valign"}),
    "tr": frozenset({"align", "valign"}),
    "input": frozenset({"checked", "disabled"}),
}
#: Attributes allowed with some values only: a task list's box, a link opening a new tab.
ATTRIBUTE_VALUES: Mapping[str, Mapping[str, frozenset[str]]] = {
    "input": {"type": frozenset({"checkbox"})},
    "a": {"target": frozenset({"_blank"})},
}
#: Set on every such tag whatever the body says: a task list's box is never a form field.
FORCED_VALUES: Mapping[str, Mapping[str, str]] = {"input": {"disabled": ""}}
#: CSS properties a ``style`` attribute keeps: nothing that can hide or move the page.
STYLE_PROPERTIES = frozenset({"text-align", "vertical-align"})
#: Tags removed with everything inside them (their text is code, not words).
CONTENT_TAGS = frozenset({"script", "style"})
#: Address schemes a link or an image may use (Ammonia's list: none runs script);
#: an address without a scheme (a relative link) is always allowed.
URL_SCHEMES = frozenset(nh3.ALLOWED_URL_SCHEMES)
#: Attributes whose value is an address (Ammonia checks these against the schemes).
URL_ATTRIBUTES = frozenset({"href", "src", "cite", "action", "formaction", "data", "poster"})

#: How the ids Material for MkDocs gives its own elements begin (``__config``, whose
#: settings its script reads by id, ``__drawer``, ``__search``...).
RESERVED_ID = "__"

#: kb's own markers in a generated page (see ``kb.site.markup.placeholder``): kept
#: while the comments around them go.
KB_MARKER = re.compile(r"<!-- kb:[A-Za-z0-9_-]+ -->")


@dataclass(frozen=True)
class Policy:
    """What survives cleaning: tags, attributes (``*`` for every tag), schemes, CSS."""

    tags: frozenset[str] = TAGS
    attributes: tuple[tuple[str, frozenset[str]], ...] = tuple(sorted(ATTRIBUTES.items()))
    attribute_values: tuple[tuple[str, tuple[tuple[str, frozenset[str]], ...]], ...] = tuple(
        sorted((tag, tuple(sorted(values.items()))) for tag, values in ATTRIBUTE_VALUES.items())
    )
    url_schemes: frozenset[str] = URL_SCHEMES
    style_properties: frozenset[str] = STYLE_PROPERTIES
    content_tags: frozenset[str] = field(default=CONTENT_TAGS)

    def attributes_of(self, tag: str) -> frozenset[str]:
        """The attributes ``tag`` may have with any value."""
        table = dict(self.attributes)
        return table.get("*", frozenset()) | table.get(tag, frozenset())

    def values_of(self, tag: str, attribute: str) -> frozenset[str] | None:
        """The values ``attribute`` of ``tag`` is restricted to, or None when not restricted."""
        for name, pairs in self.attribute_values:
            if name == tag:
                for restricted, values in pairs:
                    if restricted == attribute:
                        return values
        return None

    def widened(self, allowance: Allowance) -> Policy:
        """This policy with what the site owner adds."""
        attributes = dict(self.attributes)
        values = {tag: dict(pairs) for tag, pairs in self.attribute_values}
        for tag, names in allowance.attributes:
            attributes[tag] = attributes.get(tag, frozenset()) | names
            # An attribute allowed with any value is no longer restricted to some.
            for restricted_tag in list(values) if tag == "*" else [tag]:
                for name in names:
                    values.get(restricted_tag, {}).pop(name, None)
        tags = self.tags | allowance.tags
        return Policy(
            tags=tags,
            attributes=tuple(sorted(attributes.items())),
            attribute_values=tuple(
                sorted(
                    (tag, tuple(sorted(pairs.items()))) for tag, pairs in values.items() if pairs
                )
            ),
            url_schemes=self.url_schemes | allowance.url_schemes,
            style_properties=self.style_properties | allowance.style_properties,
            content_tags=self.content_tags - tags,
        )

    def cleaner(
        self, attribute_filter: Callable[[str, str, str], str | None] | None = None
    ) -> nh3.Cleaner:
        """An nh3 cleaner for this policy (comments go; no ``rel`` is added to links).

        Ids the theme uses (``__config``, ``__drawer``...) go too: an element of a
        body with one would stand in for the theme's own, which its script reads.
        """
        extra = attribute_filter

        def keep(tag: str, attribute: str, value: str) -> str | None:
            if attribute == "id" and value.startswith(RESERVED_ID):
                return None
            return extra(tag, attribute, value) if extra else value

        return nh3.Cleaner(
            tags=set(self.tags),
            clean_content_tags=set(self.content_tags),
            attributes={tag: set(names) for tag, names in self.attributes},
            attribute_filter=keep,
            strip_comments=True,
            link_rel=None,
            tag_attribute_values={
                tag: {name: set(values) for name, values in pairs}
                for tag, pairs in self.attribute_values
            },
            set_tag_attribute_values={
                tag: dict(values) for tag, values in FORCED_VALUES.items() if tag in self.tags
            },
            url_schemes=set(self.url_schemes),
            filter_style_properties=set(self.style_properties),
        )


@dataclass(frozen=True)
class Allowance:
    """What the site owner adds to the allowlist (``extra: kb: html:`` in mkdocs.yml)."""

    tags: frozenset[str] = frozenset()
    attributes: tuple[tuple[str, frozenset[str]], ...] = ()
    url_schemes: frozenset[str] = frozenset()
    style_properties: frozenset[str] = frozenset()

    def as_config(self) -> dict[str, Any]:
        """The allowance as plain lists, for the effective mkdocs.yml."""
        return {
            "tags": sorted(self.tags),
            "attributes": {tag: sorted(names) for tag, names in self.attributes},
            "url_schemes": sorted(self.url_schemes),
            "style_properties": sorted(self.style_properties),
        }


def _names(value: Any, where: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise KbError(f"mkdocs.yml: {where} must be a list of names, e.g. [{where.split('.')[-1]}]")
    return frozenset(v.strip().lower() for v in value)


def read_allowance(raw: Any, where: str = "extra.kb.html") -> Allowance:
    """The owner's additions from their ``mkdocs.yml`` value; a wrong shape is a KbError."""
    if raw is None:
        return Allowance()
    if not isinstance(raw, dict):
        raise KbError(
            f"mkdocs.yml: {where} must be a set of 'key: value' settings "
            "(tags, attributes, url_schemes, style_properties)"
        )
    known = {"tags", "attributes", "url_schemes", "style_properties"}
    unknown = sorted(str(k) for k in raw if k not in known)
    if unknown:
        raise KbError(
            f"mkdocs.yml: {where} has no setting '{unknown[0]}'; expected one of "
            + ", ".join(sorted(known))
        )
    attributes_raw = raw.get("attributes") or {}
    if not isinstance(attributes_raw, dict):
        raise KbError(
            f"mkdocs.yml: {where}.attributes must map a tag (or '*' for every tag) "
            "to a list of attribute names, e.g. {{iframe: [src, title]}}"
        )
    attributes = tuple(
        sorted(
            (str(tag).lower(), _names(names, f"{where}.attributes.{tag}"))
            for tag, names in attributes_raw.items()
        )
    )
    return Allowance(
        tags=_names(raw.get("tags"), f"{where}.tags"),
        attributes=attributes,
        url_schemes=_names(raw.get("url_schemes"), f"{where}.url_schemes"),
        style_properties=_names(raw.get("style_properties"), f"{where}.style_properties"),
    )


def allowance(settings: Settings) -> Allowance:
    """What the site owner of ``settings`` adds to the allowlist."""
    extra = settings.mkdocs.get("extra")
    kb = extra.get("kb") if isinstance(extra, dict) else None
    return read_allowance(kb.get("html") if isinstance(kb, dict) else None)


def policy(settings: Settings) -> Policy:
    """The allowlist for the bodies of ``settings``' project."""
    return _policy(allowance(settings))


@lru_cache(maxsize=16)
def _policy(owner: Allowance) -> Policy:
    return Policy().widened(owner)


@lru_cache(maxsize=16)
def _cleaner(rules: Policy) -> nh3.Cleaner:
    return rules.cleaner()


def clean(markup: str, rules: Policy, cleaner: nh3.Cleaner | None = None) -> str:
    """``markup`` with everything ``rules`` do not allow removed; kb's markers kept.

    The markup is cleaned piece by piece between kb's markers, so nothing
    before a marker can reach past it (an unclosed tag is closed where the
    piece ends).
    """
    use = cleaner or _cleaner(rules)
    if "<!-- kb:" not in markup:
        return str(use.clean(markup))
    pieces: list[str] = []
    position = 0
    for marker in KB_MARKER.finditer(markup):
        pieces.append(str(use.clean(markup[position : marker.start()])))
        pieces.append(marker.group(0))
        position = marker.end()
    pieces.append(str(use.clean(markup[position:])))
    return "".join(pieces)


class _Sanitiser(Postprocessor):
    def __init__(self, md: Markdown, rules: Policy, cleaner: nh3.Cleaner | None) -> None:
        super().__init__(md)
        self.rules = rules
        self.cleaner = cleaner

    def run(self, text: str) -> str:
        return clean(text, self.rules, self.cleaner)


class SanitiseExtension(Extension):
    """Cleans the rendered HTML, after every other step, with kb's allowlist."""

    def __init__(self, **kwargs: Any) -> None:
        self.config = {
            "allow": [
                {},
                "What the site owner adds: tags, attributes, url_schemes, style_properties",
            ]
        }
        self.rules: Policy | None = kwargs.pop("rules", None)
        self.cleaner: nh3.Cleaner | None = kwargs.pop("cleaner", None)
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:  # Markdown's name for the hook
        rules = self.rules or _policy(read_allowance(self.getConfig("allow") or None))
        # Lower than every built-in step (raw HTML is put back at 30), so nothing follows it.
        md.postprocessors.register(_Sanitiser(md, rules, self.cleaner), "kb_sanitise", -100)
        # Every rendering kb makes passes through this extension, so the notes' rule rides on it.
        md.treeprocessors.register(PlainNotes(md), "kb_plain_notes", 6)


def makeExtension(**kwargs: Any) -> SanitiseExtension:  # Python-Markdown's entry point
    """``kb.sanitize`` named in a Markdown extensions list."""
    return SanitiseExtension(**kwargs)


def extension_entry(settings: Settings) -> dict[str, Any]:
    """The extension as the effective mkdocs.yml lists it, with the owner's additions."""
    owner = allowance(settings)
    return {"kb.sanitize": {"allow": owner.as_config()} if owner != Allowance() else {}}


def print_filter(images: Callable[[], Iterable[str]]) -> Callable[[str, str, str], str | None]:
    """For print: a ``file:`` address survives only as an image kb itself pointed at."""

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if value[:5].lower() == "file:" and (attribute != "src" or value not in set(images())):
            return None
        return value

    return keep
