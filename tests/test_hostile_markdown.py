"""Pathological Markdown: every input that used to hang or crash the build is an error
with its file and line, found by ``kb check`` before anything renders it.

The inputs are smaller than the ones that hung (the quadratic or recursive
behaviour shows at this size already); how long the full-size inputs take is
measured by ``benchmarks/bench_hostile.py``, not asserted here.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from kb import htmlcheck, links
from kb.limits import Limits, body_problems
from kb.loader import load_project
from kb.pdf import printbody
from kb.pdf.printbody import PrintRenderer
from kb.render import render_markdown
from tests.conftest import MKDOCS, ProjectFactory, document

Kb = Callable[..., Result]
BODY_LINE = 9  # the body starts on line 9 of a file made by ``document``
DOC = "content/lessons/hostile.md"


def nested_list(depth: int) -> str:
    return "".join("    " * level + "- item\n" for level in range(depth))


def nested_quotes(depth: int) -> str:
    return "".join(">" * level + " text\n" for level in range(1, depth + 1))


#: name -> (body, line of the first problem in the body (0-based), start of its message)
HOSTILE: dict[str, tuple[str, int, str]] = {
    "open brackets": ("Text\n" + "[" * 10_000 + "\n", 1, "more than 20 '[' are open at once"),
    "open tags": ("<a " * 5_000 + "\n", 0, "more than 20 HTML tags are started with '<'"),
    "nested emphasis": ("*" * 5_000 + "x" + "*" * 5_000 + "\n", 0, "emphasis ('*') is opened"),
    "nested emphasis words": ("*a " * 3_000 + "x" + " a*" * 3_000, 0, "emphasis ('*') is opened"),
    "nested underscores": ("_a " * 3_000 + "x" + " a_" * 3_000, 0, "emphasis ('_') is opened"),
    "nested strikethrough": ("~" * 2_000 + "x" + "~" * 2_000, 0, "emphasis ('~') is opened"),
    "nested list": (nested_list(300), 20, "lists, quotes or indented blocks are nested 21"),
    "nested quotes": (nested_quotes(300), 20, "lists, quotes or indented blocks are nested 21"),
    "one-line quotes": (
        ">" * 5_000 + " text\n",
        0,
        "lists, quotes or indented blocks are nested 5000",
    ),
    "nested brackets": ("[a " * 3_000 + "x" + "](u) " * 3_000, 0, "more than 20 '[' are open"),
    "brackets left open": (
        "[a " * 10 + "word " * 40_000,
        0,
        "'[' opened on this line stays open for",
    ),
    "heading of spaces": ("# x" + " " * 100_000 + "x\n", 0, "100,000 spaces or tabs in a row"),
    "tags left open": ("<a " * 10 + "word " * 40_000, 0, "'<' opened on this line stays open"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_body_is_an_error_with_its_line(
    name: str, make_project: ProjectFactory, kb: Kb
) -> None:
    body, line, message = HOSTILE[name]
    project = make_project({DOC: document(body=body)})

    checked = kb(project, "check")
    built = kb(project, "build")

    expected = f"{DOC}:{BODY_LINE + line}: body: {message}"
    assert any(found.startswith(expected) for found in checked.stdout.splitlines()), checked.stdout
    assert checked.exit_code == 1
    assert built.exit_code == 1
    assert "Traceback" not in built.output
    assert not (project / "site").exists()
    assert not list(project.glob(".site.*"))


def test_no_more_than_five_lines_of_one_kind_are_listed(
    make_project: ProjectFactory, kb: Kb
) -> None:
    project = make_project({DOC: document(body=nested_list(40))})

    lines = kb(project, "check").stdout.splitlines()

    nested = [line for line in lines if "nested" in line]
    assert [line.split(":")[1] for line in nested] == [str(BODY_LINE + n) for n in range(20, 25)]
    assert (
        lines[5]
        == f"{DOC}:{BODY_LINE + 39}: body: 15 more lines like the ones above, up to this one"
    )


def test_ordinary_markup_is_within_the_limits() -> None:
    body = (
        "# Title {#top .wide}\n\nSome *emphasis*, **bold**, ~~struck~~, snake_case_name, "
        "2*3*4 and a [link](x.md) with [![a badge](b.png)](y.md).\n\n"
        "- one\n    - two\n        - three\n\n> quoted\n> > twice\n\n"
        "Name: ________________\n\n* * *\n\n`[[[[ <a <a` in code, \\[ escaped, a < b > c.\n\n"
        "```\n" + "[" * 500 + "\n```\n"
    )

    assert body_problems("x.md", body, 1, Limits()) == []


def test_document_larger_than_the_limit_is_not_read(make_project: ProjectFactory, kb: Kb) -> None:
    body = "Words, words, words.\n" * 15_000  # 308 KB
    project = make_project({DOC: document(body=body)})

    result = kb(project, "check")

    assert result.stdout.splitlines()[0] == (
        f"{DOC}:1: the file is 308 KB; a document may be at most 256 KB "
        "(extra.kb.limits.max_document_kb in mkdocs.yml): split it into several documents"
    )
    assert result.exit_code == 1


def test_limits_are_configurable(make_project: ProjectFactory, kb: Kb) -> None:
    limits = "    limits:\n      max_nesting: 2\n      max_document_kb: 2000\n"
    body = "Words.\n" * 200_000 + "- one\n  - two\n    - three\n        - four\n"
    project = make_project({DOC: document(body=body), "mkdocs.yml": MKDOCS + limits})

    result = kb(project, "check")

    line = BODY_LINE + 200_000 + 3
    assert result.stdout.splitlines() == [
        f"{DOC}:{line}: body: lists, quotes or indented blocks are nested 3 levels deep here; "
        "at most 2 are allowed (extra.kb.limits.max_nesting)"
    ]


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (
            "max_nesting: -1",
            "extra.kb.limits.max_nesting: expected a whole number of at least 1, found -1",
        ),
        (
            "max_nesting: lots",
            "extra.kb.limits.max_nesting: expected a whole number of at least 1, found 'lots'",
        ),
        (
            "depth: 3",
            "extra.kb.limits.depth: unknown setting; expected one of: max_document_kb, max_nesting",
        ),
    ],
)
def test_bad_limits_are_named(
    limits: str, message: str, make_project: ProjectFactory, kb: Kb
) -> None:
    project = make_project({DOC: document(), "mkdocs.yml": MKDOCS + f"    limits: {{{limits}}}\n"})

    result = kb(project, "check")

    assert result.exit_code == 2
    assert result.output == f"Error: mkdocs.yml: {message}\n"


LONG = 200_000


@pytest.mark.parametrize(
    "text",
    [
        "[" * LONG + "](x)",
        "[a](<" * (LONG // 5),
        "<a " * (LONG // 3),
        "<" * LONG,
        "`" * LONG + "x",
        "`a" + "``a" * (LONG // 3),
        "{" * LONG + "#",
        "{#a" * (LONG // 3),
        "# x" + " " * LONG + "x",
        "# " + "#" * 5 + " " * LONG + "x#",
        "[a]" + "[" * LONG,
    ],
    ids=lambda text: repr(text[:8]),
)
def test_link_scanning_is_linear(text: str, make_project: ProjectFactory) -> None:
    """Inputs that made the link and heading patterns backtrack over the whole line from
    every position (minutes at this size) now take a moment; the suite would hang if not."""
    config = MKDOCS + "    limits: {max_document_kb: 2000}\n"
    project = make_project({DOC: document(body=text + "\n\n" + text + "\n"), "mkdocs.yml": config})

    result = load_project(project)

    assert all(p.path == DOC for p in result.problems)
    links.scan_links(text, 1)
    links.heading_slugs(text + "\n")
    links.rewrite_links(text, lambda target: target + "#")
    links.plain_heading(text)
    links.explicit_id(text)


def test_headings_read_as_python_markdown_names_them() -> None:
    assert links.atx_heading("## Text ##") == (2, "Text")
    assert links.atx_heading("### Text#") == (3, "Text#")
    assert links.atx_heading("# Text {#own}  ") == (1, "Text {#own}")
    assert links.atx_heading("#Text") is None
    assert links.explicit_id("Text {: #first .x #second }") == "second"
    assert links.plain_heading("A [link](x.md) <b>bold</b> {#id}") == "A link bold"
    assert links.code_spans("a `x` b ``y` z`` `q") == [(2, 5), (8, 16)]
    assert re.sub(r"\s", "_", links.blank_code_spans("a `[` b")) == "a_____b"
    assert links.code_spans("`a\nb` ``c``") == [(6, 11)]


ALIAS_BOMB = """\
  bomb:
    a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]
    b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
    d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
    e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
    f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
    g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
    h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
    i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (
            MKDOCS + ALIAS_BOMB,
            "mkdocs.yml:6: YAML expands into more than 200,000 values (anchors and aliases "
            "repeated inside each other); write the values out plainly",
        ),
        (
            "site_name: x\nnav: " + "[" * 5_000 + "]" * 5_000 + "\n",
            "mkdocs.yml:1: values are nested more than 50 levels deep; write them out plainly",
        ),
    ],
    ids=["alias bomb", "deep nesting"],
)
@pytest.mark.parametrize("command", ["check", "build"])
def test_hostile_mkdocs_yml_is_refused_before_mkdocs_reads_it(
    config: str, message: str, command: str, make_project: ProjectFactory, kb: Kb
) -> None:
    project = make_project({DOC: document(), "mkdocs.yml": config})

    result = kb(project, command)

    assert result.output == f"Error: {message}\n"
    assert result.exit_code == 2
    assert not (project / "site").exists()


def test_owner_cannot_raise_nesting_past_what_renders(make_project: ProjectFactory, kb: Kb) -> None:
    config = MKDOCS + "    limits: {max_nesting: 1000}\n"
    project = make_project({DOC: document(), "mkdocs.yml": config})

    result = kb(project, "check")

    assert result.output == (
        "Error: mkdocs.yml: extra.kb.limits.max_nesting: at most 100 (deeper nesting exhausts "
        "the Markdown renderer's stack), found 1000\n"
    )


#: The worst of each kind that the highest allowed limit (100) lets through.
AT_THE_LIMIT = {
    "list": nested_list(100),
    "quotes": nested_quotes(100),
    "one-line quotes": ">" * 100 + " text\n",
    "emphasis": "*" * 100 + "x" + "*" * 100,
    "emphasis words": "*a " * 100 + "x" + " a*" * 100,
    "strikethrough": "~" * 100 + "x" + "~" * 100,
    "brackets": "[a " * 100 + "x" + "](https://example.org) " * 100,
    "admonitions": "".join("    " * i + "!!! note\n\n" for i in range(100)),
    "definitions": "".join("    " * i + "Term\n" + "    " * i + ":   def\n\n" for i in range(100)),
}


@pytest.mark.parametrize("name", sorted(AT_THE_LIMIT))
def test_nesting_at_the_highest_limit_renders_for_site_and_print(
    name: str, make_project: ProjectFactory
) -> None:
    body = AT_THE_LIMIT[name]
    config = MKDOCS + "    limits: {max_nesting: 100}\n"
    project = make_project({DOC: document(body=body), "mkdocs.yml": config})
    result = load_project(project)
    assert [p for p in result.problems if p.is_error] == []
    doc = next(iter(result.knowledge_base.documents.values()))

    site_html = render_markdown(body, result.settings)
    printed = PrintRenderer(result.settings, result.knowledge_base).document(doc)

    assert site_html
    assert printed.body


#: The patterns that backtracked over the rest of the text from every position of
#: input like this (seconds at 6,000 characters, hours at a megabyte), each with
#: ordinary text it must still match (and the first group it finds there).
PATTERNS_AND_HOSTILE_TEXT = [
    ("kb.citations", "REFERENCE", "[^", "as shown[^who-2019].", "who-2019"),
    ("kb.graph", "LINK_TARGET", "](", "[a](https://x.org/a_(b)) c", None),
    ("kb.graph", "HTML_TAG", "<", "a <b class='x'>c</b>", None),
    ("kb.pdf.engine", "_ANCHOR", "anchor", "No anchor #intro for 'intro'", "intro"),
    ("kb.pdf.printbody", "_RAW_TAG", "<a ", '<a href="#x">', None),
    ("kb.search.analysis", "_IMAGE", "![", "![a pump](pump.png)", "a pump"),
    ("kb.search.analysis", "_LINK", "[", "[the guide](guide.md)", "the guide"),
    ("kb.search.analysis", "_REF_LINK", "[", "[the guide][g]", "the guide"),
    ("kb.search.analysis", "_ATTRS", "{", "Title {: #id .wide}", None),
    ("kb.search.analysis", "_HTML", "<", "a <br/> b", None),
    ("kb.search.analysis", "_RULE_LINE", "-", "| --- | :-: |", None),
    ("kb.links", "INLINE", "[a](<", "see [x](<a b.md>)", ""),
    ("kb.links", "REFERENCE_USE", "[", "[text][ref]", ""),
    ("kb.links", "HTML_ATTR", "<a ", '<a class="x" href="y.md">', "a"),
    ("kb.links", "HTML_ID", "<", '<span id="here">', "here"),
    ("kb.site.search_index", "INLINE_LINK", "x [ y ", "[the guide](guide.md)", "the guide"),
    ("kb.site.search_index", "REFERENCE", "x [ y ", "[the guide][g]", "the guide"),
    ("kb.site.search_index", "TAG", "a < b ", "a <br/> b", None),
    ("kb.site.search_index", "BLOCK_MARKUP", "{: x ", "Title {: #id .wide}", None),
]


@pytest.mark.parametrize(("module", "name", "unit", "ordinary", "group"), PATTERNS_AND_HOSTILE_TEXT)
def test_patterns_over_user_text_do_not_backtrack(
    module: str, name: str, unit: str, ordinary: str, group: str | None
) -> None:
    """Each pattern runs over 200,000 characters of its worst input at once (the
    suite would not finish if it were still quadratic) and still reads ordinary text."""
    pattern: re.Pattern[str] = getattr(importlib.import_module(module), name)
    text = unit * (LONG // len(unit)) + "x"

    pattern.findall(text)
    pattern.sub("", text)
    found = pattern.search(ordinary)

    assert found is not None
    if group is not None:
        assert found.group(1) == group


def test_print_table_rule_is_read_in_one_pass() -> None:
    rule = printbody._TABLE_RULE
    assert rule.match("| --- | :-: |")
    assert rule.match(":---|---:")
    assert not rule.match("| a | b |")
    assert not rule.match(("|-- " * (LONG // 4)).strip() + " x")


def test_the_limits_example_in_contributing_is_what_kb_check_prints(
    make_project: ProjectFactory, kb: Kb
) -> None:
    text = (Path(__file__).parent.parent / "CONTRIBUTING.md").read_text(encoding="utf-8")
    shown = text.split("<!-- limits-example -->\n```text\n", 1)[1].split("\n```", 1)[0]
    body = "Intro.\n" * 5 + "[see [the [annex [below [and [more [of [it [in [full "
    body += "word " * 40_000 + "\n"
    project = make_project({"content/lessons/long.md": document(body=body)})

    result = kb(project, "check")

    assert result.stdout.splitlines()[0] == shown


def test_indented_fence_pattern_reads_a_long_indent_once() -> None:
    """The check of fences nested in lists matched each line with a pattern whose two
    runs of spaces backtracked against each other (a list nested 500 deep: 76 s)."""
    assert htmlcheck.fence_of(" " * LONG + "x", nested=True) == ""
    assert htmlcheck.fence_of(" " * LONG + "```", nested=True) == "```"
    assert htmlcheck.fence_of("      ```python", nested=True) == "```"
    assert htmlcheck.fence_of("  ```python", nested=True) == ""


def test_padding_of_table_cells_and_lines_is_not_a_run_of_spaces() -> None:
    pad = " " * 400
    body = f"| SQL{pad}| Meaning{pad}|\n| ---{pad}| ---{pad}|\n| a{pad}| b{pad}|\n\n# Title{pad}\n"

    assert body_problems("x.md", body, 1, Limits()) == []
    assert [p.line for p in body_problems("x.md", f"| a{pad}b |\n", 1, Limits())] == [1]
