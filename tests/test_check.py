"""kb check: output formats, exit status, --strict, checking some files, and the shipped KB."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from benchmarks.generate import generate
from click.testing import Result

from kb.loader import LoadMemo, load_project
from tests.conftest import REPO, ProjectFactory, document

Kb = Callable[..., Result]

BAD_THEME = (
    "content/lessons/bad.md:5: themes[0]: 'sanitaton' is not a theme; did you mean 'sanitation'?"
)
UNKNOWN_FIELD = "content/lessons/odd.md:8: colour: warning: unknown field; it is ignored"


def mixed_project(make_project: ProjectFactory, **more: str) -> Path:
    """One clean document, one with an error, one with a warning only (and ``more``)."""
    return make_project(
        {
            "content/lessons/good.md": document("Good"),
            "content/lessons/bad.md": document("Bad", themes="[sanitaton]"),
            "content/lessons/odd.md": document("Odd", colour="blue"),
            **more,
        }
    )


def test_text_format_lists_every_problem_and_a_summary(
    make_project: ProjectFactory, kb: Kb
) -> None:
    result = kb(mixed_project(make_project), "check")

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [BAD_THEME, UNKNOWN_FIELD]
    assert result.stderr.splitlines() == [
        "1 error and 1 warning in 2 files (3 documents checked).",
        "Error: the knowledge base has problems (listed above)",
    ]


def test_clean_project_exits_0(make_project: ProjectFactory, kb: Kb) -> None:
    project = make_project({"content/lessons/good.md": document("Good")})

    result = kb(project, "check", "--strict")

    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "No problems: 1 document checked.\n"


def test_github_format_prints_workflow_annotations(make_project: ProjectFactory, kb: Kb) -> None:
    result = kb(mixed_project(make_project), "check", "--format", "github")

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "::error file=content/lessons/bad.md,line=5,title=themes[0]::themes[0]: "
        "'sanitaton' is not a theme; did you mean 'sanitation'?",
        "::warning file=content/lessons/odd.md,line=8,title=colour::colour: "
        "unknown field; it is ignored",
    ]


def test_github_format_escapes_what_would_break_an_annotation(
    make_project: ProjectFactory, kb: Kb
) -> None:
    """'%', ',' and ':' in a file name or message are escaped as the workflow syntax needs."""
    project = make_project({"content/lessons/100%,a:b.md": document("Odd name")})

    result = kb(project, "check", "--format", "github")

    assert result.stdout.splitlines() == [
        "::error file=content/lessons/100%25%2Ca%3Ab.md,line=1,title=kb check::"
        "'100%25,a:b' cannot be a document id; name the file with letters, digits and "
        "hyphens only",
        "::error file=content/lessons/100%25%2Ca%3Ab.md,line=1,title=kb check::"
        "the name has ':', which Windows does not allow in file names, so the project "
        "cannot be checked out there; rename it",
    ]


def test_json_format_is_machine_readable(make_project: ProjectFactory, kb: Kb) -> None:
    result = kb(mixed_project(make_project), "check", "--format", "json")

    assert result.exit_code == 1
    assert json.loads(result.stdout) == [
        {
            "path": "content/lessons/bad.md",
            "line": 5,
            "field": "themes[0]",
            "message": "'sanitaton' is not a theme; did you mean 'sanitation'?",
            "severity": "error",
        },
        {
            "path": "content/lessons/odd.md",
            "line": 8,
            "field": "colour",
            "message": "unknown field; it is ignored",
            "severity": "warning",
        },
    ]
    assert "checked" not in result.stderr  # no summary mixed into what scripts read


def test_json_format_of_a_clean_project_is_an_empty_list(
    make_project: ProjectFactory, kb: Kb
) -> None:
    project = make_project({"content/lessons/good.md": document("Good")})

    result = kb(project, "check", "--format", "json")

    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


def test_strict_fails_on_warnings(make_project: ProjectFactory, kb: Kb) -> None:
    project = make_project(
        {
            "content/lessons/good.md": document("Good"),
            "content/lessons/odd.md": document("Odd", colour="blue"),
        }
    )

    relaxed = kb(project, "check")
    strict = kb(project, "check", "--strict")

    assert relaxed.exit_code == 0
    assert strict.exit_code == 1
    assert relaxed.stdout == strict.stdout == UNKNOWN_FIELD + "\n"
    assert relaxed.stderr == "1 warning in 1 file (2 documents checked).\n"


def test_check_one_file_reports_only_that_file(make_project: ProjectFactory, kb: Kb) -> None:
    result = kb(mixed_project(make_project), "check", "content/lessons/odd.md")

    assert result.exit_code == 0
    assert result.stdout.splitlines() == [UNKNOWN_FIELD]
    assert result.stderr == "1 warning in 1 file (1 document of 3 checked).\n"


def test_check_one_file_uses_the_whole_knowledge_base(make_project: ProjectFactory, kb: Kb) -> None:
    """Links, translations and unique ids are judged against every document."""
    project = make_project(
        {
            "content/case-studies/accra.md": document(
                "Accra", "case-study", body="## Results\n\nGood ones.\n"
            ),
            "content/lessons/links.md": document(
                "Links",
                body="[ok](../case-studies/accra.md#results)\n"
                "[bad](../case-studies/accra.md#result)\n",
            ),
            "content/lessons/links-fr.md": document("Liens", language="fr", translation_of="links"),
            "content/lessons/twin.md": document("Twin"),
            "content/guidelines/twin.md": document("Twin", "guideline"),
            "content/lessons/broken.md": document("Broken", themes="[nope]"),
        }
    )

    links = kb(project, "check", "content/lessons/links.md")
    translation = kb(project, "check", "content/lessons/links-fr.md")
    twin = kb(project, "check", "content/lessons/twin.md")

    assert links.stdout.splitlines() == [
        "content/lessons/links.md:10: link: '../case-studies/accra.md#result': '#result' "
        "matches no heading in content/case-studies/accra.md; did you mean '#results'?"
    ]
    assert translation.exit_code == 0
    assert translation.stdout == ""
    assert twin.stdout.splitlines() == [
        "content/lessons/twin.md:1: the id 'twin' is also used by content/guidelines/twin.md; "
        "ids must be unique, so rename one of the files"
    ]


def test_check_accepts_paths_from_the_project_folder_and_folders(
    make_project: ProjectFactory, kb: Kb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = document("Case", "case-study", themes="[x]")
    project = mixed_project(make_project, **{"content/case-studies/bad-case.md": case})
    monkeypatch.chdir(tmp_path)  # not the project: paths are tried against it too

    one = kb(project, "check", "content/lessons/bad.md")
    folder = kb(project, "check", "content/lessons")
    absolute = kb(project, "check", str(project / "content" / "lessons" / "bad.md"))

    assert one.stdout.splitlines() == [BAD_THEME]
    assert folder.stdout.splitlines() == [BAD_THEME, UNKNOWN_FIELD]
    assert folder.stderr.startswith("1 error and 1 warning in 2 files (3 documents of 4 checked)")
    assert absolute.stdout == one.stdout


def test_check_one_file_still_shows_taxonomy_problems(make_project: ProjectFactory, kb: Kb) -> None:
    """Every document is judged against the taxonomy, so its problems stay in view."""
    project = make_project({"content/lessons/good.md": document("Good")})
    path = project / "content" / "taxonomy.yml"
    text = path.read_text(encoding="utf-8")
    assert text.splitlines()[10:12] == ["  hygiene:", "    label: Hygiene"]
    path.write_text(text.replace("    label: Hygiene\n", ""), encoding="utf-8")

    result = kb(project, "check", "content/lessons/good.md")

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "content/taxonomy.yml:11: themes.hygiene: 'label:' is missing; add it below the id"
    ]


@pytest.mark.parametrize(
    ("argument", "message"),
    [
        ("content/lessons/nowhere.md", "Error: content/lessons/nowhere.md: no such file or folder"),
        (
            "mkdocs.yml",
            "Error: mkdocs.yml: not in the content folder (content); "
            "kb check looks at documents there",
        ),
    ],
)
def test_check_files_that_cannot_be_checked_exit_2(
    make_project: ProjectFactory, kb: Kb, argument: str, message: str
) -> None:
    project = mixed_project(make_project)

    result = kb(project, "check", argument)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.strip() == message


def test_missing_project_exits_2(tmp_path: Path, kb: Kb) -> None:
    (tmp_path / "content").mkdir()

    no_settings = kb(tmp_path, "check")
    no_folder = kb(tmp_path / "nowhere", "check")

    assert no_settings.exit_code == 2
    assert no_settings.stderr.strip() == (
        f"Error: {tmp_path.resolve()}/mkdocs.yml: no mkdocs.yml here; run kb inside a kb "
        "project or point to one with --project DIR"
    )
    assert no_folder.exit_code == 2
    assert no_folder.stderr.strip() == (
        f"Error: {(tmp_path / 'nowhere').resolve()}: no such folder; "
        "point to a kb project with --project DIR"
    )


def test_broken_settings_exit_2_with_the_line(make_project: ProjectFactory, kb: Kb) -> None:
    project = make_project({"mkdocs.yml": "site_name: x\ntheme:\n  name: [material\n"})

    result = kb(project, "check")

    assert result.exit_code == 2
    assert result.stderr.startswith("Error: mkdocs.yml:4: YAML syntax error")


def test_missing_content_folder_exits_2(tmp_path: Path, kb: Kb) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: x\n", encoding="utf-8")

    result = kb(tmp_path, "check")

    assert result.exit_code == 2
    assert "the content folder does not exist" in result.stderr


def test_problems_are_sorted_by_file_and_line_and_repeatable(
    make_project: ProjectFactory, kb: Kb
) -> None:
    project = make_project(
        {
            "content/lessons/b.md": document("B", themes="[x]", levels="[y]", colour="z"),
            "content/lessons/a.md": document("A", date="2026-02-30"),
            "content/lessons/c.md": "no front matter\n",
        }
    )

    first = kb(project, "check").stdout
    second = kb(project, "check").stdout

    assert first == second
    places = [line.split(":")[:2] for line in first.splitlines()]
    assert places == [
        ["content/lessons/a.md", "7"],
        ["content/lessons/b.md", "5"],
        ["content/lessons/b.md", "6"],
        ["content/lessons/b.md", "8"],
        ["content/lessons/c.md", "1"],
    ]


def test_the_command_line_in_a_real_process(make_project: ProjectFactory) -> None:
    """The installed entry point: exit status, streams, and no traceback on bad input."""
    project = mixed_project(make_project)
    (project / "content" / "lessons" / "binary.md").write_bytes(b"\x00\x01\x02")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}

    done = subprocess.run(
        [sys.executable, "-m", "kb", "--project", str(project), "check"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )

    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        BAD_THEME,
        "content/lessons/binary.md:1: this is a binary file, not a Markdown text file; "
        "remove it or rename it",
        UNKNOWN_FIELD,
    ]
    assert "Traceback" not in done.stderr


def test_shipped_knowledge_base_passes_strict(kb: Kb, monkeypatch: pytest.MonkeyPatch) -> None:
    # As the publish workflow runs it: with the Pages address (see test_site_address).
    monkeypatch.setenv("KB_SITE_URL", "https://owner.github.io/kb/")
    result = kb(REPO, "check", "--strict")

    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    checked = int(result.stderr.split()[2])
    assert checked >= 50
    assert result.stderr == f"No problems: {checked} documents checked.\n"


def test_a_load_that_remembers_the_files_finds_what_a_new_load_finds(tmp_path: Path) -> None:
    # kb serve loads after every edit with a LoadMemo: the files not written since the
    # last load are not read again. Each load must equal a load from nothing.
    project = generate(tmp_path / "generated", 60)
    content = project / "content"
    lessons = sorted((content / "lessons").glob("*.md"))
    memo = LoadMemo()
    assert load_project(project, memo=memo) == load_project(project)
    untouched = lessons[-1].relative_to(project).as_posix()
    kept = memo.files[untouched].source

    def broken_body(path: Path) -> None:
        text = path.read_text(encoding="utf-8")
        path.write_text(text + "\n[Gone](../lessons/gone.md)\n" + "> " * 30 + "deep\n")

    edits = [
        lambda: broken_body(lessons[0]),
        lambda: lessons[1].write_text(
            lessons[1].read_text().replace("type: lesson", "type: lesso")
        ),
        lambda: lessons[2].unlink(),
        lambda: (content / "lessons" / "new-one.md").write_text(document("New one")),
        lambda: lessons[3].write_bytes(b"\xff\xfe not UTF-8"),
        # The vocabularies change: every file is read again.
        lambda: (content / "taxonomy.yml").write_text(
            (content / "taxonomy.yml").read_text().replace('en: "Sanitation"', 'en: "Sanitary"')
        ),
    ]
    for number, edit in enumerate(edits):
        edit()
        remembered = load_project(project, memo=memo)
        assert remembered == load_project(project), number
        assert remembered.problems, number
        if number < len(edits) - 1:
            assert memo.files[untouched].source is kept, number  # not read again
    assert memo.files[untouched].source is not kept
