"""Languages in a real browser: the French site, its switch and search; Arabic right to left."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.browser import Watched, build_apart, chromium, serve_directory
from tests.conftest import MKDOCS, TAXONOMY, document

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
FRENCH_GUIDELINE = "guidelines/setting-up-a-learning-alliance-fr/"
ARABIC_CASE_STUDY = "case-studies/empowers-jordan-scenario-building-ar/"
#: Where an element's text lies on the screen (its box spans the whole column).
TEXT_BOX = """(e) => {
  const range = document.createRange();
  range.selectNodeContents(e);
  const box = range.getBoundingClientRect();
  return {left: box.left, right: box.right, top: box.top};
}"""
ENGLISH_GUIDELINE = "guidelines/setting-up-a-learning-alliance/"


def result_links(page: Page) -> list[str]:
    """The addresses the search page's result titles lead to, in order."""
    links: list[str] = page.locator(".kb-result__title").evaluate_all(
        "(ts) => ts.map((t) => (t.closest('a') || t.querySelector('a')).href)"
    )
    return links


@pytest.fixture(scope="module")
def base_url(shipped_site: Path) -> Iterator[str]:
    with serve_directory(shipped_site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def screenshots() -> Path | None:
    """KB_SCREENSHOTS=DIR keeps the screenshots to look at."""
    keep = os.environ.get("KB_SCREENSHOTS")
    return Path(keep) if keep else None


def test_a_french_page_speaks_french_and_switches_to_english(
    browser: Browser, base_url: str
) -> None:
    context = browser.new_context(viewport=DESKTOP)
    watched = Watched(context.new_page(), base_url)
    page = watched.page
    page.goto(base_url + FRENCH_GUIDELINE)
    assert page.locator("html").get_attribute("lang") == "fr"
    # All the page's words, those of the folded "about this document" panel included.
    text = page.locator("body").text_content() or ""
    for french in ("Thèmes", "Niveaux", "Comment citer", "Documents liés", "Accueil"):
        assert french in text, french
    for english in ("Themes", "How to cite", "Related documents", "Skip to content"):
        assert english not in text, english
    page.locator(".kb-language-switch a", has_text="English").click()
    page.wait_for_url("**/" + ENGLISH_GUIDELINE)
    assert page.locator("html").get_attribute("lang") == "en"
    assert "How to cite" in page.locator("body").inner_text()
    page.locator(".kb-language-switch a", has_text="Français").click()
    page.wait_for_url("**/" + FRENCH_GUIDELINE)
    # The French navigation leads to the French browse pages.
    page.locator("a.md-tabs__link", has_text="Accueil").click()
    page.wait_for_url("**/fr/")
    assert "Parcourir par thème" in page.locator("body").inner_text()
    page.locator("article a", has_text="Assainissement").first.click()
    page.wait_for_url("**/fr/themes/sanitation/")
    assert page.locator("h1").first.inner_text() == "Assainissement"
    watched.assert_clean()
    context.close()


def test_the_french_search_page_finds_french_pages_in_french(
    browser: Browser, base_url: str
) -> None:
    context = browser.new_context(viewport=DESKTOP)
    watched = Watched(context.new_page(), base_url)
    page = watched.page
    page.goto(base_url + "fr/search/?q=homologation")
    page.wait_for_selector("#kb-search[data-done]", timeout=15_000)
    assert page.locator("html").get_attribute("lang") == "fr"
    # The search page's own words are French too.
    assert "résultat" in page.locator(".kb-status").inner_text()
    assert page.locator(".kb-filter-toggle").inner_text() == "Filtrer"
    titles = page.locator(".kb-result__title").all_inner_texts()
    assert any("homologation" in t for t in titles), titles
    links = result_links(page)
    assert links and all(link.rstrip("/").endswith("-fr") for link in links), links
    # The same word from the English search page finds no French page.
    page.goto(base_url + "search/?q=homologation")
    page.wait_for_selector("#kb-search[data-done]", timeout=15_000)
    english = result_links(page)
    assert not [link for link in english if link.rstrip("/").endswith("-fr")], english
    watched.assert_clean()
    context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_french_screenshots(
    browser: Browser, base_url: str, viewport: dict[str, int], tmp_path: Path
) -> None:
    folder = screenshots() or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=viewport)
    watched = Watched(context.new_page(), base_url)
    for slug, url in (("fr-document", FRENCH_GUIDELINE), ("fr-home", "fr/")):
        watched.page.goto(base_url + url)
        target = folder / f"{slug}-{viewport['width']}.png"
        watched.page.screenshot(path=str(target))
        assert target.stat().st_size > 5_000
        # Nothing wider than the screen: the switch fits in the header.
        width = watched.page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"]
    watched.assert_clean()
    context.close()


ARABIC_CASE = (
    "## ما الذي حدث\n\n"
    "اجتمعت البلديات والجمعيات والباحثون في منصة واحدة لإدارة المياه في المدينة. "
    "وضعت المنصة معايير واضحة لاختيار التقنيات، ووافقت الوزارة عليها بعد سنة.\n\n"
    "- المياه النظيفة للجميع\n- الصرف الصحي في القرى\n"
)


@pytest.fixture(scope="module")
def arabic_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("arabic") / "project"
    files = {
        "mkdocs.yml": MKDOCS.replace(
            "    default_language: en\n", "    default_language: en\n    languages: [en, ar]\n"
        ),
        "content/taxonomy.yml": TAXONOMY,
        "content/case-studies/city-platform.md": document(
            "A city platform agrees criteria", "case-study", body="The city platform agreed.\n"
        ),
        "content/case-studies/city-platform-ar.md": document(
            "منصة المدينة تتفق على المعايير",
            "case-study",
            body=ARABIC_CASE,
            summary="منصة واحدة للمدينة وضعت معايير واضحة.",
            language="ar",
            translation_of="city-platform",
        ),
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    site = root / "site"
    build_apart(root, site)  # the browser is open already
    with serve_directory(site) as url:
        yield url


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_an_arabic_page_reads_right_to_left(
    browser: Browser, arabic_url: str, viewport: dict[str, int], tmp_path: Path
) -> None:
    context = browser.new_context(viewport=viewport)
    watched = Watched(context.new_page(), arabic_url)
    page = watched.page
    page.goto(arabic_url + "case-studies/city-platform-ar/")
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    article = page.locator("article").first
    assert article.evaluate("(e) => getComputedStyle(e).direction") == "rtl"
    # Right to left: the first paragraph's text ends at the left, starts at the right.
    paragraph = page.locator("article p", has_text="اجتمعت").first
    box = paragraph.bounding_box()
    content = article.bounding_box()
    assert box is not None and content is not None
    assert box["x"] + box["width"] >= content["x"] + content["width"] - 40
    folder = screenshots() or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"ar-document-{viewport['width']}.png"
    page.screenshot(path=str(target))
    assert target.stat().st_size > 5_000
    watched.assert_clean()
    context.close()


def test_the_arabic_search_page_stems_arabic(browser: Browser, arabic_url: str) -> None:
    context = browser.new_context(viewport=DESKTOP)
    watched = Watched(context.new_page(), arabic_url)
    page = watched.page
    # "معايير" (criteria) finds the page that says "المعايير"/"معايير"; "البلدية" finds
    # "البلديات" only through the stemmer.
    page.goto(arabic_url + "ar/search/?q=البلدية")
    page.wait_for_selector("#kb-search[data-done]", timeout=15_000)
    assert page.locator("html").get_attribute("dir") == "rtl"
    titles = page.locator(".kb-result__title").all_inner_texts()
    assert titles == ["منصة المدينة تتفق على المعايير"], titles
    watched.assert_clean()
    context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_shipped_arabic_case_study_reads_right_to_left_and_says_it_awaits_review(
    browser: Browser, base_url: str, viewport: dict[str, int], tmp_path: Path
) -> None:
    context = browser.new_context(viewport=viewport)
    watched = Watched(context.new_page(), base_url)
    page = watched.page
    page.goto(base_url + ARABIC_CASE_STUDY)
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    article = page.locator("article").first
    assert article.evaluate("(e) => getComputedStyle(e).direction") == "rtl"
    # Right to left: headings and paragraphs start at the right edge of the text column.
    content = article.bounding_box()
    heading = page.locator("article h2", has_text="السياق").first.evaluate(TEXT_BOX)
    assert content is not None
    assert heading["right"] >= content["x"] + content["width"] - 40
    assert heading["left"] > content["x"] + content["width"] / 2
    # The notice is seen before the text, in Arabic, then in English for the original.
    notice = page.locator(".kb-review-notice")
    assert notice.is_visible()
    said = notice.locator("span").all_inner_texts()
    assert said[0].startswith("لم يراجع هذه الترجمةَ") and said[1].startswith("This translation")
    assert notice.evaluate(TEXT_BOX)["top"] < heading["top"]
    # An Arabic interface around it: navigation, panel, sections at the foot.
    text = page.locator("body").text_content() or ""
    for arabic in ("الرئيسية", "عن هذه الوثيقة", "طريقة الاستشهاد", "وثائق ذات صلة"):
        assert arabic in text, arabic
    for english in ("How to cite", "Related documents", "Skip to content"):
        assert english not in text, english
    # Its switch leads to the English original.
    page.locator(".kb-language-switch a", has_text="English").click()
    page.wait_for_url("**/case-studies/empowers-jordan-scenario-building/")
    page.go_back()
    folder = screenshots() or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    for slug, url in (("ar-case-study", ARABIC_CASE_STUDY), ("ar-home", "ar/")):
        page.goto(base_url + url)
        target = folder / f"{slug}-{viewport['width']}.png"
        page.screenshot(path=str(target), full_page=slug == "ar-case-study")
        assert target.stat().st_size > 5_000
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], (url, width)
    watched.assert_clean()
    context.close()


def test_the_arabic_search_page_finds_the_arabic_empowers_case_studies(
    browser: Browser, base_url: str
) -> None:
    context = browser.new_context(viewport=DESKTOP)
    watched = Watched(context.new_page(), base_url)
    page = watched.page
    page.goto(base_url + "ar/search/?q=السيناريوهات")
    page.wait_for_selector("#kb-search[data-done]", timeout=15_000)
    assert page.locator("html").get_attribute("dir") == "rtl"
    titles = page.locator(".kb-result__title").all_inner_texts()
    assert any(t.startswith("البلقاء، الأردن") for t in titles), titles
    links = result_links(page)
    assert links and all(link.rstrip("/").endswith("-ar") for link in links), links
    # The Arabic index is the Arabic pages': the English search page does not find them.
    page.goto(base_url + "search/?q=السيناريوهات")
    page.wait_for_selector("#kb-search[data-done]", timeout=15_000)
    english = result_links(page)
    assert not [link for link in english if link.rstrip("/").endswith("-ar")], english
    watched.assert_clean()
    context.close()
