"""No drafts trap: a draft is said to be one when it is written, checked and previewed."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from kb.problems import Problem
from kb.site.problem_banner import banner, with_banner
from tests.conftest import REPO, ProjectFactory, document

Kb = Callable[..., Result]


def test_new_with_publish_writes_a_published_document(make_project: ProjectFactory, kb: Kb) -> None:
    project = make_project({})

    result = kb(project, "new", "lesson", "Rope pumps", "--publish")

    assert result.exit_code == 0, result.output
    assert "draft" not in result.stdout.splitlines()[-1]
    text = (project / "content/lessons/rope-pumps.md").read_text(encoding="utf-8")
    assert "\nstatus: published        # or draft: checked and previewed, not published\n" in text


def test_the_check_says_which_drafts_will_not_be_published(
    make_project: ProjectFactory, kb: Kb
) -> None:
    project = make_project(
        {
            "content/lessons/ready.md": document("Ready"),
            "content/lessons/pumps.md": document("Pumps", status="draft"),
            # A draft with an error is still named: it is the usual state of a new one.
            "content/lessons/wells.md": document("Wells", status="draft", themes="[sanitaton]"),
        }
    )

    text = kb(project, "check")
    one = kb(project, "check", "content/lessons/pumps.md")
    github = kb(project, "check", "--format", "github")

    assert text.stderr.splitlines()[-2] == (
        "2 drafts will not be published: content/lessons/pumps.md, content/lessons/wells.md "
        "(change 'status: draft' to 'status: published' to publish them)."
    )
    assert one.exit_code == 0
    assert one.stderr.splitlines()[-1] == (
        "1 draft will not be published: content/lessons/pumps.md (change 'status: draft' to "
        "'status: published' to publish it)."
    )
    notices = [line for line in github.stdout.splitlines() if line.startswith("::notice ")]
    assert notices == [
        f"::notice file=content/lessons/{name}.md,line=8,title=status::status: this document "
        "is a draft: it will not be published when merged; change the line to 'status: "
        "published' to publish it"
        for name in ("pumps", "wells")
    ]
    assert "draft" not in kb(project, "check", "content/lessons/ready.md").stderr


def test_the_preview_marks_a_draft_page(make_project: ProjectFactory, kb: Kb) -> None:
    project = make_project(
        {
            "content/lessons/ready.md": document("Ready"),
            "content/lessons/pumps.md": document("Pumps", status="draft"),
        }
    )
    out = project / "preview"

    result = kb(project, "build", "--no-pdf", "--drafts", "--out", str(out))

    assert result.exit_code == 0, result.output
    draft = (out / "lessons/pumps/index.html").read_text(encoding="utf-8")
    ready = (out / "lessons/ready/index.html").read_text(encoding="utf-8")
    banner = re.search(r'<p class="kb-draft" role="note">(.*?)</p>', draft, re.DOTALL)
    assert banner, "the draft's page says it is a draft"
    assert re.sub(r"<[^>]+>", "", banner[1]) == (
        "Draft: this document is shown in previews only. It will not be published until its "
        "front matter says status: published."
    )
    assert "kb-draft" not in ready


def test_a_preview_build_goes_ahead_despite_errors_and_shows_them(
    make_project: ProjectFactory, kb: Kb
) -> None:
    project = make_project(
        {
            "content/lessons/ready.md": document("Ready"),
            "content/lessons/broken.md": document("Broken", themes="[sanitaton]"),
        }
    )
    out = project / "preview"

    refused = kb(project, "build", "--no-pdf", "--out", str(out))
    assert refused.exit_code == 1 and not (out / "index.html").exists()

    result = kb(project, "build", "--no-pdf", "--preview", "--out", str(out))

    assert result.exit_code == 0, result.output
    assert "A preview: 1 error shown at the top of every page" in result.stdout
    assert not (out / "lessons/broken").exists()
    for page in ("index.html", "lessons/ready/index.html", "lessons/index.html"):
        text = (out / page).read_text(encoding="utf-8")
        assert text.count('<section class="kb-problems" role="alert"') == 1, page
        assert "content/lessons/broken.md:5: themes[0]: &#x27;sanitaton&#x27;" in text, page
        # After the skip link, before the site's header.
        notice = text.index('<section class="kb-problems"')
        assert text.index('class="md-skip"') < notice < text.index('<header class="md-header')
    assert kb(project, "build", "--preview", "--strict").exit_code == 2


def test_the_preview_notice_puts_the_page_in_view_first_and_speaks_its_language() -> None:
    problems = [
        Problem("content/lessons/a.md", 3, "title", "is empty"),
        Problem("content/lessons/pumps/index.md", 5, "themes[0]", "'x' is not a theme"),
        Problem("content/lessons/b.md", 2, "", "a warning", "warning"),
    ]

    notice = banner(problems, "/fr/lessons/pumps/", "fr")
    page = with_banner(b'<html><body class="x"><p>Text</p></body></html>', notice)

    assert "<h2>La base de connaissances a 2 erreurs</h2>" in notice
    items = re.findall(r"<li( class=\"kb-problems__here\")?><code>(.*?)</code></li>", notice)
    assert items == [
        (
            ' class="kb-problems__here"',
            "content/lessons/pumps/index.md:5: themes[0]: &#x27;x&#x27; is not a theme",
        ),
        ("", "content/lessons/a.md:3: title: is empty"),
    ]
    assert page.startswith(b'<html><body class="x"><section class="kb-problems"')
    assert page.endswith(b"<p>Text</p></body></html>")
    assert banner(problems[2:], "/", "en") == ""
    assert with_banner(b"<p>x</p>", "") == b"<p>x</p>"


# -- the pull-request comment ----------------------------------------------------------


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Editor", "-c", "user.email=e@example.org", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def test_the_comment_lists_all_fourteen_errors_the_documents_and_the_drafts(
    make_project: ProjectFactory, kb: Kb
) -> None:
    """GitHub shows ten line notes per step; the comment shows every problem."""
    root = make_project({"content/lessons/good.md": document("Good lesson")})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "start")
    links = "".join(f"See [case {n}](../case-studies/missing-{n}.md).\n\n" for n in range(10))
    (root / "content/lessons/good.md").write_text(
        document("Good lesson", body="Revised.\n"), encoding="utf-8"
    )
    (root / "content/lessons/pumps.md").write_text(
        document("Pumps", status="draft"), encoding="utf-8"
    )
    (root / "content/lessons/broken.md").write_text(
        document(
            "Broken",
            themes="[sanitaton, hygeine]",
            levels="[locl]",
            date="2026-02-30",
            body=links,
        ),
        encoding="utf-8",
    )
    preview = "https://example-org.github.io/kb/pr-preview/pr-7/"

    result = kb(
        root, "check", "--format", "markdown", "--changed", "main", "--preview-url", preview
    )

    assert result.exit_code == 1
    text = result.stdout
    assert text.startswith("<!-- kb check -->\n### ❌ 14 errors in 1 file (3 documents of 3")
    listed = re.findall(r"^- line (\d+) `([^`]+)` \(error\): ", text, re.MULTILINE)
    assert len(listed) == 14
    assert listed[:4] == [("5", "themes[0]"), ("5", "themes[1]"), ("6", "levels[0]"), ("7", "date")]
    assert [line for line, _field in listed[4:]] == [str(9 + 2 * n) for n in range(10)]
    assert "| `content/lessons/broken.md` | added | ❌ 14 errors | no page (errors) |" in text
    assert (
        f"| `content/lessons/good.md` | changed | ready | [Good lesson]({preview}lessons/good/) |"
        in text
    )
    assert (
        f"| `content/lessons/pumps.md` | added | draft: not published | [Pumps]"
        f"({preview}lessons/pumps/) |" in text
    )
    assert "**Drafts will not be published.**" in text
    assert "- `content/lessons/pumps.md`, line 8" in text


def test_the_comment_of_a_clean_pull_request(make_project: ProjectFactory, kb: Kb) -> None:
    root = make_project({"content/lessons/good.md": document("Good lesson")})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "start")
    (root / "content/lessons/new.md").write_text(document("New *lesson*"), encoding="utf-8")

    result = kb(root, "check", "--format", "markdown", "--changed", "main")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:2] == [
        "<!-- kb check -->",
        "### ✅ No problems: 1 document of 2 checked.",
    ]
    # Without a preview address the title is named, not linked.
    assert "| `content/lessons/new.md` | added | ready | New *lesson* |" in result.stdout
    assert "Every problem" not in result.stdout and "Drafts" not in result.stdout


def test_the_pull_request_template_has_the_reviewers_checklist() -> None:
    template = (REPO / ".github" / "pull_request_template.md").read_text(encoding="utf-8")
    items = re.findall(r"^- \[ \] (.+)$", template, re.MULTILINE)
    assert len(items) >= 8
    assert any("status: published" in item for item in items)
    assert any("preview" in item for item in items)


def test_edit_this_page_opens_the_documents_source_in_the_online_editor(
    make_project: ProjectFactory, kb: Kb, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = make_project(
        {
            "content/lessons/pumps.md": document("Pumps"),
            "content/case-studies/accra/index.md": document("Accra", "case-study"),
        }
    )
    editor = "https://github.com/example-org/kb/edit/main/content"
    monkeypatch.setenv("KB_EDIT_URL", editor)
    out = project / "site"

    result = kb(project, "build", "--no-pdf", "--out", str(out))

    assert result.exit_code == 0, result.output
    for page, source in (
        ("lessons/pumps/index.html", "lessons/pumps.md"),
        ("case-studies/accra/index.html", "case-studies/accra/index.md"),
    ):
        text = (out / page).read_text(encoding="utf-8")
        assert f'<a href="{editor}/{source}" rel="edit">Edit this page</a>' in text, page
    monkeypatch.setenv("KB_EDIT_URL", "github.com/x")
    refused = kb(project, "check")
    assert refused.exit_code == 2
    assert "extra.kb.edit_url: 'github.com/x' is not a web address" in refused.output
