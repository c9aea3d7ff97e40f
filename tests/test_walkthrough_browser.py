"""A browser-only contribution, followed from the pull request's side: what the editor sees
at each step, in the comment and in the preview (screenshots in KB_WALKTHROUGH_DIR when set,
else in the test's temporary folder)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from tests.browser import chromium, serve_built_site
from tests.conftest import ProjectFactory, document
from tests.test_editors import git

Kb = Callable[..., Result]
PATH = "content/case-studies/handpump-repairs.md"


def test_a_browser_only_contribution_from_first_commit_to_ready(
    make_project: ProjectFactory, kb: Kb, tmp_path: Path
) -> None:
    shots = Path(os.environ.get("KB_WALKTHROUGH_DIR") or tmp_path / "walkthrough")
    shots.mkdir(parents=True, exist_ok=True)
    root = make_project({"content/lessons/pumps.md": document("Pumps need spare parts")})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "start")
    # GitHub's "Create a new branch for this commit and start a pull request".
    git(root, "checkout", "-q", "-b", "editor-patch-1")
    # 1. In GitHub's editor: a new file, the example pasted from a word processor.
    pasted = document(
        "Who repairs the handpumps?",
        "case-study",
        body="## Context\n\nThe district agreed who pays for repairs.\n",
        themes="[finanse,\u00a0governance]",
        status="draft",
    ).replace("levels: [local]", "levels:\u00a0[local]")
    (root / PATH).parent.mkdir(parents=True, exist_ok=True)
    (root / PATH).write_text(pasted, encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "Add case study on handpump repairs")

    # 2. The pull request's comment and preview.
    first = kb(root, "check", "--format", "markdown", "--changed", "main")
    (shots / "1-comment.md").write_text(first.stdout, encoding="utf-8")
    built = kb(root, "build", "--no-pdf", "--drafts", "--preview", "--out", str(root / "one"))

    assert first.exit_code == 1 and built.exit_code == 0, built.output
    assert first.stdout.splitlines()[1] == "### ❌ 3 errors in 1 file (1 document of 2 checked)."
    assert f"| `{PATH}` | added | ❌ 3 errors, draft: not published | no page (errors) |" in (
        first.stdout
    )
    for said in (
        "- line 5 `themes` (error): a non-breaking space (U+00A0) at column 18",
        "- line 5 `themes[0]` (error): 'finanse' is not a theme; did you mean 'finance'?",
        "- line 6 `levels` (error): a non-breaking space (U+00A0) at column 8",
    ):
        assert said in first.stdout
    with serve_built_site(root / "one") as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(base)
        notice = page.locator("section.kb-problems")
        assert notice.locator("h2").inner_text() == "The knowledge base has 3 errors"
        page.screenshot(path=str(shots / "2-preview-with-errors.png"))

    # 3. Fixed in the pull request's "Edit file", still a draft: the preview shows the page.
    fixed = pasted.replace("\u00a0", " ").replace("finanse", "finance")
    (root / PATH).write_text(fixed, encoding="utf-8")
    git(root, "commit", "-qam", "Fix the themes")
    second = kb(root, "check", "--format", "markdown", "--changed", "main")
    (shots / "3-comment-draft.md").write_text(second.stdout, encoding="utf-8")
    built = kb(root, "build", "--no-pdf", "--drafts", "--preview", "--out", str(root / "two"))

    assert second.exit_code == 0 and built.exit_code == 0, built.output
    assert second.stdout.splitlines()[1].startswith("### ✅ No problems")
    assert "**Drafts will not be published.**" in second.stdout
    with serve_built_site(root / "two") as base, chromium() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(base + "case-studies/handpump-repairs/")
        assert page.locator("section.kb-problems").count() == 0
        assert page.locator("p.kb-draft").is_visible()
        page.screenshot(path=str(shots / "4-preview-draft-page.png"), full_page=True)

    # 4. Published: the comment has nothing left to say but the document.
    (root / PATH).write_text(fixed.replace("status: draft", "status: published"), encoding="utf-8")
    git(root, "commit", "-qam", "Publish it")
    third = kb(root, "check", "--format", "markdown", "--changed", "main")
    (shots / "5-comment-ready.md").write_text(third.stdout, encoding="utf-8")

    assert third.exit_code == 0
    assert f"| `{PATH}` | added | ready | Who repairs the handpumps? |" in third.stdout
    assert "Drafts" not in third.stdout
