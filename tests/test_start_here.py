"""The start-here page: the home page leads to it, and a configured one must exist."""

from __future__ import annotations

from collections.abc import Callable

from click.testing import Result

from tests.conftest import MKDOCS, ProjectFactory, document

Kb = Callable[..., Result]


def test_home_page_leads_to_the_start_here_page(make_project: ProjectFactory, kb: Kb) -> None:
    project = make_project(
        {
            "content/guidelines/start-here.md": document(
                "What a learning alliance is, and where to start", "guideline"
            ),
            "content/lessons/other.md": document("Other"),
        }
    )
    out = project / "site"

    result = kb(project, "build", "--no-pdf", "--out", str(out))

    assert result.exit_code == 0, result.output
    home = (out / "index.html").read_text(encoding="utf-8")
    assert (
        '<a href="guidelines/start-here/">Start here: What a learning alliance is, '
        "and where to start</a>"
    ) in home
    assert "Start here" not in (out / "lessons" / "index.html").read_text(encoding="utf-8")


def test_a_configured_start_page_that_does_not_exist_is_an_error(
    make_project: ProjectFactory, kb: Kb
) -> None:
    project = make_project(
        {
            "mkdocs.yml": MKDOCS + "    start_here: start-hree\n",
            "content/guidelines/start-here.md": document("Start", "guideline"),
        }
    )

    result = kb(project, "check")

    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "mkdocs.yml:1: extra.kb.start_here: no document has the id 'start-hree', which the "
        "home page's start-here link points to; did you mean 'start-here'?"
    ]
