"""What the browser tests share: Debian's Chromium, a local web server, a watched page."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright

from kb.site.compress import PrecompressedHandler

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve_directory(directory: Path, prefix: str = "") -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1; yields the base URL (plus ``prefix``)."""
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{prefix}"
    finally:
        server.shutdown()
        server.server_close()


def build_apart(project: Path, out: Path, *options: str) -> str:
    """``kb build --no-pdf`` in a child process; returns what it printed.

    Tests that hold a browser open build this way. Playwright's synchronous API
    parks its event loop in a greenlet of the test process, and a whole build
    run beside it in that process once ended the CI run with a segmentation
    fault (in ``test_i18n_browser``). A child process keeps the build's heavy
    work, and any crash of it, out of the process that drives the browser.
    """
    command = [sys.executable, "-m", "kb", "--project", str(project), "build", "--no-pdf"]
    finished = subprocess.run(
        [*command, *options, "--out", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
    )
    printed = finished.stdout + finished.stderr
    assert finished.returncode == 0, printed
    return printed


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium under Playwright (never a downloaded browser)."""
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run scripts/install.sh --test"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Watched:
    """A browser page with the console errors and the requests to other hosts it made."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.errors: list[str] = []
        self.foreign: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith((base_url, "data:", "blob:"))
                else self.foreign.append(r.url)
            ),
        )

    def assert_clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.foreign == [], self.foreign


@contextlib.contextmanager
def watched_page(browser: Browser, base_url: str, viewport: dict[str, int]) -> Iterator[Watched]:
    """A watched page in a context of its own (an empty cache); when the block ends
    without an error, it asserts the page made no console error or foreign request."""
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    try:
        watched = Watched(context.new_page(), base_url)
        yield watched
        watched.assert_clean()
    finally:
        context.close()


@contextlib.contextmanager
def serve_built_site(directory: Path) -> Iterator[str]:
    """Serve a built site as ``kb serve --static`` does: precompressed files when accepted."""
    handler = functools.partial(PrecompressedHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Weight:
    """What a page cost on the wire, by address (headers included, as received)."""

    received: dict[str, int] = field(default_factory=dict)
    encodings: dict[str, str] = field(default_factory=dict)
    #: Stylesheets and scripts the browser waited for before painting.
    blocking: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.received.values())

    def blocking_bytes(self, head_bytes: int) -> int:
        return head_bytes + sum(self.received.get(url, 0) for url in self.blocking)


def weigh(page: Page, url: str) -> Weight:
    """Open ``url`` in a fresh page and add up every response's bytes on the wire."""
    weight = Weight()
    urls: dict[str, str] = {}
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.setCacheDisabled", {"cacheDisabled": True})

    def on_response(event: dict[str, Any]) -> None:
        urls[event["requestId"]] = event["response"]["url"]
        headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
        weight.encodings[event["response"]["url"]] = headers.get("content-encoding", "")

    def on_finished(event: dict[str, Any]) -> None:
        address = urls.get(event["requestId"])
        if address is not None:
            weight.received[address] = int(event["encodedDataLength"])

    session.on("Network.responseReceived", on_response)
    session.on("Network.loadingFinished", on_finished)
    page.goto(url, wait_until="networkidle")
    weight.blocking = page.evaluate(
        """() => performance.getEntriesByType('resource')
            .filter(e => e.renderBlockingStatus === 'blocking').map(e => e.name)"""
    )
    session.detach()
    return weight
