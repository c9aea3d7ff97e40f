"""YAML that remembers where each value came from.

PyYAML's ``safe_load`` loses line numbers, keeps the last of two duplicate
keys without a word, and expands aliases without limit. Editors need to be
told the line of the offending key, and a hostile file must not hang the
check, so kb composes the YAML node graph itself and turns it into plain
Python here: standard tags only, duplicate keys reported, and a budget on
the number of values an alias may expand into.
"""

from __future__ import annotations

import re
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
_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"

#: How many values one YAML text may expand into. Real front matter has a few
#: dozen; an alias bomb has billions.
MAX_VALUES = 20_000


@dataclass
class YamlText:
    """Plain Python values and the 1-based line of each, by key path.

    Key paths are ``title``, ``sources[0]``, ``sources[0].url``, ``themes[2]``.
    ``refused`` holds the key paths whose value was dropped (a tag that is not
    allowed), so that the schema does not also call them missing.
    """

    value: Any
    lines: dict[str, int] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)
    #: Read field by field around a syntax error: what is here is right, but not all.
    partial: bool = False

    def line(self, keypath: str, default: int = 1) -> int:
        return self.lines.get(keypath, default)


#: How deeply values may be nested. Front matter needs three levels (sources,
#: one source, its fields); the limit keeps hostile input from exhausting
#: Python's recursion limit.
MAX_DEPTH = 50
TOO_DEEP = f"values are nested more than {MAX_DEPTH} levels deep; write them out plainly"


def expansion_problem(
    node: Node, max_values: int = MAX_VALUES, max_depth: int = MAX_DEPTH
) -> tuple[int, str] | None:
    """Walk a composed node graph as a loader expands it, aliases and all.

    Returns the 0-based line and the message when it expands into more than
    ``max_values`` values (shown on the top-level key being expanded) or is
    nested deeper than ``max_depth``; ``None`` when it is within both. The walk
    stops at the budget, so an alias bomb costs no more than the budget.
    """
    count = 0
    stack: list[tuple[Node, int, int]] = [(node, 0, node.start_mark.line)]
    while stack:
        current, depth, top = stack.pop()
        count += 1
        if count > max_values:
            return top, (
                f"YAML expands into more than {max_values:,} values (anchors and aliases "
                "repeated inside each other); write the values out plainly"
            )
        if depth > max_depth:
            return current.start_mark.line, TOO_DEEP
        if isinstance(current, SequenceNode):
            pairs = [(child, child) for child in current.value]
        elif isinstance(current, MappingNode):
            pairs = [(key, part) for key, value in current.value for part in (key, value)]
        else:
            continue
        for first, child in pairs:
            # A blow-up is shown on the top-level key (or item) it happens under.
            stack.append((child, depth + 1, first.start_mark.line if depth == 0 else top))
    return None


class _TooBig(Exception):
    """The YAML would expand beyond what front matter can sensibly hold."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def load_yaml(
    text: str, path: str, first_line: int = 1, *, by_field: bool = False
) -> tuple[YamlText | None, list[Problem]]:
    """Parse ``text`` (which starts at ``first_line`` of ``path``).

    Returns ``None`` and the problems when the text cannot be read at all;
    otherwise the values, with problems such as duplicate keys alongside.
    With ``by_field``, a syntax error in a mapping of fields (front matter)
    costs only the field it is in: each top-level field is read on its own,
    so that one mistake does not hide the problems of the others.
    """
    problems: list[Problem] = []
    try:
        node = yaml.compose(text, Loader=_Loader)
    except RecursionError:
        # The pure-Python composer recurses; libyaml stops at its own depth limit (below).
        problems.append(Problem(path, first_line, "", TOO_DEEP))
        return None, problems
    except yaml.MarkedYAMLError as exc:
        if "nesting depth" in (exc.problem or ""):
            problems.append(Problem(path, first_line, "", TOO_DEEP))
            return None, problems
        if by_field:
            recovered = _by_field(text, path, first_line)
            if recovered is not None:
                return recovered
        line, message = explain_yaml_error(exc, text)
        problems.append(Problem(path, first_line + line, "", f"YAML syntax error: {message}"))
        return None, problems
    except yaml.YAMLError as exc:
        problems.append(Problem(path, first_line, "", f"YAML syntax error: {exc}"))
        return None, problems
    if node is None:
        return YamlText(None), problems
    builder = _Builder(path, first_line, problems)
    try:
        value = builder.build(node, "", 0)
    except _TooBig as exc:
        problems.append(Problem(path, exc.line, "", exc.message))
        return None, problems
    return YamlText(value, builder.lines, builder.refused), problems


#: A line that starts a top-level field: ``name:`` at the very start of the line.
_TOP_FIELD = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)\s*:(?:\s|$)")


def _by_field(text: str, path: str, first_line: int) -> tuple[YamlText, list[Problem]] | None:
    """Read each top-level field on its own: the good ones, and an error for each bad one.

    ``None`` when the text is not a list of fields (nothing to recover by).
    """
    lines = text.split("\n")
    starts = [n for n, line in enumerate(lines) if _TOP_FIELD.match(line)]
    if not starts or any(
        line.strip() and not line.lstrip().startswith("#") for line in lines[: starts[0]]
    ):
        return None
    value: dict[str, Any] = {}
    result = YamlText(value, partial=True)
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
        chunk = "\n".join(lines[start:end])
        key = _TOP_FIELD.match(lines[start])["key"]  # type: ignore[index]
        parsed, found = load_yaml(chunk, path, first_line + start)
        problems.extend(found)
        if parsed is None or not isinstance(parsed.value, dict):
            result.refused.add(key)
            continue
        for name, item in parsed.value.items():
            line = parsed.lines.get(str(name), first_line + start)
            if name in seen:
                problems.append(
                    Problem(
                        path,
                        line,
                        str(name),
                        f"given twice (lines {seen[name]} and {line}); keep one of them",
                    )
                )
                continue
            seen[name] = line
            value[name] = item
        result.lines.update(parsed.lines)
        result.refused.update(parsed.refused)
    return result, problems


def explain_yaml_error(exc: yaml.MarkedYAMLError, text: str) -> tuple[int, str]:
    """The 0-based line to show and a message an editor can act on.

    PyYAML's messages describe the parser's state ("while parsing a block
    mapping ... did not find expected key"); the common mistakes behind them
    are few, so they are named here in the editor's terms. Unclosed brackets
    and quotes are reported on the line where they open, since that is where
    the fix goes.
    """
    problem = exc.problem or "the text cannot be read"
    context = exc.context or ""
    problem_line = exc.problem_mark.line if exc.problem_mark else 0
    context_line = exc.context_mark.line if exc.context_mark else problem_line
    found = _character_at(text, exc.problem_mark)
    if "quoted scalar" in context and "end of stream" in problem:
        return context_line, "a quotation mark opened on this line is never closed"
    if "flow sequence" in context:
        return context_line, (
            "a list opened with '[' on this line is not closed with ']', or its items "
            "are not separated by commas"
        )
    if "flow mapping" in context:
        return context_line, (
            "a group opened with '{' on this line is not closed with '}', or its entries "
            "are not separated by commas"
        )
    if "mapping values are not allowed" in problem:
        return problem_line, (
            "unexpected ':' in this line; put a value that contains ': ' in quotes, "
            "and start each new field at the beginning of its line"
        )
    if "tab" in problem or found == "\t":
        return problem_line, "a tab character is used for indentation; indent with spaces"
    if "alias" in context and "alphabetic or numeric" in problem:
        return problem_line, "a value cannot start with '*'; put the whole value in quotes"
    if "cannot start any token" in problem:
        shown = f"'{found}'" if found.strip() else "this character"
        return problem_line, f"a value cannot start with {shown}; put the whole value in quotes"
    if "block mapping" in context or "block collection" in context:
        return problem_line, (
            "this line does not fit the field above it; check its indentation, and that "
            "quotes enclose the whole value (write ' inside '...' as '')"
        )
    if "simple key" in context:
        return context_line, (
            "this line is not 'field: value'; add the ':', or indent the line if it "
            "continues the value above"
        )
    if "duplicate anchor" in context:
        return problem_line, "the same anchor ('&name') is defined twice; rename one"
    return problem_line, f"{problem} ({context})" if context else problem


def _character_at(text: str, mark: yaml.Mark | None) -> str:
    """The character a YAML error points at, as an editor would write it."""
    if mark is None:
        return ""
    lines = text.split("\n")
    if mark.line >= len(lines) or mark.column >= len(lines[mark.line]):
        return ""
    return lines[mark.line][mark.column]


def _tag_name(tag: str) -> str:
    """``tag:yaml.org,2002:python/object`` as it was typed: ``!!python/object``."""
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix) :] if tag.startswith(prefix) else tag


class _Builder:
    def __init__(self, path: str, first_line: int, problems: list[Problem]) -> None:
        self.path = path
        self.first_line = first_line
        self.problems = problems
        self.lines: dict[str, int] = {}
        self.refused: set[str] = set()
        self.count = 0
        self.constructor = SafeConstructor()
        self.open: set[int] = set()  # nodes being built, to catch an alias to its own parent
        self.top_line = first_line  # the top-level key being built: where a blow-up is shown

    def line_of(self, node: Node) -> int:
        return self.first_line + node.start_mark.line

    def build(self, node: Node, keypath: str, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_VALUES:
            raise _TooBig(
                self.top_line,
                f"YAML expands into more than {MAX_VALUES:,} values (anchors and aliases "
                "repeated inside each other); write the values out plainly",
            )
        if depth > MAX_DEPTH:
            raise _TooBig(self.line_of(node), TOO_DEEP)
        if keypath and keypath not in self.lines:
            self.lines[keypath] = self.line_of(node)
        if isinstance(node, ScalarNode):
            return self.scalar(node, keypath)
        expected = _SEQ_TAG if isinstance(node, SequenceNode) else _MAP_TAG
        if not self.tag_allowed(node, expected, keypath):
            return None
        if id(node) in self.open:
            raise _TooBig(
                self.line_of(node),
                "an alias ('*name') refers to a value that contains it, which never ends; "
                "write the values out plainly",
            )
        self.open.add(id(node))
        try:
            if isinstance(node, SequenceNode):
                return [
                    self.build(item, f"{keypath}[{i}]", depth + 1)
                    for i, item in enumerate(node.value)
                ]
            assert isinstance(node, MappingNode)
            return self.mapping(node, keypath, depth)
        finally:
            self.open.discard(id(node))

    def tag_allowed(self, node: Node, expected: str, keypath: str) -> bool:
        if node.tag == expected:
            return True
        if keypath:
            self.refused.add(keypath)
        self.problems.append(
            Problem(
                self.path,
                self.line_of(node),
                keypath,
                f"the YAML tag '{_tag_name(node.tag)}' is not allowed; remove it and write "
                "a plain value",
            )
        )
        return False

    def scalar(self, node: ScalarNode, keypath: str) -> Any:
        if node.tag == _STR_TAG:
            return node.value  # what SafeConstructor gives, without its two calls (most values)
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

    def mapping(self, node: MappingNode, keypath: str, depth: int) -> dict[Any, Any]:
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
            key = self.build(key_node, "", depth + 1)
            if isinstance(key, (list, dict)) or key is None:
                self.problems.append(
                    Problem(
                        self.path,
                        self.line_of(key_node),
                        keypath,
                        "expected a field name such as 'title' before the ':', found "
                        + ("nothing" if key is None else "a list or a group of fields"),
                    )
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
            if depth == 0:
                self.top_line = line
            result[key] = self.build(value_node, child, depth + 1)
        return result
