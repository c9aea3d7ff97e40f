"""Golden pairs for ``kb check``: a bad input and the exact problems it must produce.

Each case under ``tests/golden/`` is either a file ``NAME.md`` (placed at
``content/lessons/NAME.md``) or a folder ``NAME/`` (copied into ``content/``,
for cases that need several files), with ``NAME.expected`` holding the exact
lines ``kb check`` prints, one problem per line. The exit status follows from
them: 1 when any line is an error, 0 when there are none or only warnings
(and 1 again with ``--strict`` when there are warnings).

Some cases are exact bytes (a byte-order mark with CRLF line ends, Latin-1,
UTF-16, a binary file); ``tests/golden/.gitattributes`` keeps git from
converting them, and ``test_golden_bytes_are_intact`` fails loudly if
something did anyway.
"""

from __future__ import annotations

import shutil
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import Result

from kb import yamlsrc
from kb.config import load_settings
from kb.content import read_source
from kb.loader import load_project
from kb.yamlsrc import MAX_VALUES, load_yaml
from tests.conftest import MKDOCS, ProjectFactory, document

GOLDEN = Path(__file__).parent / "golden"
Kb = Callable[..., Result]


def golden_cases() -> list[str]:
    names = {
        path.name.removesuffix(".md")
        for path in GOLDEN.iterdir()
        if path.suffix == ".md" or path.is_dir()
    }
    return sorted(names)


def install_case(name: str, make_project: ProjectFactory) -> Path:
    """A fresh project holding the golden case ``name``."""
    project = make_project({})
    content = project / "content"
    source = GOLDEN / name
    if source.is_dir():
        shutil.copytree(source, content, dirs_exist_ok=True)
    else:
        (content / "lessons").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(GOLDEN / f"{name}.md", content / "lessons" / f"{name}.md")
    return project


def expected_lines(name: str) -> list[str]:
    text = (GOLDEN / f"{name}.expected").read_bytes().decode("utf-8")
    return text.splitlines()


def test_every_case_has_an_expected_file() -> None:
    cases = golden_cases()
    expected = sorted(p.name.removesuffix(".expected") for p in GOLDEN.glob("*.expected"))
    assert cases == expected
    assert len(cases) >= 30


@pytest.mark.parametrize("name", golden_cases())
def test_golden(name: str, make_project: ProjectFactory, kb: Kb) -> None:
    project = install_case(name, make_project)
    expected = expected_lines(name)

    result = kb(project, "check")

    assert result.stdout.splitlines() == expected
    errors = [line for line in expected if ": warning: " not in line]
    assert result.exit_code == (1 if errors else 0), result.output
    assert "Traceback" not in result.output
    if expected and not errors:
        assert kb(project, "check", "--strict").exit_code == 1


@pytest.mark.parametrize("name", golden_cases())
def test_golden_problems_do_not_stop_other_files(
    name: str, make_project: ProjectFactory, kb: Kb
) -> None:
    """A bad file never hides the problems of the files checked after it."""
    project = install_case(name, make_project)
    after = project / "content" / "lessons" / "zz-after.md"
    after.parent.mkdir(parents=True, exist_ok=True)
    after.write_text(document("Checked after", themes="[sanitaton]"), encoding="utf-8")

    result = kb(project, "check")

    assert result.stdout.splitlines() == [
        *expected_lines(name),
        "content/lessons/zz-after.md:5: themes[0]: 'sanitaton' is not a theme; "
        "did you mean 'sanitation'?",
    ]
    assert result.exit_code == 1


def test_golden_bytes_are_intact() -> None:
    """The byte-exact cases are still what they were written as (git did not convert them)."""
    bom_crlf = (GOLDEN / "bom-crlf.md").read_bytes()
    assert bom_crlf.startswith(b"\xef\xbb\xbf---\r\n")
    assert bom_crlf.count(b"\r\n") == bom_crlf.count(b"\n") > 10
    assert (GOLDEN / "bom-crlf-lines.md").read_bytes().count(b"\r\n") > 10
    latin1 = (GOLDEN / "not-utf8.md").read_bytes()
    assert b"\xe9" in latin1
    assert b"\n" in latin1 and b"\r" not in latin1
    assert (GOLDEN / "utf16.md").read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert b"\x00" in (GOLDEN / "binary.md").read_bytes()
    assert (GOLDEN / "empty.md").read_bytes() == b""
    assert (GOLDEN / "blank-line-before-front-matter.md").read_bytes().startswith(b"\n\n---\n")


def test_bom_and_crlf_load_like_plain_text(make_project: ProjectFactory) -> None:
    """A BOM and CRLF line ends change nothing in what is loaded."""
    crlf = (GOLDEN / "bom-crlf.md").read_bytes()
    plain = crlf.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
    project = make_project({"content/lessons/crlf.md": crlf, "content/lessons/plain.md": plain})

    result = load_project(project)

    # The same title twice is worth a warning, and nothing else is.
    assert [(p.path, p.field, p.severity) for p in result.problems] == [
        ("content/lessons/crlf.md", "title", "warning"),
        ("content/lessons/plain.md", "title", "warning"),
    ]
    documents = {doc.id: doc for doc in result.knowledge_base.documents.values()}
    crlf_doc, plain_doc = documents["crlf"], documents["plain"]
    assert crlf_doc.title == plain_doc.title == "A valid lesson"
    assert crlf_doc.body == plain_doc.body
    assert "\r" not in crlf_doc.body
    assert crlf_doc.body_line == plain_doc.body_line == 9
    assert dict(crlf_doc.lines) == dict(plain_doc.lines)


def test_five_megabyte_document_loads(make_project: ProjectFactory, kb: Kb) -> None:
    """A 5 MB body loads whole (with the size limit raised), and a problem at its end is
    reported on the right line."""
    paragraph = "Handwashing stations were built in every school of the district. " * 12
    lines = [f"## Section {n}\n\n{paragraph}\n" for n in range(7_000)]
    body = "\n".join(lines)
    broken_line = 9 + body.count("\n") + 1  # front matter ends on line 8, the body starts on 9
    body += "\nSee [the missing case](../case-studies/nowhere.md).\n"
    text = document("A very long lesson", body=body)
    assert len(text.encode("utf-8")) > 5 * 1024 * 1024
    limits = "    limits:\n      max_document_kb: 6000\n"
    project = make_project({"content/lessons/long.md": text, "mkdocs.yml": MKDOCS + limits})

    result = kb(project, "check")

    assert result.stdout.splitlines() == [
        f"content/lessons/long.md:{broken_line}: link: '../case-studies/nowhere.md' does not "
        "exist (looked for content/case-studies/nowhere.md)"
    ]
    assert result.exit_code == 1
    loaded = load_project(project).knowledge_base.documents
    assert len(next(iter(loaded.values())).body) == len(body)


def test_alias_bomb_is_refused_within_a_small_budget() -> None:
    """Nine levels of nine aliases would be 387 million values; the budget stops it early."""
    levels = ["a: &a [" + ", ".join(['"lol"'] * 9) + "]"]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        levels.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    text = "\n".join(levels) + "\n"
    tracemalloc.start()
    try:
        parsed, problems = load_yaml(text, "bomb.md", first_line=2)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert parsed is None
    assert [(p.line, p.message.split(";")[0]) for p in problems] == [
        (
            6,
            f"YAML expands into more than {MAX_VALUES:,} values (anchors and aliases "
            "repeated inside each other)",
        )
    ]
    # The budget keeps the values built to 20,000; unbounded, they would take gigabytes.
    assert peak < 50_000_000


def test_python_tags_never_construct_objects(make_project: ProjectFactory, tmp_path: Path) -> None:
    """``!!python/...`` is refused before anything is built: the call is never made."""
    marker = tmp_path / "ran.txt"
    text = (
        "---\n"
        "title: !!python/object/apply:pathlib.Path.touch\n"
        f'  - !!python/object/apply:pathlib.Path ["{marker}"]\n'
        "---\n"
    )
    project = make_project({"content/lessons/tag.md": text})
    settings = load_settings(project)
    path = settings.content_dir / "lessons" / "tag.md"

    source, problems = read_source(path, "content/lessons/tag.md")

    assert not marker.exists()
    assert source is not None
    assert source.front_matter.value == {"title": None}
    assert [p.message for p in problems] == [
        "the YAML tag '!!python/object/apply:pathlib.Path.touch' is not allowed; "
        "remove it and write a plain value"
    ]


@pytest.mark.parametrize("name", golden_cases())
def test_golden_without_libyaml(
    name: str, make_project: ProjectFactory, kb: Kb, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PyYAML without libyaml words its errors differently; kb's messages stay the same."""
    monkeypatch.setattr(yamlsrc, "_Loader", yaml.SafeLoader)
    project = install_case(name, make_project)

    result = kb(project, "check")

    assert result.stdout.splitlines() == expected_lines(name)
