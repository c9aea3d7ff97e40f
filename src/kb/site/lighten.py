"""A lighter stylesheet on top of Material: its CSS pruned to what the site uses.

Material ships one stylesheet for every feature it has (137 KB, 23 KB
gzipped, plus the palette's 12 KB), loaded before anything shows. A built
site uses a fraction of it, and every class it can use is known once MkDocs
has rendered: those in the pages, and those Material's JavaScript adds when
the site loads it. The rules whose selectors name only those classes, and
the custom properties those rules read, make one stylesheet a fifth of the
size, cached across pages. tinycss2 (WeasyPrint's CSS parser) reads it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import tinycss2
from tinycss2.ast import Node

CLASS_ATTRIBUTE = re.compile(r'\sclass="([^"]*)"')
COLOUR_ATTRIBUTE = re.compile(r'\s(data-md-color-[a-z]+)="([^"]*)"')
#: Class names Material's JavaScript sets; kept when the site loads that script.
SCRIPT_CLASS = re.compile(r"md-[a-z0-9_-]+")
CUSTOM_PROPERTY_USE = re.compile(r"var\(\s*(--[A-Za-z0-9_-]+)")
#: At-rules whose content is rules, pruned like the stylesheet itself.
GROUPING = frozenset({"media", "supports", "container", "layer"})


@dataclass
class Used:
    """What the built pages (and the scripts they load) can style."""

    classes: set[str] = field(default_factory=set)
    #: ``data-md-color-scheme`` etc.: the palette's values the pages set.
    colours: dict[str, set[str]] = field(default_factory=dict)

    def add_page(self, html_text: str) -> None:
        for match in CLASS_ATTRIBUTE.finditer(html_text):
            self.classes.update(match.group(1).split())
        for name, value in COLOUR_ATTRIBUTE.findall(html_text):
            self.colours.setdefault(name, set()).add(value)

    def merge(self, other: Used) -> None:
        self.classes |= other.classes
        for name, values in other.colours.items():
            self.colours.setdefault(name, set()).update(values)

    def add_script(self, script: str) -> None:
        self.classes.update(SCRIPT_CLASS.findall(script))


def _selectors(prelude: list[Node]) -> list[list[Node]]:
    """A rule's selector list split at its top-level commas."""
    parts: list[list[Node]] = [[]]
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            parts.append([])
        else:
            parts[-1].append(token)
    return parts


def _selector_used(tokens: list[Node], used: Used) -> bool:
    """Whether every class and palette value the selector names outside ``:not()`` etc. is used.

    Classes inside functional pseudo-classes (``:not(.x)``, ``:is(.x, .y)``)
    are not required: the rule may match without them.
    """
    previous: Node | None = None
    for token in tokens:
        if (
            token.type == "ident"
            and previous is not None
            and previous.type == "literal"
            and previous.value == "."
            and token.value not in used.classes
        ):
            return False
        if token.type == "[] block":
            inner = [t for t in token.content if t.type != "whitespace"]
            if (
                len(inner) == 3
                and inner[0].type == "ident"
                and inner[0].value in used.colours
                and inner[1].type == "literal"
                and inner[1].value == "="
                and inner[2].type in ("ident", "string")
                and inner[2].value not in used.colours[inner[0].value]
            ):
                return False
        previous = token
    return True


def _prune_rules(rules: Iterable[Node], used: Used) -> list[Node]:
    kept: list[Node] = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = [s for s in _selectors(rule.prelude) if _selector_used(s, used)]
            if selectors:
                prelude: list[Node] = []
                for number, selector in enumerate(selectors):
                    if number:
                        prelude.append(tinycss2.ast.LiteralToken(0, 0, ","))
                    prelude.extend(selector)
                rule.prelude = prelude
                kept.append(rule)
        elif rule.type == "at-rule":
            if rule.lower_at_keyword in GROUPING and rule.content is not None:
                inner = _prune_rules(
                    tinycss2.parse_rule_list(
                        rule.content, skip_comments=True, skip_whitespace=True
                    ),
                    used,
                )
                if inner:
                    rule.content = inner
                    kept.append(rule)
            else:
                kept.append(rule)
    return kept


def _declarations(rule: Node) -> list[Node]:
    return [
        d
        for d in tinycss2.parse_blocks_contents(rule.content, skip_whitespace=True)
        if d.type in ("declaration", "at-rule", "qualified-rule")
    ]


def _drop_unread_properties(rules: list[Node], read_elsewhere: set[str]) -> None:
    """Remove custom properties (``--md-…``) that no kept declaration reads.

    Material declares dozens of icons and colours as custom properties on
    ``:root``; once the rules that read them are gone, so can they be.
    """
    flat: list[Node] = []

    def walk(nodes: list[Node]) -> None:
        for node in nodes:
            if node.type == "qualified-rule":
                flat.append(node)
            elif node.type == "at-rule" and isinstance(node.content, list):
                walk(node.content)

    walk(rules)
    bodies = {id(rule): _declarations(rule) for rule in flat}
    while True:
        read: set[str] = set(read_elsewhere)
        for declarations in bodies.values():
            for declaration in declarations:
                if declaration.type == "declaration":
                    read.update(CUSTOM_PROPERTY_USE.findall(tinycss2.serialize(declaration.value)))
        changed = False
        for key, declarations in bodies.items():
            kept = [
                d
                for d in declarations
                if d.type != "declaration" or not d.name.startswith("--") or d.name in read
            ]
            if len(kept) != len(declarations):
                bodies[key] = kept
                changed = True
        if not changed:
            break
    for rule in flat:
        rule.content = _serialise_declarations(bodies[id(rule)])


def _serialise_declarations(declarations: list[Node]) -> list[Node]:
    text = ";".join(
        f"{d.name}:{tinycss2.serialize(d.value).strip()}{'!important' if d.important else ''}"
        if d.type == "declaration"
        else tinycss2.serialize([d])
        for d in declarations
    )
    return list(tinycss2.parse_component_value_list(text))


def prune_stylesheet(css: str, used: Used, readers: str = "") -> str:
    """``css`` without the rules no page can match, and without unread custom properties.

    ``readers``: other CSS the pages load (the owner's ``extra_css``): the
    custom properties it reads are kept.
    """
    rules = _prune_rules(
        tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True), used
    )
    _drop_unread_properties(rules, set(CUSTOM_PROPERTY_USE.findall(readers)))
    return str(tinycss2.serialize(_without_empty(rules)))


def _without_empty(rules: list[Node]) -> list[Node]:
    """Rules left with no declarations, and groups left with no rules, removed."""
    kept = []
    for rule in rules:
        if rule.type == "at-rule" and rule.lower_at_keyword in GROUPING:
            if isinstance(rule.content, list):
                rule.content = _without_empty(rule.content)
            if not rule.content:
                continue
        elif rule.type == "qualified-rule" and not rule.content:
            continue
        kept.append(rule)
    return kept
