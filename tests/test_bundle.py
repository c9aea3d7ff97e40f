"""``kb build --bundle``: the site as one zip that works unzipped, from file://."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from kb.site.bundle import for_disk
from kb.site.markup import filesize
from tests.browser import build_apart, chromium
from tests.conftest import MKDOCS, ProjectFactory, document

ZIP = "downloads/test-kb-offline.zip"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def built(make_project: ProjectFactory, tmp_path: Path) -> tuple[Path, Path]:
    """The built site and the folder its bundle was unzipped into."""
    project = make_project(
        {
            "mkdocs.yml": MKDOCS + "    languages: [en, fr]\n",
            "content/lessons/latrine-upgrades.md": document(
                "Latrine upgrades after the forum",
                body="Households upgraded pit latrines after a district forum.\n",
            ),
            "content/guidelines/forum.md": document(
                "Running a district forum",
                "guideline",
                body="## Steps\n\nInvite every household to the forum.\n",
            ),
            "content/lessons/forum-fr.md": document(
                "Le forum de district",
                body="Les ménages ont amélioré leurs latrines après le forum.\n",
                language="fr",
            ),
        }
    )
    out = project / "site"
    printed = build_apart(project, out, "--bundle")  # the module's browser may be open
    assert f"{out / ZIP} (" in printed
    unzipped = tmp_path / "usb-stick"
    with zipfile.ZipFile(out / ZIP) as archive:
        assert archive.testzip() is None
        archive.extractall(unzipped)
    return out, unzipped / "test-kb"


def test_the_bundle_leaves_out_what_cannot_work_from_disk(built: tuple[Path, Path]) -> None:
    site, bundle = built
    names = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert "index.html" in names
    assert "lessons/latrine-upgrades/index.html" in names
    assert "search/bundle-index.js" in names
    assert "assets/kb/lunr/lunr.js" in names
    assert "assets/kb/lunr/lunr.fr.js" in names
    assert not [n for n in names if n.startswith("pagefind/") or n.endswith((".gz", ".br"))]
    assert not {"sw.js", "offline.json"} & names
    assert not [n for n in names if n.endswith(".zip")]
    # Every link to a folder names its index.html; no page registers the worker.
    for page in bundle.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "serviceWorker" not in text
        for target in re.findall(r'(?:href|action)="([^"#?:]*)[^"]*"', text):
            assert target == "" or not (target.endswith("/") or target.endswith("..")), (
                page,
                target,
            )
    # The site's own downloads page offers the zip with its size; the zip's copy does not.
    offer = (site / "downloads/index.html").read_text(encoding="utf-8")
    assert '<div id="kb-bundle">' in offer
    assert 'href="../downloads/test-kb-offline.zip" download' in offer
    size = (site / ZIP).stat().st_size
    assert f"(ZIP, <span data-kb-bundle-size>{filesize(size)}</span>)" in offer
    assert '<div id="kb-bundle" hidden>' in (bundle / "downloads/index.html").read_text(
        encoding="utf-8"
    )


def test_the_records_carry_the_filters_and_labels(built: tuple[Path, Path]) -> None:
    _, bundle = built
    script = (bundle / "search/bundle-index.js").read_text(encoding="utf-8")
    assert script.startswith("window.kbBundleSearch = ")
    data = json.loads(script[len("window.kbBundleSearch = ") :].rstrip().rstrip(";"))
    assert data["languages"] == ["en", "fr"]
    english, french = data["filters"]["en"], data["filters"]["fr"]
    assert english["type"] == {"guideline": "Facilitation guideline", "lesson": "Lesson"}
    assert english["language"] == {"en": "English", "fr": "French"}
    assert french["type"] == {"guideline": "Guide de facilitation", "lesson": "Leçon"}
    assert french["theme"]["sanitation"] == "Sanitation"  # no French label in the taxonomy
    by_title = {d["title"]: d for d in data["documents"]}
    forum = by_title["Running a district forum"]
    assert forum["url"] == "guidelines/forum/index.html"
    assert forum["filters"] == {
        "type": ["guideline"],
        "theme": ["sanitation"],
        "level": ["local"],
        "language": ["en"],
    }
    assert "Invite every household" in forum["text"]
    assert "Sanitation" in forum["tags"]


def test_the_unzipped_bundle_navigates_and_finds_a_document_with_a_filter(
    built: tuple[Path, Path], browser: Browser
) -> None:
    _, bundle = built
    requested: list[str] = []
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requested.append(r.url))
    page.goto((bundle / "index.html").as_uri())
    # Navigation: from the home page to a document, then the side navigation to a listing.
    page.get_by_role("link", name="Running a district forum").first.click()
    assert page.url.endswith("/guidelines/forum/index.html")
    assert page.locator("h1").inner_text() == "Running a district forum"
    page.locator("label.md-nav__link", has_text="Browse").first.click()
    page.locator("a.md-nav__link", has_text="Lessons").first.click()
    assert page.url.endswith("/lessons/index.html")
    page.get_by_role("link", name="Latrine upgrades after the forum").first.click()
    assert page.url.endswith("/lessons/latrine-upgrades/index.html")
    # Search from the header box, as a reader would.
    page.fill("#kb-header-q", "forum")
    page.press("#kb-header-q", "Enter")
    page.wait_for_selector("#kb-search[data-done]", timeout=15_000)
    assert page.url.split("?")[0].endswith("/search/index.html")
    titles = page.locator(".kb-result__title").all_inner_texts()
    assert set(titles) == {
        "Latrine upgrades after the forum",
        "Running a district forum",
        "Le forum de district",
    }
    # A filter narrows the results; the page reloads with it in its address.
    page.select_option("#kb-filter-type", "guideline")
    page.wait_for_url(re.compile(r"type=guideline"))
    page.wait_for_selector("#kb-search[data-done]", timeout=15_000)
    assert page.locator(".kb-result__title").all_inner_texts() == ["Running a district forum"]
    page.locator(".kb-result__title").first.click()
    assert page.locator("h1").inner_text() == "Running a district forum"
    # French stemming: "latrines" finds the French document too, and a language filter keeps it.
    page.goto((bundle / "search/index.html").as_uri() + "?q=latrines&language=fr")
    page.wait_for_selector("#kb-search[data-done]", timeout=15_000)
    assert page.locator(".kb-result__title").all_inner_texts() == ["Le forum de district"]
    # The French search page labels its filters in French.
    page.goto((bundle / "fr/search/index.html").as_uri() + "?q=forum&type=guideline")
    page.wait_for_selector("#kb-search[data-done]", timeout=15_000)
    chosen = page.locator("#kb-filter-type option:checked").inner_text()
    assert chosen == "Type · Guide de facilitation"
    assert page.locator(".kb-result__title").all_inner_texts() == ["Running a district forum"]
    assert errors == []
    assert [u for u in requested if not u.startswith("file://")] == []
    page.close()


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ('href="../"', 'href="../index.html"'),
        ('href="../.."', 'href="../../index.html"'),
        ('href="."', 'href="./index.html"'),
        ('action="../search/"', 'action="../search/index.html"'),
        ('href="x/#steps"', 'href="x/index.html#steps"'),
        ('href="#steps"', 'href="#steps"'),
        ('href="https://example.org/"', 'href="https://example.org/"'),
        ('href="../assets/kb/site.css"', 'href="../assets/kb/site.css"'),
    ],
)
def test_links_to_folders_name_their_index_file(link: str, expected: str) -> None:
    assert for_disk(link) == expected
