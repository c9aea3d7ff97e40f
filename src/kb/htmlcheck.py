"""What the sanitiser would remove from a body, found in the source with its line.

``kb.sanitize`` cleans the rendered HTML, where lines are lost; this module
reads the Markdown source instead (outside code), so that ``kb check`` can
name the line of every raw tag, attribute, attribute-list entry, address
scheme or style property the allowlist does not keep, and fail the pull
request before anything is published.

The HTML in a body is read by the small tokenizer below, which follows the
HTML standard's tokenization closely enough for this (a tag runs to its ``>``,
quoted values may hold one, a tag cut off by the end of the text is no tag,
script and style hold text) and reads every character once: Python's
``html.parser`` takes minutes on a few kilobytes of unclosed tags (``<a <a
<a ...``), and a body is untrusted input.
"""

from __future__ import annotations

import bisect
import html
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from markdown.extensions.attr_list import get_attrs_and_remainder

from kb.links import Link, code_free_lines
from kb.sanitize import RESERVED_ID, URL_ATTRIBUTES, Policy

#: Python-Markdown's autolinks (``<https://...>``, ``<name@example.org>``): links, not tags.
AUTOLINK = re.compile(r"<(?:[Ff]|[Hh][Tt])[Tt][Pp][Ss]?://[^<>]*>|<[^<> !@]+@[^@<> ]+>")
ESCAPED_LT = re.compile(r"\\<")
NEWLINE = re.compile(r"\n")
NOT_NEWLINE = re.compile(r"[^\n]")
BACKTICKS = re.compile(r"`+")
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
TAG_NAME = re.compile(r"[a-zA-Z][^\s/>]*")
SEPARATOR = re.compile(r"[\s/]*")
#: An attribute's name, and the "=" that says a value follows.
ATTRIBUTE = re.compile(r"[\s/]*([^\s/>][^\s/>=]*)\s*(=\s*)?")
UNQUOTED = re.compile(r"[^\s>]*")
#: Tags whose content is text up to their end tag (the standard's raw text elements).
RAW_TEXT = frozenset(
    {"script", "style", "xmp", "iframe", "noembed", "noframes", "textarea", "title"}
)
#: An attribute list, ``{: #id .class key=value }``, on one line.
ATTRIBUTE_LIST = re.compile(r"\{:?([^{}\n]*)\}")
SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
#: What browsers ignore in an address before reading its scheme.
URL_IGNORED = re.compile(r"[\t\n\r]")
C0_AND_SPACE = "".join(chr(c) for c in range(0x21))
#: A block whose indented continuation is its content: a list item, an admonition or
#: collapsible block, a footnote, a definition.
CONTAINER = re.compile(r" {0,3}(?:[-+*]\s|\d{1,9}[.)]\s|!!!|\?\?\?|\[\^[^\]]*\]:|:\s)")
#: Where Python-Markdown applies an attribute list: one written with a colon, one
#: ending the line (a heading, a block), one right after a link, emphasis or code.
LIST_PLACES = ("*", ")", "`")
#: Findings of one kind reported per document at most.
LIMIT = 100
SETTING = "ask the site owner to allow it (extra.kb.html in mkdocs.yml)"


@dataclass(frozen=True)
class Removal:
    """Something in a body the allowlist does not keep, and the line it is on."""

    line: int
    message: str


@dataclass(frozen=True)
class Tag:
    """A start tag in a body: its name, attributes (name, value, offset) and offset."""

    name: str
    attributes: tuple[tuple[str, str, int], ...]
    offset: int


def start_tags(text: str) -> Iterator[Tag]:
    """Every complete start tag in ``text``, in order; comments and raw text skipped."""
    position, end = 0, len(text)
    while True:
        opening = text.find("<", position)
        if opening < 0 or opening + 1 >= end:
            return
        following = text[opening + 1]
        if text.startswith("<!--", opening):
            close = text.find("-->", opening + 4)
            position = end if close < 0 else close + 3
            continue
        if following in "!?/":
            close = text.find(">", opening + 2)
            if following in "!?" and close >= 0:
                yield Tag(following, (), opening)  # a declaration or processing instruction
            position = end if close < 0 else close + 1
            continue
        name_match = TAG_NAME.match(text, opening + 1)
        if name_match is None:
            position = opening + 1
            continue
        tag, position = _start_tag(text, opening, name_match)
        if tag is None:
            return  # the text ended inside the tag: no tag at all
        yield tag
        if tag.name in RAW_TEXT:
            closing = re.compile(rf"</{re.escape(tag.name)}[\s/>]", re.IGNORECASE)
            found = closing.search(text, position)
            position = end if found is None else found.end()


def _start_tag(text: str, opening: int, name_match: re.Match[str]) -> tuple[Tag | None, int]:
    """The tag starting at ``opening``, and where reading goes on; None if it never ends."""
    end = len(text)
    attributes: list[tuple[str, str, int]] = []
    position = name_match.end()
    while True:
        attribute = ATTRIBUTE.match(text, position)
        if attribute is None:  # no name next: the tag ends here (">"), or the text does
            position = SEPARATOR.match(text, position).end()  # type: ignore[union-attr]
            if position >= end:
                return None, end
            return Tag(name_match.group(0).lower(), tuple(attributes), opening), position + 1
        position = attribute.end()
        value = ""
        if attribute.group(2) is not None:
            if position < end and text[position] in "\"'":
                close = text.find(text[position], position + 1)
                if close < 0:
                    return None, end
                value, position = text[position + 1 : close], close + 1
            else:
                unquoted = UNQUOTED.match(text, position)
                assert unquoted is not None
                value, position = unquoted.group(0), unquoted.end()
            if "&" in value:
                value = html.unescape(value)
        attributes.append((attribute.group(1).lower(), value, attribute.start(1)))


def scheme_of(address: str) -> str:
    """The scheme of an address as a browser reads it, lower case; '' for a relative one."""
    match = SCHEME.match(URL_IGNORED.sub("", address).strip(C0_AND_SPACE))
    return match.group(1).lower() if match else ""


def indented_code(lines: list[str]) -> Iterator[int]:
    """The indexes of lines in indented code blocks, as Python-Markdown reads them.

    A block (after a blank line) indented by four spaces or a tab is code, up to
    the first line indented less, which starts a new block; unless it continues
    a list item, an admonition, a footnote or a definition, whose content is
    indented once (code in it twice).
    """
    container = in_code = False
    starts_block = True
    for index, line in enumerate(lines):
        if not line.strip():
            starts_block = True
            continue
        expanded = line.expandtabs(4)
        indent = len(expanded) - len(expanded.lstrip(" "))
        if indent >= (8 if container else 4) and (starts_block or in_code):
            in_code = True
            yield index
        else:
            if (starts_block or in_code) and indent < 4:
                container = bool(CONTAINER.match(expanded))
            in_code = False
        starts_block = False


def nested_fences(lines: list[str]) -> Iterator[int]:
    """The indexes of lines in fenced code indented into a list item, footnote or admonition.

    (``kb.links`` finds fences at the left margin only.) A fence that is never
    closed is no fence; once one is found, the search stops, so that a body of
    unclosed fences is still read once.
    """
    index = 0
    while index < len(lines):
        fence = fence_of(lines[index], nested=True)
        index += 1
        if not fence:
            continue
        for end in range(index, len(lines)):
            closing = fence_of(lines[end], nested=False)
            if closing.startswith(fence) and not lines[end].strip(" \t`~"):
                yield from range(index - 1, end + 1)
                index = end + 1
                break
        else:
            return


def fence_of(line: str, nested: bool) -> str:
    """The fence a line opens or closes (backticks or tildes), or ''; indented if ``nested``."""
    text = line.lstrip(" \t")
    indent = line[: len(line) - len(text)]
    if nested and "\t" not in indent and len(indent) < 4:
        return ""
    mark = text[:1]
    if mark not in ("`", "~") or not text.startswith(mark * 3):
        return ""
    return text[: len(text) - len(text.lstrip(mark))]


class _Lines:
    """Line numbers of offsets in a text that starts at ``first_line``."""

    def __init__(self, text: str, first_line: int) -> None:
        self.starts = [0] + [m.end() for m in NEWLINE.finditer(text)]
        self.first_line = first_line

    def line(self, offset: int) -> int:
        return self.first_line + bisect.bisect_right(self.starts, offset) - 1


def scannable(body: str, first_line: int) -> str:
    """The body with code, escaped ``\\<`` and autolinks blanked; lines kept in place."""
    lines = [""] * body.count("\n")
    lines.append("")
    for number, line in code_free_lines(body, first_line):
        if "<" in line:
            line = ESCAPED_LT.sub("  ", line)
        lines[number - first_line] = line
    for index in [*indented_code(lines), *nested_fences(lines)]:
        lines[index] = ""
    text = "\n".join(lines)
    if "`" in text:
        text = _blank_spans_across_lines(text)
    if "<" in text:
        text = AUTOLINK.sub(lambda m: " " * len(m.group(0)), text)
    return text


def _blank_spans_across_lines(text: str) -> str:
    """Code spans that run over a line break inside a paragraph, blanked (newlines kept).

    ``kb.links`` blanks the spans that open and close on one line; a backtick
    left over opens a span that Markdown closes with the next run of as many
    backticks in the same paragraph. Each run is looked at once.
    """
    runs = [(m.start(), m.end()) for m in BACKTICKS.finditer(text)]
    breaks = [m.start() for m in PARAGRAPH_BREAK.finditer(text)]
    by_length: dict[int, list[int]] = {}
    for index, (start, end) in enumerate(runs):
        by_length.setdefault(end - start, []).append(index)
    next_of = dict.fromkeys(by_length, 0)
    pieces: list[str] = []
    position = index = 0
    while index < len(runs):
        start, end = runs[index]
        same = by_length[end - start]
        pointer = next_of[end - start]
        while pointer < len(same) and same[pointer] <= index:
            pointer += 1
        next_of[end - start] = pointer
        if pointer < len(same):
            close = runs[same[pointer]]
            if bisect.bisect(breaks, start) == bisect.bisect(breaks, close[0]):
                pieces.append(text[position:start])
                pieces.append(NOT_NEWLINE.sub(" ", text[start : close[1]]))
                position = close[1]
                index = same[pointer] + 1
                continue
        index += 1
    pieces.append(text[position:])
    return "".join(pieces)


def removals(
    body: str, first_line: int, rules: Policy, links: Iterable[Link], limit: int = LIMIT
) -> list[Removal]:
    """Everything in ``body`` that ``rules`` would remove, with its line, in order.

    After ``limit`` findings of one kind the search stops, and a last finding
    says so: a body with thousands of them needs rewriting, not a list.
    """
    found: list[Removal] = []
    text = scannable(body, first_line) if "<" in body or "{" in body else ""
    if "<" in text:
        lines = _Lines(text, first_line)
        tags = (r for tag in start_tags(text) for r in _tag_removals(tag, rules, lines))
        found.extend(itertools.islice(tags, limit + 1))
    if "{" in text:
        lists = (
            r
            for offset, line in enumerate(text.split("\n"))
            if "{" in line
            for r in _attribute_list_removals(line, first_line + offset, rules)
        )
        found.extend(itertools.islice(lists, limit + 1))
    found.extend(itertools.islice(_link_removals(links, rules), limit + 1))
    found.sort(key=lambda removal: removal.line)
    if len(found) > limit:
        first_unlisted = found[limit].line
        found = found[:limit]
        found.append(
            Removal(
                first_unlisted,
                f"more HTML that is not allowed follows from here; the first {limit} "
                "findings are listed: remove them and check again",
            )
        )
    return found


def _link_removals(links: Iterable[Link], rules: Policy) -> Iterator[Removal]:
    for link in links:
        if link.html:
            continue  # raw HTML is read with its tag
        scheme = scheme_of(link.target)
        if scheme and scheme not in rules.url_schemes and scheme not in DANGEROUS_REPORTED:
            yield Removal(
                link.line,
                f"the address '{link.target}' uses '{scheme}:', which is not allowed; "
                "the link would be removed when published: write a web address (https://...)",
            )


#: Schemes kb.links reports already ("'javascript:' links are not allowed").
DANGEROUS_REPORTED = frozenset({"javascript", "vbscript", "data", "file"})


def _tag_removals(tag: Tag, rules: Policy, lines: _Lines) -> Iterator[Removal]:
    if tag.name in "!?":
        yield Removal(
            lines.line(tag.offset),
            "an HTML declaration or processing instruction ('<!...>', '<?...>') is not allowed "
            "and would be removed when published",
        )
        return
    if tag.name not in rules.tags:
        content = " and everything inside it" if tag.name in rules.content_tags else ""
        yield Removal(
            lines.line(tag.offset),
            f"the HTML tag <{tag.name}> is not allowed; it{content} would be removed when "
            f"published: use Markdown instead, or {SETTING}",
        )
        return
    for name, value, offset in tag.attributes:
        if name == "markdown":
            continue  # md_in_html's switch, which Markdown itself removes
        problem = _attribute_problem(tag.name, name, value, rules)
        if problem:
            yield Removal(lines.line(offset), problem)


def _attribute_problem(tag: str, name: str, value: str, rules: Policy, where: str = "") -> str:
    """Why ``name="value"`` on ``tag`` would be removed, or ''."""
    allowed = rules.attributes_of(tag)
    restricted = rules.values_of(tag, name)
    where = where or f"on <{tag}>"
    if name == "id" and value.startswith(RESERVED_ID):
        return (
            f"the id '{value}' {where} is not allowed: ids beginning with "
            f"'{RESERVED_ID}' belong to the site's theme; it would be removed when published"
        )
    if name not in allowed and restricted is None:
        if name.startswith("on"):
            return (
                f"the HTML attribute '{name}' {where} runs script in readers' browsers; "
                "it is not allowed and would be removed when published"
            )
        return (
            f"the HTML attribute '{name}' {where} is not allowed; it would be removed "
            f"when published: use Markdown instead, or {SETTING}"
        )
    if name not in allowed and restricted is not None and value not in restricted:
        shown = ", ".join(f"'{v}'" for v in sorted(restricted))
        return (
            f"'{name}=\"{value}\"' {where} is not allowed (only {shown}); "
            "it would be removed when published"
        )
    if name in URL_ATTRIBUTES:
        scheme = scheme_of(value)
        if scheme and scheme not in rules.url_schemes:
            inside = where.replace("on <", "in <", 1)
            return (
                f"the address '{value}' {inside} uses '{scheme}:', which is not allowed; "
                "it would be removed when published: link to a web page or another document"
            )
    if name == "style":
        for declaration in value.split(";"):
            prop = declaration.split(":", 1)[0].strip().lower()
            if prop and prop not in rules.style_properties:
                kept = " and ".join(sorted(rules.style_properties))
                return (
                    f"the style '{prop}' {where} is not allowed (only {kept}); "
                    "it would be removed when published"
                )
    return ""


def _attribute_list_removals(line: str, number: int, rules: Policy) -> Iterator[Removal]:
    for match in ATTRIBUTE_LIST.finditer(line):
        inside = match.group(1)
        colon = line.startswith("{:", match.start())
        if "=" not in inside and f"#{RESERVED_ID}" not in inside:
            continue  # only ids and classes, which are kept
        at_end = not line[match.end() :].strip()
        after_element = line[: match.start()].endswith(LIST_PLACES)
        if not (colon or at_end or after_element):
            continue  # braces in text or math ("x_{i=1}"), not an attribute list
        pairs, remainder = get_attrs_and_remainder(inside)
        if remainder.strip():
            continue  # not an attribute list: Markdown shows it as text
        for name, value in pairs:
            if name == "." or (name == "id" and not value.startswith(RESERVED_ID)):
                continue
            problem = _list_attribute_problem(name.lower(), value, rules)
            if problem:
                yield Removal(number, problem)


def _list_attribute_problem(name: str, value: str, rules: Policy) -> str:
    """Like ``_attribute_problem`` for an attribute list, whose element is not known here:
    an attribute some tag may have passes."""
    where = "in an attribute list"
    candidates = {tag for tag, names in rules.attributes if name in names}
    candidates |= {tag for tag, pairs in rules.attribute_values if name in dict(pairs)}
    if not candidates:
        return _attribute_problem("*", name, value, rules, where)
    problems = sorted(_attribute_problem(tag, name, value, rules, where) for tag in candidates)
    return problems[0]
