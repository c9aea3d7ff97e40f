"""No drafts trap: a draft is said to be one when it is written, checked and previewed."""

from __future__ import annotations

import re
from collections.abc import Callable

from click.testing import Result

from kb.problems import Problem
from kb.site.problem_banner import banner, with_banner
from tests.conftest import ProjectFactory, document

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
