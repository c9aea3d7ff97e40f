"""Reading a built site on a phone over a slow link, in Chromium (issue 13).

The Chrome DevTools Protocol slows the network to 400 kbit/s both ways with
400 ms of latency (``Network.emulateNetworkConditions``) and the processor
four times (``Emulation.setCPUThrottlingRate``), on a 390 x 844 viewport,
with an empty cache for every run. Three figures, each the median of
``--runs`` runs:

- first contentful paint of a cold document page;
- the search page opened with a query (as the home and header search boxes
  send it) until the first result is visible;
- a practitioner's task: the home page, a search from its search box, a
  filter by level, then opening the first result, until its title shows.

The site is served on 127.0.0.1 as ``--server`` says: ``static`` (kb serve
--static: the precompressed files), ``gzip`` (compressed on the fly, as
GitHub Pages does) or ``plain`` (``python -m http.server``, uncompressed).

    .venv/bin/python -m benchmarks.bench_reading SITE [--server static] [--runs 3]

With ``--sizes 1000 5000`` it generates knowledge bases of those sizes
(``benchmarks.generate``, seed 1), builds each with ``kb build --no-pdf`` and
measures them; ``--weights`` adds what every page type of the first site
costs on the wire, cold; ``--write`` puts the figures in
``benchmarks/results.md``, in a section of its own that ``benchmarks.run``
keeps:

    .venv/bin/python -m benchmarks.bench_reading --sizes 1000 5000 --runs 3 --write
    .venv/bin/python -m benchmarks.bench_reading site/ --weights --runs 1
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import http.server
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from benchmarks.bench_site import _Gzipping
from benchmarks.common import REPO, machine, table, write_section
from benchmarks.generate import generate
from kb.site.compress import PrecompressedHandler

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
#: 400 kbit/s in bytes per second, both ways; 400 ms added to every request.
SLOW_LINK = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400_000 / 8,
    "uploadThroughput": 400_000 / 8,
}
CPU_SLOWDOWN = 4
QUERY = "sanitation committee"
#: A result: a link inside the search area to a page outside the search page.
RESULT_VISIBLE = """() => [...document.querySelectorAll('#kb-search a[href]')].some(a =>
    !a.href.includes('/search/') && a.getBoundingClientRect().height > 0)"""


RESULTS = """() => [...document.querySelectorAll('#kb-search a[href]')]
    .filter(a => !a.href.includes('/search/')).map(a => a.href).join(' ')"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serving(site: Path, server: str) -> Iterator[str]:
    handlers = {"static": PrecompressedHandler, "gzip": _Gzipping, "plain": _Quiet}
    handler = functools.partial(handlers[server], directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextlib.contextmanager
def slow_phone(browser: Browser) -> Iterator[tuple[BrowserContext, Page]]:
    """A new context (an empty cache) with the slow link and slow processor.

    The site's service worker is kept out: the emulated link is the page's, and
    the worker's own fetches go around it. Once it controls the page (about 2 s
    into a cold visit) every request it answers arrived at full speed, so a
    search's metadata, index chunks and fragments measured as if they were free.
    On a phone they come over the same slow link; the worker's own first download
    (offline.json) waits for the page's load event and, on a search page opened
    with a query, for the first results (kb.site.offline.REGISTRATION)."""
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, service_workers="block"
    )
    page = context.new_page()
    session = context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.emulateNetworkConditions", SLOW_LINK)
    session.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    try:
        yield context, page
    finally:
        context.close()


def document_page(site: Path) -> str:
    """The address of the longest guideline in the site (from catalogue.json)."""
    catalogue = json.loads((site / "catalogue.json").read_text(encoding="utf-8"))
    best, size = "", -1
    for doc in catalogue["documents"]:
        if doc["type"] != "guideline" or doc["language"] != "en":
            continue
        path = doc["url"][len(catalogue["url"]) :]
        length = (site / path / "index.html").stat().st_size
        if length > size:
            best, size = path, length
    return best


def first_paint(browser: Browser, url: str) -> tuple[float, int]:
    """Seconds to first contentful paint of a cold page, and the bytes received by then."""
    with slow_phone(browser) as (_, page):
        page.goto(url, wait_until="load")
        paint: float = page.evaluate(
            """() => new Promise(done => new PerformanceObserver((list, observer) => {
                done(list.getEntries()[0].startTime); observer.disconnect();
            }).observe({type: 'paint', buffered: true}))"""
        )
        received: int = page.evaluate(
            """() => performance.getEntriesByType('navigation').concat(
                performance.getEntriesByType('resource')).reduce((s, e) => s + e.transferSize, 0)"""
        )
    return paint / 1000, received


def search_to_result(browser: Browser, base: str) -> tuple[float, float]:
    """Seconds from opening the search page with a query to the first result shown, and
    to the final ranking drawn (the first may come from kb's first-screen lists, the
    final is Pagefind's)."""
    with slow_phone(browser) as (_, page):
        started = time.perf_counter()
        page.goto(f"{base}search/?q={QUERY.replace(' ', '+')}", wait_until="commit")
        page.wait_for_function(RESULT_VISIBLE, timeout=120_000, polling=50)
        first = time.perf_counter() - started
        page.wait_for_selector("#kb-search[data-done]", timeout=120_000)
        return first, time.perf_counter() - started


def practitioner(browser: Browser, base: str) -> float:
    """Seconds for home → search → filter by level → open the first result."""
    with slow_phone(browser) as (_, page):
        started = time.perf_counter()
        page.goto(base, wait_until="commit")
        box = page.locator("main input[type=search]").first
        box.fill(QUERY)
        box.press("Enter")
        page.wait_for_function(RESULT_VISIBLE, timeout=120_000, polling=50)
        before = page.evaluate(RESULTS)
        if page.locator(".kb-filter-toggle").count():
            # kb's search: one Filter control opens a fieldset per facet. It draws the
            # first screen's results before the rest, so "done" says a search is over.
            page.wait_for_selector("#kb-search[data-done]", timeout=120_000)
            done = page.get_attribute("#kb-search", "data-done")
            page.locator(".kb-filter-toggle").click()
            level = page.locator("#kb-filters fieldset", has_text="Level")
            level.locator("label", has_text="Local").first.click()
            page.wait_for_function(
                f"() => document.getElementById('kb-search').dataset.done !== {json.dumps(done)}",
                timeout=120_000,
                polling=50,
            )
        else:
            # Pagefind's own interface (before issue 13): a collapsed group per filter.
            page.locator("#kb-search summary", has_text="level").first.click()
            page.locator("#kb-search label", has_text="Local").first.click()
            page.wait_for_function(
                f"() => ({RESULTS})() !== {json.dumps(before)}", timeout=120_000, polling=50
            )
        page.wait_for_function(RESULT_VISIBLE, timeout=120_000, polling=50)
        first = page.locator("#kb-search a[href]:not([href*='/search/'])").first
        title = first.inner_text().strip()
        first.click()
        page.wait_for_function(
            "title => document.querySelector('h1')?.textContent.includes(title)",
            arg=title[:40],
            timeout=120_000,
            polling=50,
        )
        return time.perf_counter() - started


def measure(site: Path, server: str, runs: int) -> dict[str, Any]:
    document = document_page(site)
    figures: dict[str, list[float]] = {
        "fcp": [],
        "bytes": [],
        "search": [],
        "ranked": [],
        "task": [],
    }
    with serving(site, server) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            for run in range(runs):
                paint, received = first_paint(browser, base + document)
                figures["fcp"].append(paint)
                figures["bytes"].append(received)
                first, ranked = search_to_result(browser, base)
                figures["search"].append(first)
                figures["ranked"].append(ranked)
                figures["task"].append(practitioner(browser, base))
                print(
                    f"run {run + 1}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in figures.items()),
                    file=sys.stderr,
                )
        finally:
            browser.close()
    return {
        "document": document,
        "server": server,
        "runs": runs,
        **{k: statistics.median(v) for k, v in figures.items()},
        "all": figures,
    }


#: One page of each type, as the browser test of page weight opens them (the shipped site).
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
    "glossary": "glossary/",
    "home (fr)": "fr/",
}


def weights(site: Path, server: str) -> dict[str, dict[str, int]]:
    """Bytes on the wire of each page type, cold (all of it, and what blocks the first paint)."""
    found = {}
    with serving(site, server) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            for name, path in PAGE_TYPES.items():
                if not (site / path / "index.html").is_file():
                    continue
                context = browser.new_context(viewport=PHONE)
                page = context.new_page()
                session = context.new_cdp_session(page)
                session.send("Network.enable")
                received: dict[str, int] = {}
                session.on(
                    "Network.loadingFinished",
                    lambda e, r=received: r.__setitem__(
                        e["requestId"], int(e["encodedDataLength"])
                    ),
                )
                page.goto(base + path, wait_until="networkidle")
                html = page.evaluate(
                    "() => performance.getEntriesByType('navigation')[0].transferSize"
                )
                blocking = page.evaluate(
                    """() => performance.getEntriesByType('resource')
                        .filter(e => e.renderBlockingStatus === 'blocking')
                        .reduce((s, e) => s + e.transferSize, 0)"""
                )
                found[name] = {
                    "total": sum(received.values()),
                    "html": int(html),
                    "blocking": int(blocking),
                }
                context.close()
        finally:
            browser.close()
    return found


def build_sites(sizes: list[int], work: Path) -> dict[int, Path]:
    """Generated knowledge bases of ``sizes`` documents, each built into its site/ folder."""
    sites = {}
    for size in sizes:
        project = generate(work / f"kb-{size}", size, seed=1)
        site = project / "site"
        print(f"building {size:,} documents…", file=sys.stderr)
        subprocess.run(
            [
                str(Path(sys.executable).parent / "kb"),
                "--project",
                str(project),
                "build",
                "--no-pdf",
                "--out",
                str(site),
            ],
            check=True,
            capture_output=True,
        )
        sites[size] = site
    return sites


def section(
    measured: dict[int, dict[str, Any]],
    weighed: dict[str, dict[str, int]],
    command: str,
    server: str,
) -> str:
    """The slow-link figures as results.md shows them."""

    def seconds(value: float, target: float) -> str:
        return f"{value:.2f} s" + ("" if value <= target else " (misses)")

    rows = []
    for size, result in measured.items():
        shown = f"{size:,}" if size else "the site given"
        rows += [
            [
                "first contentful paint, cold document page (<= 2.5 s)",
                shown,
                seconds(result["fcp"], 2.5),
            ],
            ["bytes received by then", shown, f"{result['bytes'] / 1024:.1f} KB"],
            [
                "search page opened with a query to the first result (<= 5 s)",
                shown,
                seconds(result["search"], 5),
            ],
            [
                "... to the final ranking drawn (Pagefind's; no target)",
                shown,
                f"{result['ranked']:.2f} s" if "ranked" in result else "not measured",
            ],
            [
                "home, search, filter by level, open the first result (<= 30 s)",
                shown,
                seconds(result["task"], 30),
            ],
        ]
    runs = next(iter(measured.values()))["runs"] if measured else 0
    lines = [
        "## Reading on a slow link (issue 13)",
        "",
        f"Written by `benchmarks/bench_reading.py`; medians of {runs} runs.",
        "",
        f"- Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- Command: `{command}`",
        f"- Machine: {machine()}, load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
        " at the end (a shared machine: other work slows these figures)",
        "- Emulation: 400 kbit/s both ways, 400 ms latency, CPU slowed 4x, 390 x 844, empty"
        " cache; sites from `benchmarks.generate` (seed 1) built with `kb build --no-pdf`,"
        f" served by the `{server}` server (static: the precompressed files, as"
        " `kb serve --static`)",
        "",
        table(["measure (target)", "documents", "median"], rows),
    ]
    if weighed:
        lines += [
            "",
            "Bytes on the wire of each page type of the site given (the shipped knowledge"
            " base's), cold, at 390 px: everything (HTML, CSS, JavaScript, fonts, images), the"
            " page's HTML, and the stylesheets the first paint waits for:",
            "",
            table(
                ["page", "all", "HTML", "render-blocking CSS"],
                [
                    [name] + [f"{w[k] / 1024:.1f} KB" for k in ("total", "html", "blocking")]
                    for name, w in weighed.items()
                ],
            ),
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("site", type=Path, nargs="?", help="A built site (or use --sizes).")
    parser.add_argument("--sizes", type=int, nargs="+", default=[])
    parser.add_argument("--server", choices=["static", "gzip", "plain"], default="static")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--weights", action="store_true", help="Weigh every page type too.")
    parser.add_argument("--write", action="store_true", help="Write benchmarks/results.md.")
    args = parser.parse_args()
    if args.site is None and not args.sizes:
        parser.error("give a built site or --sizes")
    command = shlex.join(["python", "-m", "benchmarks.bench_reading", *sys.argv[1:]])
    work = Path(tempfile.mkdtemp(prefix="kb-bench-reading-"))
    try:
        sites = build_sites(args.sizes, work) if args.sizes else {0: args.site}
        measured = {size: measure(site, args.server, args.runs) for size, site in sites.items()}
        weighed = weights(args.site or sites[args.sizes[0]], args.server) if args.weights else {}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({"measured": measured, "weights": weighed}, indent=1))
    if args.write:
        write_section(
            REPO / "benchmarks" / "results.md",
            "reading",
            section(measured, weighed, command, args.server),
        )


if __name__ == "__main__":
    main()
