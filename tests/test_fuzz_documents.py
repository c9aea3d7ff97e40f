"""Property-based fuzzing (Hypothesis) of front matter and bodies, through the loader,
the check and the renderings the site and the PDFs use.

Properties: nothing raises but kb's own errors (problems are reported, not thrown);
the check always ends; whatever renders carries no script, event handler or
``javascript:`` address. The budget is fixed and the examples derandomized, so CI
runs the same inputs every time (profile ``ci``); ``KB_FUZZ=thorough`` tries many
more, randomly, for a local hunt.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import textwrap
from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from kb.config import Settings, load_settings, load_taxonomy
from kb.content import decode, split
from kb.errors import KbError
from kb.limits import body_problems
from kb.loader import load_knowledge_base
from kb.model import Taxonomy
from kb.pdf.printbody import PrintRenderer
from kb.problems import Problem
from kb.render import render_markdown
from kb.schema import validate
from tests.conftest import MKDOCS, TAXONOMY, document

settings.register_profile(
    "ci",
    max_examples=150,
    deadline=timedelta(seconds=5),
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=3_000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
PROFILE = settings.get_profile(os.environ.get("KB_FUZZ", "ci"))

#: Pieces of YAML, awkward values and characters editors (or attackers) type.
YAML_PIECES = [
    "title", "type", "summary", "themes", "levels", "date", "sources", "url", "translation_of",
    ":", ": ", "- ", " ", "  ", "\n", "\n  ", "'", '"', "[", "]", "{", "}", ",", "#", "|", ">",
    "&a ", "*a", "<<: ", "? ", "!!python/object:os.system ", "!!binary ", "!ENV ", "%TAG ",
    "---", "...", "\t", "\x00", "\x07", "\x1b[31m", "\u202e", "\ufeff", "é", "ع", "🚰",
    "2026-13-45", "2026-01-15", "yes", "null", "~", "1e400", "0x1F", "lesson", "guideline",
    "[sanitation]", "[local]", "https://example.org", "javascript:alert(1)",
]  # fmt: skip

#: Markdown constructs and raw HTML, mixed at random into bodies.
BODY_PIECES = [
    "\n", "\n\n", " ", "    ", "\t", "# ", "## ", "### Heading ##", "- ", "* ", "1. ", "> ",
    "*", "**", "_", "__", "~~", "`", "```", "```python\n", "~~~\n", "[", "]", "(", ")", "](",
    "![", "[text](other.md)", "[a][ref]", "[ref]: x.md", "[^1]", "[^1]: note", "{: #id }",
    "{: onclick=alert(1) }", "!!! note", "??? tip", "| a | b |\n| --- | --- |\n", "Term\n:   ",
    "<", ">", "<a ", "<a href='javascript:alert(1)'>x</a>", "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>", "<div markdown=\"1\">", "</div>", "<details open ontoggle=x>",
    "<!-- ", " -->", "&amp;", "&#x3C;", "\\", "\\[", "TODO", "word", "Water and sanitation.",
    "\x00", "\x1b[2J", "\u202e", "é", "🚰", "ع", "\r\n",
]  # fmt: skip

yaml_text = st.lists(st.one_of(st.sampled_from(YAML_PIECES), st.text(max_size=6)), max_size=30)
body_text = st.lists(st.one_of(st.sampled_from(BODY_PIECES), st.text(max_size=6)), max_size=60)


class _Project:
    """One project on disk for the whole module (Hypothesis reruns a test many times)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="kb-fuzz-"))
        (self.root / "content" / "lessons").mkdir(parents=True)
        (self.root / "mkdocs.yml").write_text(MKDOCS, encoding="utf-8")
        (self.root / "content" / "taxonomy.yml").write_text(TAXONOMY, encoding="utf-8")
        (self.root / "content" / "lessons" / "other.md").write_text(document(), encoding="utf-8")
        self.settings: Settings = load_settings(self.root)
        taxonomy, problems = load_taxonomy(self.settings)
        assert problems == []
        self.taxonomy: Taxonomy = taxonomy


@pytest.fixture(scope="module")
def project() -> Iterator[_Project]:
    made = _Project()
    yield made
    shutil.rmtree(made.root, ignore_errors=True)


class _Dangers(HTMLParser):
    """Scripts, event handlers and script addresses in rendered HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed", "base", "meta"):
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            address = "".join((value or "").split()).lower()
            if name.startswith("on") or address.startswith(("javascript:", "vbscript:")):
                self.found.append(f"<{tag} {name}={value!r}>")


def dangers(html: str) -> list[str]:
    parser = _Dangers()
    parser.feed(html)
    parser.close()
    return parser.found


def _problems_are_well_formed(problems: list[Problem], rel: str) -> None:
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.path == rel
        assert problem.line >= 1
        assert problem.message


@settings(PROFILE)
@given(front=yaml_text, body=body_text)
def test_front_matter_is_read_or_reported_never_raised(
    project: _Project, front: list[str], body: list[str]
) -> None:
    rel = "content/lessons/fuzz.md"
    data = ("---\n" + "".join(front) + "\n---\n" + "".join(body)).encode("utf-8")

    text, problem = decode(data, rel)
    if text is None:
        assert problem is not None
        return
    source, problems = split(text, rel, project.root / rel)
    _problems_are_well_formed(problems, rel)
    if source is not None:
        _document, found = validate(source, project.taxonomy, project.settings)
        _problems_are_well_formed(found, rel)


@settings(PROFILE)
@given(body=body_text)
def test_bodies_are_checked_then_rendered_without_scripts(
    project: _Project, body: list[str]
) -> None:
    text = "".join(body)
    path = project.root / "content" / "lessons" / "fuzz.md"
    path.write_text(document(body=text), encoding="utf-8")

    result = load_knowledge_base(project.settings)  # the check: must end, must not raise

    _problems_are_well_formed(
        [p for p in result.problems if p.path.endswith("fuzz.md")], "content/lessons/fuzz.md"
    )
    doc = result.knowledge_base.documents.get("fuzz")
    if doc is None:  # a body can unmake the file (a NUL byte makes it binary): then it says so
        assert any(p.is_error and p.path.endswith("fuzz.md") for p in result.problems)
        return
    if body_problems(doc.path, doc.body, doc.body_line, project.settings.limits):
        return  # beyond the limits: kb build and kb pdf refuse before rendering
    # Rendered even when the check found other errors: rendering must hold on anything
    # within the limits, and must never let a script through.
    event("rendered")
    try:
        site_html = render_markdown(doc.body, project.settings)
        printed = PrintRenderer(project.settings, result.knowledge_base).document(doc)
    except KbError:
        return  # a clear error is an allowed outcome
    assert dangers(site_html) == [], textwrap.shorten(text, 200)
    assert dangers(printed.body) == [], textwrap.shorten(text, 200)
