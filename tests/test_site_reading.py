"""Reading the shipped site on a phone over a slow link: page weight, accessibility, layout.

The site is built once, served as ``kb serve --static`` serves it (the
precompressed files, as a host that supports them does), and every page type
is opened in Debian's Chromium with an empty cache.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path

import brotli
import pytest
from playwright.sync_api import Browser, Page

from tests.browser import chromium, serve_built_site, weigh

REPO = Path(__file__).resolve().parent.parent

#: One page of each type: what a reader opens first.
PAGE_TYPES = {
    "home": "",
    "listing": "guidelines/",
    "document": "guidelines/setting-up-a-learning-alliance/",
    "theme": "themes/sanitation/",
    "level": "levels/local/",
    "matrix": "matrix/",
    "programme": "programmes/switch/",
    "country": "countries/bf/",
    "search": "search/",
    "downloads": "downloads/",
}
#: Everything a cold page downloads (HTML, CSS, JavaScript, fonts, icons), compressed.
PAGE_BUDGET = 60_000
#: What must arrive before the first paint: one round trip of a new connection.
BLOCKING_BUDGET = 14_000


@pytest.fixture(scope="module")
def site(shipped_site: Path) -> Path:
    return shipped_site


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    with serve_built_site(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def head_bytes(html_file: Path) -> int:
    """The page's ``<head>`` compressed: the part of the HTML the first paint waits for."""
    text = html_file.read_text(encoding="utf-8")
    return len(gzip.compress(text[: text.index("<body")].encode("utf-8"), 9))


@pytest.mark.parametrize("name", list(PAGE_TYPES))
def test_every_page_type_is_within_the_byte_budget(
    browser: Browser, base_url: str, site: Path, name: str
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        weight = weigh(context.new_page(), base_url + PAGE_TYPES[name])
    finally:
        context.close()
    page_url = base_url + PAGE_TYPES[name]
    assert weight.encodings[page_url] in ("br", "gzip"), weight.encodings
    assert weight.total <= PAGE_BUDGET, sorted(weight.received.items(), key=lambda i: -i[1])
    blocking = weight.blocking_bytes(head_bytes(site / PAGE_TYPES[name] / "index.html"))
    assert blocking <= BLOCKING_BUDGET, weight.blocking
    # One stylesheet blocks the first paint, and no script does.
    assert [u for u in weight.blocking if u.endswith(".js")] == []
    assert len(weight.blocking) <= 1, weight.blocking


def test_text_files_are_precompressed_beside_the_originals(site: Path) -> None:
    page = site / "guidelines" / "setting-up-a-learning-alliance" / "index.html"
    original = page.read_bytes()
    assert gzip.decompress((page.parent / "index.html.gz").read_bytes()) == original
    assert brotli.decompress((page.parent / "index.html.br").read_bytes()) == original
    stylesheets = list((site / "assets" / "kb").glob("site.*.css"))
    assert len(stylesheets) == 1
    assert (stylesheets[0].parent / (stylesheets[0].name + ".br")).is_file()
    assert not list(site.rglob("*.map.gz"))


AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
#: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
VIEWPORTS = {"phone": (390, 844), "desktop": (1366, 900)}


def axe_violations(page: Page) -> list[str]:
    """axe-core's violations on the open page, one line per element."""
    assert AXE.is_file(), "axe-core is missing: run scripts/install.sh --test (it runs npm ci)"
    page.add_script_tag(path=str(AXE))
    found: list[str] = page.evaluate(
        """async (tags) => (await axe.run(document, {runOnly: {type: "tag", values: tags}}))
            .violations.flatMap(v => v.nodes.map(n => `${v.id}: ${n.target.join(" ")}`))""",
        AXE_TAGS,
    )
    return found


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_axe_finds_no_violation_on_any_page_type(
    browser: Browser, base_url: str, viewport: str, scheme: str
) -> None:
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        color_scheme=scheme,  # type: ignore[arg-type]
    )
    found = {}
    try:
        page = context.new_page()
        for name, path in {**PAGE_TYPES, "search": "search/?q=sanitation"}.items():
            page.goto(base_url + path, wait_until="networkidle")
            if name == "search":
                page.wait_for_selector("#kb-search li a", timeout=15_000)
            violations = axe_violations(page)
            if violations:
                found[name] = violations
    finally:
        context.close()
    assert found == {}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_search_box_is_within_three_tabs_and_focus_shows(
    browser: Browser, base_url: str, viewport: str
) -> None:
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        for path in ("", "guidelines/setting-up-a-learning-alliance/", "levels/local/"):
            page.goto(base_url + path)
            for presses in range(1, 4):
                page.keyboard.press("Tab")
                focused = page.evaluate(
                    """() => {
                        const e = document.activeElement, s = getComputedStyle(e);
                        return {type: e.getAttribute("type"), outline: s.outlineStyle,
                                width: parseFloat(s.outlineWidth), text: e.textContent.trim()};
                    }"""
                )
                # Whatever has the focus shows it.
                assert focused["outline"] != "none" and focused["width"] >= 2, (path, focused)
                if presses == 1:
                    assert focused["text"] == "Skip to content"
                if focused["type"] == "search":
                    break
            else:
                raise AssertionError(f"{path or 'home'}: no search box within 3 Tabs")
    finally:
        context.close()


def test_the_skip_link_leads_to_the_content(browser: Browser, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(base_url + "themes/sanitation/")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        assert page.evaluate("location.hash") == "#kb-content"
    finally:
        context.close()


#: The other page types, and the French site's.
MORE_PAGE_TYPES = {
    "themes": "themes/",
    "theme at a level": "themes/sanitation/local/",
    "glossary": "glossary/",
    **{f"{name} (fr)": f"fr/{path}" for name, path in PAGE_TYPES.items() if name != "document"},
    "document (fr)": "guidelines/setting-up-a-learning-alliance-fr/",
    "glossary (fr)": "fr/glossary/",
}


def test_nothing_scrolls_sideways_at_320_px(browser: Browser, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 700})
    wide = {}
    try:
        page = context.new_page()
        for name, path in {**PAGE_TYPES, **MORE_PAGE_TYPES}.items():
            page.goto(base_url + path, wait_until="networkidle")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 320:
                wide[name] = width
    finally:
        context.close()
    assert wide == {}


def test_a_document_opens_with_its_summary_and_a_table_of_contents_on_a_phone(
    browser: Browser, base_url: str
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(base_url + PAGE_TYPES["document"])
        assert page.locator(".kb-summary").is_visible()
        assert "Facilitation guideline" in page.locator(".kb-facts").first.inner_text()
        # The full record is folded: the text starts on the first screen.
        assert not page.locator(".kb-meta__list").is_visible()
        first_paragraph = page.locator("article > p").first.bounding_box()
        assert first_paragraph is not None and first_paragraph["y"] < 844
        page.locator(".kb-meta__more > summary").click()
        assert page.locator(".kb-meta__list").is_visible()
        # The page's own contents, which Material shows only beside the text on wide screens.
        assert not page.locator(".md-sidebar--secondary").is_visible()
        contents = page.locator("details.kb-toc")
        assert contents.is_visible()
        contents.locator("summary").click()
        link = contents.locator("a", has_text="Common pitfalls")
        link.click()
        assert page.evaluate("location.hash") == "#common-pitfalls"
        heading = page.locator("h2#common-pitfalls").bounding_box()
        assert heading is not None and 0 <= heading["y"] < 844
    finally:
        context.close()
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        page = context.new_page()
        page.goto(base_url + PAGE_TYPES["document"])
        assert not page.locator("details.kb-toc").is_visible()
        assert page.locator(".md-sidebar--secondary").get_by_text("Common pitfalls").is_visible()
    finally:
        context.close()


def test_wide_tables_scroll_inside_the_page_and_show_it(
    browser: Browser, base_url: str, site: Path
) -> None:
    marker = 'class="md-typeset__scrollwrap" tabindex="0" role="region" aria-label="Table'
    with_tables = sorted(
        p.parent.relative_to(site).as_posix() + "/"
        for p in site.glob("*/*/index.html")
        if marker in p.read_text(encoding="utf-8")
    )
    assert with_tables, "no document of the shipped knowledge base has a table"
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        for path in with_tables:
            page.goto(base_url + path)
            region = page.locator("article .md-typeset__scrollwrap").first
            sizes = region.evaluate("e => [e.scrollWidth, e.clientWidth, e.tabIndex]")
            if sizes[0] > sizes[1]:
                break
        else:
            raise AssertionError(f"no table wider than a phone in {with_tables}")
        assert sizes[2] == 0
        assert "gradient" in region.evaluate("e => getComputedStyle(e).backgroundImage")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # The keyboard scrolls it too.
        region.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "() => document.querySelector('article .md-typeset__scrollwrap').scrollLeft > 0"
        )
    finally:
        context.close()


def test_the_matrix_shows_every_level_at_320_px(browser: Browser, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 320, "height": 700})
    try:
        page = context.new_page()
        page.goto(base_url + PAGE_TYPES["matrix"])
        cells = page.locator("table.kb-matrix tbody tr").first.locator("td")
        assert cells.count() == 3
        for number in range(3):
            box = cells.nth(number).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320
        labels = cells.evaluate_all(
            "tds => tds.map(td => getComputedStyle(td, '::before').content)"
        )
        assert labels == ['"National"', '"Intermediate"', '"Local (community)"']
    finally:
        context.close()


def test_a_level_page_lists_each_document_once_with_jump_links(
    browser: Browser, base_url: str
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(base_url + PAGE_TYPES["level"])
        titles = page.locator("article a.kb-item__title").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))"
        )
        assert len(titles) == len(set(titles)) > 10
        jumps = page.locator("nav.kb-jump a")
        assert jumps.count() == page.locator("article h2").count() > 3
        jumps.nth(2).click()
        target = page.evaluate("location.hash")
        box = page.locator(f"h2{target}").bounding_box()
        assert box is not None and 0 <= box["y"] < 844
    finally:
        context.close()


def test_a_french_document_has_french_page_furniture(site: Path) -> None:
    page = site / "guidelines" / "setting-up-a-learning-alliance-fr" / "index.html"
    text = page.read_text(encoding="utf-8")
    assert '<html lang="fr" dir="ltr"' in text
    assert '<details class="kb-toc"><summary>Sur cette page</summary>' in text
    assert "<summary>À propos de ce document</summary>" in text
    assert 'placeholder="Rechercher"' in text


def test_the_french_home_leads_newcomers_to_the_french_start_here_page(site: Path) -> None:
    french = (site / "fr" / "index.html").read_text(encoding="utf-8")
    english = (site / "index.html").read_text(encoding="utf-8")
    assert '<a href="../guidelines/start-here-fr/">Commencer ici' in french
    assert '<a href="guidelines/start-here/">Start here' in english
    start = (site / "guidelines" / "start-here-fr" / "index.html").read_text(encoding="utf-8")
    assert '<html lang="fr" dir="ltr"' in start


#: Where the focus is, and whether a reader can see it: the element (or, for a checkbox kept
#: out of sight, the control that stands for it), on the screen, outlined, not covered.
FOCUS = """() => {
    const focused = document.activeElement;
    let shown = focused;
    if (focused.type === "checkbox" && focused.getBoundingClientRect().width <= 1) {
        shown = [...focused.labels].find(l => l.getBoundingClientRect().width > 1) || focused;
    }
    const box = shown.getBoundingClientRect();
    const x = Math.min(Math.max(box.left + box.width / 2, 0), innerWidth - 1);
    const y = Math.min(Math.max(box.top + box.height / 2, 0), innerHeight - 1);
    const top = document.elementFromPoint(x, y);
    return {
        name: [focused.tagName, focused.id || focused.className,
               focused.textContent.trim().slice(0, 30)].join(" "),
        on_screen: box.width > 1 && box.height > 1 && box.bottom > 0 && box.top < innerHeight
            && box.right > 0 && box.left < innerWidth,
        outlined: getComputedStyle(shown).outlineStyle !== "none"
            && parseFloat(getComputedStyle(shown).outlineWidth) >= 2,
        covered: !(top && (shown.contains(top) || top.contains(shown))),
    };
}"""


def tab_stops(page: Page, count: int) -> list[dict[str, object]]:
    """What each of ``count`` presses of Tab reaches (up to the page's end), and how it shows."""
    stops = []
    for _ in range(count):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            break
        stops.append(page.evaluate(FOCUS))
    return stops


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_every_tab_stop_is_on_screen_and_shows_its_focus(
    browser: Browser, base_url: str, viewport: str
) -> None:
    # WCAG 2.2: 2.4.7 focus visible, 2.4.11 focus not obscured. Before, on a phone, Tab went
    # through the closed menu's links, off the screen; on a wide screen it stopped on an
    # empty sidebar.
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height})
    hidden = {}
    try:
        page = context.new_page()
        for name in ("home", "document", "theme", "level", "matrix"):
            page.goto(base_url + PAGE_TYPES[name])
            stops = tab_stops(page, 25)
            bad = [s for s in stops if not (s["on_screen"] and s["outlined"]) or s["covered"]]
            if bad:
                hidden[name] = bad
    finally:
        context.close()
    assert hidden == {}, json.dumps(hidden, indent=1)


def test_the_phone_menu_opens_and_closes_from_the_keyboard(browser: Browser, base_url: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(base_url + PAGE_TYPES["theme"])
        drawer = page.locator(".md-sidebar--primary")
        assert not drawer.is_visible()
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        menu = page.evaluate(FOCUS)
        assert menu["name"].startswith("INPUT __drawer") and menu["on_screen"] and menu["outlined"]
        assert page.evaluate("document.activeElement.getAttribute('aria-label')") == "Menu"
        page.keyboard.press("Space")
        assert drawer.is_visible()
        page.keyboard.press("Space")
        page.wait_for_function(
            "() => getComputedStyle(document.querySelector('.md-sidebar--primary'))"
            ".visibility === 'hidden'"
        )
        page.keyboard.press("Space")
        assert drawer.is_visible()
        page.wait_for_function(  # slid in
            "() => document.querySelector('.md-sidebar--primary').getBoundingClientRect().left >= 0"
        )
        # Into the menu: its links, then its Browse section, opened with Space as well.
        stops = tab_stops(page, 3)
        assert [s["name"].split()[:2] for s in stops] == [
            ["A", "md-nav__button"],  # the site's name, home
            ["A", "md-nav__link"],
            ["INPUT", "__nav_2"],
        ], stops
        assert all(s["on_screen"] and s["outlined"] and not s["covered"] for s in stops), stops
        assert page.evaluate("document.activeElement.id") == "__nav_2"
        themes = drawer.get_by_role("link", name="Themes", exact=True)
        assert not themes.is_visible()
        page.keyboard.press("Space")
        assert themes.is_visible()
        stops = tab_stops(page, 5)  # case studies, guidelines, lessons, tools, themes
        assert stops[-1]["name"].endswith("Themes") and stops[-1]["on_screen"], stops
        page.keyboard.press("Enter")
        page.wait_for_url(base_url + "themes/")
    finally:
        context.close()


def listed_documents(site: Path) -> dict[str, list[str]]:
    """Every browse page of the built site (both languages), with the documents it lists."""
    found = {}
    for html_file in sorted(site.rglob("index.html")):
        text = html_file.read_text(encoding="utf-8")
        if 'class="kb-title"' in text or "<article" not in text:
            continue  # a document's page, or the 404 page
        article = text[text.index("<article") : text.index("</article>")]
        page = html_file.parent.relative_to(site).as_posix() + "/"
        found[page.removeprefix("./")] = re.findall(
            r'class="kb-item__title" href="([^"]+)"', article
        )
    return found


def test_every_browse_page_lists_each_document_once(site: Path) -> None:
    # Before, a theme or programme page listed a document once per level it has
    # (sanitation: 13 entries for 5 documents); /levels/local/ 77 for 33.
    listed = listed_documents(site)
    for page in [
        "",
        "guidelines/",
        "themes/sanitation/",
        "themes/sanitation/local/",
        "levels/local/",
        "programmes/switch/",
        "countries/bf/",
    ]:
        assert listed[page], page
        assert listed["fr/" + page], "fr/" + page
    assert {page for page in listed if "/" not in page.rstrip("/")} >= {
        "",
        "fr/",
        "matrix/",
        "downloads/",
        "glossary/",
        "search/",
    }
    twice = {page: docs for page, docs in listed.items() if len(docs) != len(set(docs))}
    assert twice == {}


def test_browse_pages_in_sections_have_jump_links(site: Path) -> None:
    sectioned = []
    for page in listed_documents(site):
        text = (site / page / "index.html").read_text(encoding="utf-8")
        if text.count('<ul class="kb-list">') > 2:
            sectioned.append(page)
            jumps = re.search(r'<nav class="kb-jump"[^>]*>(.*?)</nav>', text, re.DOTALL)
            assert jumps is not None, page
            for anchor in re.findall(r'href="#([^"]+)"', jumps.group(1)):
                assert f'<h2 id="{anchor}">' in text, (page, anchor)
    assert "levels/local/" in sectioned and "fr/levels/local/" in sectioned


def test_the_french_site_has_no_english_furniture(site: Path) -> None:
    home = (site / "fr" / "index.html").read_text(encoding="utf-8")
    assert "Made with" not in home and "Réalisé avec" in home
    assert "Textes sous licence CC BY 4.0" in home  # mkdocs.yml's copyright, extra.kb.copyright
    assert 'aria-label="Menu"' in home
    level = (site / "fr" / "levels" / "local" / "index.html").read_text(encoding="utf-8")
    assert 'aria-label="Parties de cette page"' in level
    # An English document listed on a French page says so, for screen readers' voices.
    assert '<li class="kb-item" lang="en"' in level
    # The glossary in French first, the English after.
    glossary = (site / "fr" / "glossary" / "index.html").read_text(encoding="utf-8")
    term = glossary[glossary.index('<dt id="term-atc">') :]
    term = term[: term.index("</dd>")]
    assert "Centre de technologies appropriées" in term.split("</dt>")[0]
    assert '<p class="kb-glossary__translation" lang="en">' in term
    assert "Appropriate Technology Centre" in term.split("</dt>")[1]
    assert '<span class="kb-item__meta" lang="fr">Anglais\u202f:</span>' in term
