"""The shipped knowledge base's site, opened in a real browser (Debian's Chromium).

The site is built once for the module, served from 127.0.0.1, and every test
watches for console errors and for requests that leave the site's origin.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser

from kb.cli import main
from tests.browser import Watched, chromium, serve_directory

REPO = Path(__file__).resolve().parent.parent
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    result = CliRunner().invoke(
        main, ["--project", str(REPO), "build", "--no-pdf", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    with serve_directory(site) as url:
        yield url


@pytest.fixture(scope="module")
def parent_url(site: Path) -> Iterator[str]:
    """The site served one folder down, as on GitHub Pages for a project: /site/."""
    with serve_directory(site.parent, f"{site.name}/") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Watched]:
    context = browser.new_context(viewport=DESKTOP)
    watched = Watched(context.new_page(), base_url)
    yield watched
    context.close()


def search(watched: Watched, base_url: str, query: str) -> list[str]:
    page = watched.page
    page.goto(f"{base_url}search/?q={query}")
    page.wait_for_selector(".pagefind-ui__result-link", timeout=15_000)
    return page.locator(".pagefind-ui__result-link").all_inner_texts()


def result_count(watched: Watched) -> int:
    message = watched.page.locator(".pagefind-ui__message").inner_text()
    return int(message.split()[0])


def test_search_for_a_phrase_lists_its_document(page: Watched, base_url: str) -> None:
    titles = search(page, base_url, '"Technology Applicability Framework"')
    assert any("WASHTech" in t or "technolog" in t.lower() for t in titles), titles
    page.assert_clean()


def test_level_filter_narrows_results(page: Watched, base_url: str) -> None:
    search(page, base_url, "alliance")
    p = page.page
    p.wait_for_function(
        "() => /\\d+ result/.test("
        "document.querySelector('.pagefind-ui__message')?.textContent || '')"
    )
    before = result_count(page)
    p.locator("summary.pagefind-ui__filter-name", has_text="level").click()
    p.locator("label.pagefind-ui__filter-label", has_text="National").click()
    p.wait_for_function(
        f"() => {{ const m = document.querySelector('.pagefind-ui__message'); "
        f"const n = parseInt((m && m.textContent) || '0'); return n > 0 && n < {before}; }}"
    )
    after = result_count(page)
    assert 0 < after < before
    page.assert_clean()


def test_theme_page_groups_documents_by_level(page: Watched, base_url: str) -> None:
    p = page.page
    p.goto(f"{base_url}themes/technology-introduction/")
    headings = p.locator("article h2").all_inner_texts()
    levels = [h for h in headings if "level" in h.lower()]
    assert [h.split()[0] for h in levels] == ["National", "Intermediate", "Local"]
    first = p.locator("article h2#level-national + ul.kb-list a.kb-item__title").first
    title = first.inner_text()
    first.click()
    p.wait_for_load_state()
    assert p.locator("h1").first.inner_text() == title
    assert "National" in p.locator(".kb-meta").inner_text()
    page.assert_clean()


def test_document_page_links_lead_to_the_right_pages(page: Watched, base_url: str) -> None:
    p = page.page
    p.goto(f"{base_url}case-studies/washtech-burkina-faso/")
    for section in ("kb-related", "kb-other-levels", "kb-backlinks"):
        assert p.locator(f"h2#{section}").count() == 1, section
    for section in ("kb-related", "kb-backlinks", "kb-other-levels"):
        p.goto(f"{base_url}case-studies/washtech-burkina-faso/")
        link = p.locator(f"h2#{section} ~ ul.kb-titles a").first
        title = link.inner_text()
        link.click()
        p.wait_for_load_state()
        assert p.locator("h1").first.inner_text() == title, section
    # A backlink really links back: the page it leads to has a link to this one.
    p.goto(f"{base_url}case-studies/washtech-burkina-faso/")
    p.locator("h2#kb-backlinks + ul.kb-titles a").first.click()
    p.wait_for_load_state()
    assert p.locator("article a[href*='washtech-burkina-faso/']").count() >= 1
    page.assert_clean()


def test_translations_are_linked_both_ways(page: Watched, base_url: str) -> None:
    p = page.page
    p.goto(f"{base_url}case-studies/washtech-burkina-faso/")
    p.locator(".kb-meta a[hreflang='fr']").first.click()
    p.wait_for_load_state()
    assert p.locator("html").get_attribute("lang") is not None
    assert p.locator("h1[lang='fr']").count() == 1
    assert p.locator(".kb-meta a[hreflang='en']").count() == 1
    page.assert_clean()


def test_pages_work_without_javascript(browser: Browser, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    p = context.new_page()
    p.goto(f"{base_url}lessons/criteria-make-approval-transparent/")
    assert p.locator("h1").first.is_visible()
    assert p.locator(".kb-meta").is_visible()
    assert "The evidence" in p.locator("article").inner_text()
    # The navigation is reachable without scripts: the drawer toggle is a checkbox.
    p.locator("label.md-header__button[for='__drawer']").click()
    nav = p.locator("nav.md-nav--primary")
    assert nav.get_by_text("Downloads").first.is_visible()
    context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_screenshots(
    browser: Browser, base_url: str, viewport: dict[str, int], tmp_path: Path
) -> None:
    """Screenshots to look at; KB_SCREENSHOTS=DIR keeps them."""
    keep = os.environ.get("KB_SCREENSHOTS")
    folder = Path(keep) if keep else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=viewport)
    watched = Watched(context.new_page(), base_url)
    name = "phone" if viewport is PHONE else "desktop"
    for slug, url in [
        ("home", ""),
        ("document", "case-studies/washtech-burkina-faso/"),
        ("theme", "themes/governance/"),
        ("search", "search/?q=stakeholder"),
    ]:
        watched.page.goto(base_url + url)
        if slug == "search":
            watched.page.wait_for_selector(".pagefind-ui__result-link", timeout=15_000)
        target = folder / f"{name}-{slug}.png"
        watched.page.screenshot(path=str(target), full_page=False)
        assert target.stat().st_size > 5_000
    watched.assert_clean()
    context.close()


def test_search_results_work_when_the_site_is_published_under_a_sub_path(
    browser: Browser, parent_url: str
) -> None:
    context = browser.new_context(viewport=DESKTOP)
    watched = Watched(context.new_page(), parent_url)
    titles = search(watched, parent_url, "stakeholder")
    assert titles
    link = watched.page.locator(".pagefind-ui__result-link").first
    assert (link.get_attribute("href") or "").startswith("/site/")
    link.click()
    watched.page.wait_for_load_state()
    assert watched.page.locator("h1").first.inner_text() == titles[0]
    watched.assert_clean()
    context.close()
