"""``kb check --changed``: only the files changed since a git revision, and their neighbours."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from tests.conftest import ProjectFactory, document

KbRunner = Callable[..., Result]
ANNOTATION = re.compile(r"^::(error|warning) file=([^,]+),line=(\d+),title=([^:]*)::(.*)$")


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with a fixed identity, so commits work on any machine."""
    completed = subprocess.run(
        ["git", "-c", "user.name=Test Editor", "-c", "user.email=editor@example.org", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def annotations(result: Result) -> list[tuple[str, str, int, str]]:
    """(severity, file, line, message) of every ``::error``/``::warning`` line printed."""
    found = []
    for line in result.stdout.splitlines():
        match = ANNOTATION.match(line)
        assert match, f"not an annotation: {line!r}"
        found.append((match[1], match[2], int(match[3]), match[5]))
    return found


@pytest.fixture
def repo(make_project: ProjectFactory) -> Path:
    """A valid knowledge base of three documents committed on ``main``."""
    root = make_project(
        {
            "content/lessons/water-points.md": document(
                "Water points", body="Read [the guide](../guidelines/running-meetings.md).\n"
            ),
            "content/guidelines/running-meetings.md": document(
                "Running meetings", doc_type="guideline", body="## Agenda\n\nPlan it.\n"
            ),
            "content/case-studies/accra.md": document("Accra", doc_type="case-study"),
        }
    )
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "A valid knowledge base")
    return root


def test_three_errors_in_one_changed_document_are_the_three_annotations(
    repo: Path, kb: KbRunner
) -> None:
    # The done-when test of the editors' workflow: a branch changes one
    # document, introducing exactly three errors, and the check of that
    # branch reports those three, as GitHub annotations on their lines.
    git(repo, "checkout", "-q", "-b", "edit-lesson")
    lesson = repo / "content/lessons/water-points.md"
    lesson.write_text(
        "---\n"  # 1
        "title: Water points\n"  # 2
        "type: lesson\n"  # 3
        "summary: Who keeps the pumps running.\n"  # 4
        "themes: [sanitaton]\n"  # 5: not a theme
        "levels: [local]\n"  # 6
        "date: 2026-13-01\n"  # 7: no thirteenth month
        "---\n"  # 8
        "Read [the guide](../guidelines/running-meeting.md).\n"  # 9: no such file
        "\n"
        "See [the case](../case-studies/accra.md).\n",
        encoding="utf-8",
    )
    commit_all(repo, "Edit the lesson")

    result = kb(repo, "check", "--changed", "--format", "github")

    assert result.exit_code == 1
    found = annotations(result)
    path = "content/lessons/water-points.md"
    assert [(severity, file, line) for severity, file, line, _ in found] == [
        ("error", path, 5),
        ("error", path, 7),
        ("error", path, 9),
    ]
    assert "'sanitaton' is not a theme; did you mean 'sanitation'?" in found[0][3]
    assert found[1][3].startswith("date: ") and "2026-13-01" in found[1][3]
    assert "running-meeting.md" in found[2][3] and "does not exist" in found[2][3]
    assert "Checking 1 changed file since main" in result.stderr


def test_unchanged_documents_keep_their_problems_to_themselves(repo: Path, kb: KbRunner) -> None:
    # A problem already on main (here a misspelt field) is not this change's business.
    old = repo / "content/case-studies/accra.md"
    old.write_text(document("Accra", doc_type="case-study", colour="blue"), encoding="utf-8")
    commit_all(repo, "A warning on main")
    (repo / "content/lessons/water-points.md").write_text(
        document("Water points", themes="[hygene]"), encoding="utf-8"
    )

    result = kb(repo, "check", "--changed")

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "content/lessons/water-points.md:5: themes[0]: 'hygene' is not a theme; "
        "did you mean 'hygiene'?"
    ]
    everything = kb(repo, "check")
    assert "content/case-studies/accra.md" in everything.stdout


def test_the_report_is_the_whole_checks_report_on_those_files(repo: Path, kb: KbRunner) -> None:
    # --changed checks the bodies of the files it reports on only (most of a check's time):
    # what it reports must be what the whole check reports on those files, body problems
    # of every kind included, and nothing of the other files'.
    body_problems = (
        "See [the missing guide](../guidelines/missing.md) and ![](../media/none.png).\n\n"
        + "".join("    " * depth + "- deeper\n" for depth in range(25))
        + "\nAs a study shows.[^nobody]\n"
    )
    (repo / "content/case-studies/accra.md").write_text(
        document("Accra", doc_type="case-study", body=body_problems, countries="[GH, KE]"),
        encoding="utf-8",
    )
    commit_all(repo, "Problems on main")
    (repo / "content/lessons/water-points.md").write_text(
        document("Water points", body=body_problems, countries="[TZ]"), encoding="utf-8"
    )

    narrowed = kb(repo, "check", "--changed", "--format", "json")
    whole = kb(repo, "check", "--format", "json")

    reported = json.loads(narrowed.stdout)
    everything = json.loads(whole.stdout)
    assert {p["path"] for p in reported} == {"content/lessons/water-points.md"}
    assert reported == [p for p in everything if p["path"] == "content/lessons/water-points.md"]
    fields = {p["field"] for p in reported}
    assert {"link", "image", "body", "citation", "countries[0]"} <= fields, fields
    # The unchanged file has the same problems, and the whole check names them.
    assert len([p for p in everything if p["path"] == "content/case-studies/accra.md"]) > len(
        reported
    )


def test_staged_unstaged_and_untracked_files_all_count(repo: Path, kb: KbRunner) -> None:
    (repo / "content/lessons/water-points.md").write_text(
        document("Water points", levels="[locall]"), encoding="utf-8"
    )
    staged = repo / "content/case-studies/accra.md"
    staged.write_text(document("Accra", doc_type="case-study", summary=""), encoding="utf-8")
    git(repo, "add", str(staged))
    (repo / "content/lessons/new-one.md").write_text(
        document("New one", date="yesterday"), encoding="utf-8"
    )

    result = kb(repo, "check", "--changed", "--format", "github")

    files = sorted({file for _, file, _, _ in annotations(result)})
    assert files == [
        "content/case-studies/accra.md",
        "content/lessons/new-one.md",
        "content/lessons/water-points.md",
    ]


def test_a_deleted_document_reports_the_documents_that_linked_to_it(
    repo: Path, kb: KbRunner
) -> None:
    git(repo, "rm", "-q", "content/guidelines/running-meetings.md")

    result = kb(repo, "check", "--changed")

    assert result.exit_code == 1
    assert result.stdout.startswith(
        "content/lessons/water-points.md:9: link: '../guidelines/running-meetings.md' "
        "does not exist"
    )
    assert len(result.stdout.splitlines()) == 1
    assert "and 1 document linking to them" in result.stderr


def test_a_renamed_document_reports_its_translations(repo: Path, kb: KbRunner) -> None:
    (repo / "content/case-studies/accra-fr.md").write_text(
        document("Accra (fr)", doc_type="case-study", language="fr", translation_of="accra"),
        encoding="utf-8",
    )
    commit_all(repo, "A translation")
    git(repo, "mv", "content/case-studies/accra.md", "content/case-studies/accra-city.md")

    result = kb(repo, "check", "--changed")

    assert result.exit_code == 1
    assert (
        "content/case-studies/accra-fr.md:10: translation_of: no document has the id 'accra'"
        in (result.stdout)
    )


def test_documents_linking_to_a_changed_document_are_checked_too(repo: Path, kb: KbRunner) -> None:
    # Removing a heading breaks an anchor in another document.
    (repo / "content/lessons/water-points.md").write_text(
        document("Water points", body="See [agenda](../guidelines/running-meetings.md#agenda).\n"),
        encoding="utf-8",
    )
    commit_all(repo, "Link to a section")
    (repo / "content/guidelines/running-meetings.md").write_text(
        document("Running meetings", doc_type="guideline", body="## Order of business\n"),
        encoding="utf-8",
    )

    result = kb(repo, "check", "--changed")

    assert result.exit_code == 1
    assert result.stdout.startswith("content/lessons/water-points.md:9: link:")
    assert "'#agenda' matches no heading" in result.stdout


def test_a_changed_taxonomy_checks_every_document(repo: Path, kb: KbRunner) -> None:
    taxonomy = repo / "content/taxonomy.yml"
    taxonomy.write_text(
        taxonomy.read_text(encoding="utf-8").replace(
            "  sanitation:\n", "  sanitation-and-waste:\n"
        ),
        encoding="utf-8",
    )

    result = kb(repo, "check", "--changed")

    assert result.exit_code == 1
    reported = {line.split(":")[0] for line in result.stdout.splitlines()}
    assert reported == {
        "content/lessons/water-points.md",
        "content/guidelines/running-meetings.md",
        "content/case-studies/accra.md",
    }
    assert "content/taxonomy.yml changed since main" in result.stderr


def test_nothing_changed_is_a_clean_pass(repo: Path, kb: KbRunner) -> None:
    result = kb(repo, "check", "--changed", "--format", "json")

    assert result.exit_code == 0
    assert result.stdout.strip() == "[]"
    assert "No document changed since main" in result.stderr


def test_a_branch_is_compared_with_where_it_left_the_base(repo: Path, kb: KbRunner) -> None:
    # Work merged into main after the branch started is not the branch's change.
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "content/lessons/water-points.md").write_text(
        document("Water points", levels="[regional]"), encoding="utf-8"
    )
    commit_all(repo, "Feature work")
    git(repo, "checkout", "-q", "main")
    (repo / "content/case-studies/accra.md").write_text(
        document("Accra", doc_type="case-study", countries="[XX]"), encoding="utf-8"
    )
    commit_all(repo, "Main moves on (with a problem of its own)")
    git(repo, "checkout", "-q", "feature")

    result = kb(repo, "check", "--changed=main")

    assert result.exit_code == 1
    assert {line.split(":")[0] for line in result.stdout.splitlines()} == {
        "content/lessons/water-points.md"
    }


def test_without_main_the_previous_commit_is_the_base(
    make_project: ProjectFactory, kb: KbRunner
) -> None:
    root = make_project({"content/lessons/a.md": document("A")})
    git(root, "init", "-q", "-b", "trunk")
    commit_all(root, "first")
    (root / "content/lessons/b.md").write_text(document("B", themes="[x]"), encoding="utf-8")
    commit_all(root, "second")

    result = kb(root, "check", "--changed")

    assert result.exit_code == 1
    assert "since HEAD~1" in result.stderr
    assert result.stdout.startswith("content/lessons/b.md:5: themes[0]:")


def test_a_project_in_a_subfolder_of_the_repository(
    make_project: ProjectFactory, kb: KbRunner
) -> None:
    root = make_project({"content/lessons/a.md": document("A")})
    outer = root.parent
    git(outer, "init", "-q", "-b", "main")
    commit_all(outer, "first")
    (root / "content/lessons/a.md").write_text(document("A", levels="[locale]"), encoding="utf-8")
    (outer / "elsewhere.md").write_text("not part of the project\n", encoding="utf-8")

    result = kb(root, "check", "--changed")

    assert result.exit_code == 1
    assert result.stdout.startswith("content/lessons/a.md:6: levels[0]: 'locale' is not a level")


def test_not_a_git_repository_is_a_clear_error(
    make_project: ProjectFactory, kb: KbRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project({"content/lessons/a.md": document("A")})
    # Stop git from finding a repository above tmp_path on machines that have one.
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(root.parent))

    result = kb(root, "check", "--changed")

    assert result.exit_code == 2
    assert "is not in a git repository; --changed needs the project's git history" in (
        result.output
    )
    assert "Traceback" not in result.output


def test_an_unknown_revision_is_a_clear_error(repo: Path, kb: KbRunner) -> None:
    result = kb(repo, "check", "--changed=origin/nowhere")

    assert result.exit_code == 2
    assert "'origin/nowhere' is not a known git revision" in result.output


def test_files_and_changed_together_are_refused(repo: Path, kb: KbRunner) -> None:
    result = kb(repo, "check", "--changed=main", str(repo / "content/case-studies/accra.md"))

    assert result.exit_code == 2
    assert "give FILES or --changed, not both" in result.output
