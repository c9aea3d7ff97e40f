"""Reading offline after a first visit: the service worker (in Debian's Chromium) and offline.json.

The site is served on 127.0.0.1 (a service worker needs http, not file://);
"offline" is both Playwright's ``set_offline`` and the server stopped, so
nothing can reach the network whatever the browser does with workers.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page

from kb.site.compress import PrecompressedHandler
from tests.browser import build_apart, chromium
from tests.conftest import ProjectFactory, document


class Server:
    """The built site on one port of 127.0.0.1, stopped and started again at will."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = 0
        self.server: http.server.ThreadingHTTPServer | None = None

    def start(self) -> None:
        handler = functools.partial(PrecompressedHandler, directory=str(self.directory))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"


@contextlib.contextmanager
def serving(directory: Path) -> Iterator[Server]:
    server = Server(directory)
    server.start()
    try:
        yield server
    finally:
        if server.server is not None:
            server.stop()


def project_files(first_title: str) -> dict[str, str | bytes]:
    return {
        "content/lessons/latrine-upgrades.md": document(
            first_title, body="Households upgraded pit latrines after a district forum.\n"
        ),
        "content/lessons/budget-tracking.md": document(
            "Budget tracking by the platform",
            body="The platform tracked sanitation budgets every quarter.\n",
            themes="[finance]",
        ),
        "content/guidelines/forum.md": document(
            "Running a district forum", "guideline", body="## Steps\n\nInvite everyone.\n"
        ),
    }


def build(project: Path) -> Path:
    """Build in a child process: these tests hold a browser open meanwhile."""
    out = project / "site"
    build_apart(project, out)
    return out


def kept(page: Page, address: str) -> bool:
    """Whether the current build's cache holds ``address``."""
    return bool(
        page.evaluate(
            """async (address) => {
                const version = (await (await fetch('/offline.json')).json()).version;
                if (!(await caches.has('kb-' + version))) return false;
                const cache = await caches.open('kb-' + version);
                return Boolean(await cache.match(address, {ignoreVary: true}));
            }""",
            address,
        )
    )


def visit(page: Page, address: str) -> None:
    """Open a page online and wait until the worker controls it and has kept it."""
    page.goto(address)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=15_000)
    page.wait_for_function(
        """async (address) => {
            for (const name of await caches.keys()) {
                if (await (await caches.open(name)).match(address, {ignoreVary: true})) return true;
            }
            return false;
        }""",
        arg=address,
        timeout=15_000,
    )


def search(page: Page, address: str) -> list[str]:
    page.goto(address)
    page.wait_for_selector("#kb-search[data-done]", timeout=15_000)
    return page.locator(".kb-result__title").all_inner_texts()


@pytest.fixture
def context() -> Iterator[BrowserContext]:
    with chromium() as browser:
        context = browser.new_context()
        try:
            yield context
        finally:
            context.close()


def test_visited_pages_and_search_work_offline_and_a_rebuild_replaces_the_cache(
    make_project: ProjectFactory, context: BrowserContext
) -> None:
    project = make_project(project_files("Latrine upgrades after the forum"))
    site = build(project)
    requested: list[str] = []
    context.on("request", lambda r: requested.append(r.url))
    with serving(site) as server:
        base = server.url
        page = context.new_page()
        visit(page, base + "lessons/latrine-upgrades/")
        assert search(page, base + "search/?q=latrines") == ["Latrine upgrades after the forum"]
        visit(page, base + "lessons/budget-tracking/")

        server.stop()
        context.set_offline(True)
        page.reload()
        assert page.locator("h1").inner_text() == "Budget tracking by the platform"
        assert page.locator("#kb-offline").is_visible()
        page.goto(base + "lessons/latrine-upgrades/")
        assert page.locator("h1").inner_text() == "Latrine upgrades after the forum"
        assert search(page, base + "search/?q=latrines") == ["Latrine upgrades after the forum"]
        old_version = page.evaluate("async () => (await caches.keys()).join()")

        # A new build: the worker is replaced, its cache holds the new pages only.
        (project / "content/lessons/latrine-upgrades.md").write_text(
            document("Latrine upgrades, revised"), encoding="utf-8"
        )
        site = build(project)
        new_version = json.loads((site / "offline.json").read_text(encoding="utf-8"))["version"]
        assert f"kb-{new_version}" != old_version
        context.set_offline(False)
        server.start()
        page.goto(base + "lessons/latrine-upgrades/")
        assert page.locator("h1").inner_text() == "Latrine upgrades, revised"
        assert not page.locator("#kb-offline").is_visible()
        page.wait_for_function(
            "async (name) => (await caches.keys()).join() === name",
            arg=f"kb-{new_version}",
            timeout=15_000,
        )
        # The unchanged page was carried over to the new cache, the changed one fetched anew.
        assert kept(page, base + "lessons/budget-tracking/")
        server.stop()
        context.set_offline(True)
        page.goto(base + "lessons/budget-tracking/")
        assert page.locator("h1").inner_text() == "Budget tracking by the platform"
        page.goto(base + "lessons/latrine-upgrades/")
        assert page.locator("h1").inner_text() == "Latrine upgrades, revised"
    assert requested
    assert [u for u in requested if not u.startswith(base)] == []


def test_keep_offline_fetches_the_whole_site_within_its_stated_size(
    make_project: ProjectFactory, context: BrowserContext
) -> None:
    site = build(make_project(project_files("Latrine upgrades after the forum")))
    manifest = json.loads((site / "offline.json").read_text(encoding="utf-8"))
    with serving(site) as server:
        base = server.url
        page = context.new_page()
        visit(page, base + "downloads/")
        button = page.get_by_role("button", name="Keep the whole site offline")
        stated = button.inner_text()
        button.click()
        page.wait_for_function(
            "() => document.querySelector('#kb-keep [role=status]').textContent.startsWith('Kept')",
            timeout=30_000,
        )
        stored = page.evaluate(
            """async (name) => {
                const cache = await caches.open(name);
                let bytes = 0;
                const keys = await cache.keys();
                for (const request of keys) {
                    bytes += (await (await cache.match(request)).arrayBuffer()).byteLength;
                }
                return [keys.length, bytes];
            }""",
            f"kb-{manifest['version']}",
        )
        server.stop()
        context.set_offline(True)
        # Pages never opened before are there.
        page.goto(base + "guidelines/forum/")
        assert page.locator("h1").inner_text() == "Running a district forum"
        page.goto(base + "themes/")
        assert page.locator("h1").is_visible()
    size = manifest["site"]["bytes"]
    assert f"({size / 1024:.0f} KB)" in stated or f"({size / 1024 / 1024:.1f} MB)" in stated
    assert stored[0] >= len(manifest["site"]["files"])
    # Pages are stored as served, decompressed: the stated size is what the cache holds.
    assert size <= stored[1] <= size * 1.1


def test_the_manifest_lists_what_a_reader_may_keep_and_each_pack(tmp_path: Path) -> None:
    """offline.json from a small finished site: pages, what they load, search, packs."""
    import datetime as dt
    import hashlib

    from kb.site.downloads import Download
    from kb.site.offline import write_offline
    from kb.site.pages import placeholder

    site = tmp_path / "site"
    page = '<link rel="stylesheet" href="{up}assets/site.css"><img src="{up}media/a.png">{x}'
    files = {
        "index.html": page.format(up="", x=""),
        "index.html.gz": "compressed",
        "lessons/a/index.html": page.format(up="../../", x=placeholder("x")),
        "lessons/b/index.html": '<a href="../a/">a</a><script src="../../assets/b.js"></script>',
        "search/index.html": '<script type="module" src="../assets/search.js"></script>',
        "assets/site.css": "body{}",
        "assets/b.js": "1",
        "assets/search.js": "2",
        "media/a.png": "png",
        "pagefind/pagefind.js": "3",
        "downloads/packs/p.pdf": "%PDF",
        "catalogue.json": "{}",
    }
    for name, text in files.items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, encoding="utf-8")
    from kb.model import Document

    lesson = Document(
        "a",
        "content/lessons/a.md",
        "lesson",
        "A",
        "",
        ("t",),
        ("l",),
        dt.date(2020, 1, 1),
        "",
        1,
        "en",
        "CC-BY-4.0",
    )
    pack = Download(
        "pack", "p", "P", "", "downloads/packs/p.pdf", 1, 4, dt.date(2020, 1, 1), ("a",), "en"
    )
    manifest = write_offline(site, [lesson], [pack], ["en"])
    assert set(manifest["files"]) == {
        "",
        "lessons/a/",
        "lessons/b/",
        "search/",
        "assets/site.css",
        "assets/b.js",
        "assets/search.js",
        "media/a.png",
        "pagefind/pagefind.js",
        "downloads/packs/p.pdf",
    }
    digest = hashlib.sha256(b"body{}").hexdigest()[:12]
    assert manifest["files"]["assets/site.css"] == [digest, 6]
    whole = set(manifest["site"]["files"])
    assert "downloads/packs/p.pdf" not in whole
    assert whole == set(manifest["files"]) - {"downloads/packs/p.pdf"}
    assert manifest["site"]["bytes"] == sum(manifest["files"][p][1] for p in whole)
    # A pack: its documents' pages and what they load, the search, and its PDF.
    assert set(manifest["packs"]["p"]["files"]) == {
        "lessons/a/",
        "assets/site.css",
        "media/a.png",
        "",
        "search/",
        "assets/search.js",
        "pagefind/pagefind.js",
        "downloads/packs/p.pdf",
    }
    worker = (site / "sw.js").read_text(encoding="utf-8")
    assert f'const VERSION = "{manifest["version"]}";' in worker
    # The worker names no host: every address it uses is relative to its own scope.
    assert "://" not in worker
    on_disk = json.loads((site / "offline.json").read_text(encoding="utf-8"))
    assert on_disk == manifest
