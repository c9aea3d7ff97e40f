"""YAML that remembers where each value came from.

PyYAML's ``safe_load`` loses line numbers, keeps the last of two duplicate
keys without a word, and expands aliases without limit. Editors need to be
told the line of the offending key, and a hostile file must not hang the
check, so kb composes the YAML node graph itself and turns it into plain
Python here: standard tags only, duplicate keys reported, and a budget on
the number of values an alias may expand into.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from kb.problems import Problem

try:  # libyaml is several times faster; the pure-Python loader gives the same marks
    _Loader: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"

#: How many values one YAML text may expand into. Real front matter has a few
#: dozen; an alias bomb has billions.
MAX_VALUES = 20_000


@dataclass
class YamlText:
    """Plain Python values and the 1-based line of each, by key path.

    Key paths are ``title``, ``sources[0]``, ``sources[0].url``, ``themes[2]``.
    """

    value: Any
    lines: dict[str, int] = field(default_factory=dict)

    def line(self, keypath: str, default: int = 1) -> int:
        return self.lines.get(keypath, default)


class _Budget(Exception):
    pass


def load_yaml(text: str, path: str, first_line: int = 1) -> tuple[YamlText | None, list[Problem]]:
    """Parse ``text`` (which starts at ``first_line`` of ``path``).

    Returns ``None`` and the problems when the text cannot be read at all;
    otherwise the values, with problems such as duplicate keys alongside.
    """
    problems: list[Problem] = []
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + (mark.line if mark else 0)
        what = exc.problem or "cannot be read"
        problems.append(Problem(path, line, "", f"YAML syntax error: {what}{_yaml_hint(what)}"))
        return None, problems
    except yaml.YAMLError as exc:
        problems.append(Problem(path, first_line, "", f"YAML syntax error: {exc}"))
        return None, problems
    if node is None:
        return YamlText(None), problems
    builder = _Builder(path, first_line, problems)
    try:
        value = builder.build(node, "")
    except _Budget:
        problems.append(
            Problem(
                path,
                first_line,
                "",
                f"YAML expands into more than {MAX_VALUES:,} values (anchors and aliases "
                "repeated inside each other); write the values out plainly",
            )
        )
        return None, problems
    return YamlText(value, builder.lines), problems


def _yaml_hint(problem: str) -> str:
    if "mapping values are not allowed" in problem:
        return "; a value that contains ': ' must be put in quotes"
    if "found character '\\t'" in problem:
        return "; indent with spaces, not tabs"
    return ""


class _Builder:
    def __init__(self, path: str, first_line: int, problems: list[Problem]) -> None:
        self.path = path
        self.first_line = first_line
        self.problems = problems
        self.lines: dict[str, int] = {}
        self.count = 0
        self.constructor = SafeConstructor()

    def line_of(self, node: Node) -> int:
        return self.first_line + node.start_mark.line

    def build(self, node: Node, keypath: str) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise _Budget
        if keypath and keypath not in self.lines:
            self.lines[keypath] = self.line_of(node)
        if isinstance(node, ScalarNode):
            return self.scalar(node, keypath)
        expected = _SEQ_TAG if isinstance(node, SequenceNode) else _MAP_TAG
        if not self.tag_allowed(node, expected, keypath):
            return None
        if isinstance(node, SequenceNode):
            return [self.build(item, f"{keypath}[{i}]") for i, item in enumerate(node.value)]
        assert isinstance(node, MappingNode)
        return self.mapping(node, keypath)

    def tag_allowed(self, node: Node, expected: str, keypath: str) -> bool:
        if node.tag == expected:
            return True
        self.problems.append(
            Problem(
                self.path,
                self.line_of(node),
                keypath,
                f"the YAML tag '{node.tag}' is not allowed; remove it and write a plain value",
            )
        )
        return False

    def scalar(self, node: ScalarNode, keypath: str) -> Any:
        if node.tag not in _PLAIN_TAGS:
            self.tag_allowed(node, "a plain value", keypath)
            return None
        construct: Callable[[SafeConstructor, Node], Any] = SafeConstructor.yaml_constructors[
            node.tag
        ]
        try:
            return construct(self.constructor, node)
        except (ConstructorError, ValueError, OverflowError):
            # An impossible timestamp such as 2026-13-45 lands here; keep the text
            # so that the schema can say what is wrong with it.
            return node.value

    def mapping(self, node: MappingNode, keypath: str) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.problems.append(
                    Problem(
                        self.path,
                        self.line_of(key_node),
                        keypath,
                        "YAML merge keys ('<<') are not supported; write the fields out",
                    )
                )
                continue
            key = self.build(key_node, "")
            if isinstance(key, (list, dict)):
                self.problems.append(
                    Problem(self.path, self.line_of(key_node), keypath, "a key must be plain text")
                )
                continue
            key_text = str(key)
            child = f"{keypath}.{key_text}" if keypath else key_text
            line = self.line_of(key_node)
            if key in seen:
                self.problems.append(
                    Problem(
                        self.path,
                        line,
                        child,
                        f"given twice (lines {seen[key]} and {line}); keep one of them",
                    )
                )
                continue
            seen[key] = line
            self.lines[child] = line
            result[key] = self.build(value_node, child)
        return result
