"""Reading the shipped site on a phone over a slow link: page weight, accessibility, layout.

The site is built once, served as ``kb serve --static`` serves it (the
precompressed files, as a host that supports them does), and every page type
is opened in Debian's Chromium with an empty cache.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import brotli
import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser, Page

from kb.cli import main
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
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    result = CliRunner().invoke(
        main, ["--project", str(REPO), "build", "--no-pdf", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out


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
                page.wait_for_selector(".pagefind-ui__result-link", timeout=15_000)
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
