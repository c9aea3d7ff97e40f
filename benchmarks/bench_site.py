"""kb build (no PDFs) against a plain MkDocs build of the same Markdown, in one run.

    python -m benchmarks.bench_site [--sizes 1000 5000] [--runs 3] [--out DIR]

For each size, the seeded generator writes a knowledge base; the plain
baseline is the same Markdown files in a docs/ folder with MkDocs' defaults,
Material (no web fonts) and a two-entry navigation. Runs alternate between
the two so that machine noise hits both alike; every kb run starts with no
caches. Also measured: the bytes a browser downloads for one search
(Pagefind) on the largest site, and how long `kb serve` takes to show an
edited document on the smallest.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from benchmarks.common import BIN, machine, median, run_timed, table
from benchmarks.generate import generate


def plain_project(kb_project: Path, target: Path) -> Path:
    """The same Markdown as a plain MkDocs project with a two-entry navigation."""
    if target.exists():
        shutil.rmtree(target)
    docs = target / "docs"
    shutil.copytree(kb_project / "content", docs, ignore=shutil.ignore_patterns("*.yml"))
    (docs / "index.md").write_text("# Home\n\nA generated knowledge base.\n", encoding="utf-8")
    first = sorted((docs / "lessons").glob("*.md"))[0].relative_to(docs).as_posix()
    (target / "mkdocs.yml").write_text(
        "site_name: Plain baseline\n"
        "theme:\n  name: material\n  font: false\n"
        f"nav:\n  - Home: index.md\n  - A lesson: {first}\n",
        encoding="utf-8",
    )
    return target


def build_times(project: Path, plain: Path, runs: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {"kb": [], "plain": [], "kb_mem": [], "plain_mem": []}
    for _ in range(runs):
        shutil.rmtree(plain / "site", ignore_errors=True)
        seconds, peak = run_timed([str(BIN / "mkdocs"), "build", "-q"], cwd=plain)
        results["plain"].append(seconds)
        results["plain_mem"].append(float(peak or 0))
        shutil.rmtree(project / "site", ignore_errors=True)
        shutil.rmtree(project / ".kb-cache", ignore_errors=True)
        seconds, peak = run_timed([str(BIN / "kb"), "build", "--no-pdf"], cwd=project)
        results["kb"].append(seconds)
        results["kb_mem"].append(float(peak or 0))
    return results


class _Gzipping(http.server.SimpleHTTPRequestHandler):
    """Serves text files gzipped, as any production web server or GitHub Pages does."""

    TEXT = (".html", ".js", ".css", ".json", ".xml", ".svg")

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            path = path / "index.html"
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not (accepts and path.suffix in self.TEXT and path.is_file()):
            super().do_GET()
            return
        body = gzip.compress(path.read_bytes(), 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def search_bytes(site: Path, query: str) -> tuple[int, int]:
    """Bytes of Pagefind files a browser downloads for one search (gzip as served), and count."""
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Gzipping, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    sizes: list[int] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--no-first-run",
                    "--disable-sync",
                ],
            )
            # A fresh page opened with the query, every Pagefind file counted: the search
            # page starts loading Pagefind as it opens, before any query.
            page = browser.new_page()

            def on_response(response: object) -> None:
                url = getattr(response, "url", "")
                if "/pagefind/" in url and getattr(response, "status", 0) == 200:
                    # Bytes on the wire: the encoded body, as the browser received it.
                    request = response.request  # type: ignore[attr-defined]
                    sizes.append(int(request.sizes()["responseBodySize"]))

            page.on("response", on_response)
            page.goto(f"{base}search/?q={query}")
            page.wait_for_selector("#kb-search[data-done]", timeout=30_000)
            page.wait_for_load_state("networkidle")
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return sum(sizes), len(sizes)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_latency(project: Path, edits: int = 3) -> list[float]:
    """Seconds from saving an edited document to the preview serving the new text."""
    port = free_port()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    process = subprocess.Popen(
        [str(BIN / "kb"), "serve", "--port", str(port)],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    target = sorted((project / "content" / "lessons").glob("*.md"))[3]
    url = f"http://127.0.0.1:{port}/lessons/{target.stem}/"
    latencies = []
    try:
        wait_until(url, "", 600)
        original = target.read_text(encoding="utf-8")
        for n in range(edits):
            marker = f"Edited paragraph number {n} for the benchmark."
            start = time.perf_counter()
            target.write_text(original + f"\n{marker}\n", encoding="utf-8")
            wait_until(url, marker, 120)
            latencies.append(time.perf_counter() - start)
            time.sleep(1)
        target.write_text(original, encoding="utf-8")
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    return latencies


def wait_until(url: str, text: str, limit: float) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if text in response.read().decode("utf-8"):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit(f"{url} never showed {text!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="keep the projects here")
    args = parser.parse_args()
    work = args.out or Path(tempfile.mkdtemp(prefix="kb-bench-site-"))
    rows = []
    per_doc: dict[int, float] = {}
    projects: dict[int, Path] = {}
    for size in args.sizes:
        project = generate(work / f"kb-{size}", size, seed=1)
        projects[size] = project
        plain = plain_project(project, work / f"plain-{size}")
        times = build_times(project, plain, args.runs)
        kb, base = median(times["kb"]), median(times["plain"])
        per_doc[size] = kb / size * 1000
        rows.append(
            [
                f"{size:,}",
                f"{base:.1f} s",
                f"{kb:.1f} s",
                f"{kb / base:.2f}",
                f"{per_doc[size]:.2f} ms",
                f"{median(times['plain_mem']) / 1024:.0f} / "
                f"{median(times['kb_mem']) / 1024:.0f} MiB",
            ]
        )
        print(f"size {size}: plain {times['plain']} kb {times['kb']}", file=sys.stderr)
    print(f"Machine: {machine()}; medians of {args.runs} runs, alternating.\n")
    print(
        table(
            [
                "documents",
                "plain mkdocs build",
                "kb build --no-pdf",
                "kb / plain",
                "kb per document",
                "peak memory plain / kb",
            ],
            rows,
        )
    )
    sizes = sorted(per_doc)
    if len(sizes) > 1:
        growth = per_doc[sizes[-1]] / per_doc[sizes[0]] - 1
        print(f"\nTime per document at {sizes[-1]:,} vs {sizes[0]:,}: {growth:+.0%}")
    largest = projects[sizes[-1]]
    total, count = search_bytes(largest / "site", "sanitation%20committee")
    print(
        f"\nOne search on the {sizes[-1]:,}-document site: {total / 1024:.0f} KB "
        f"in {count} Pagefind files"
    )
    smallest = projects[sizes[0]]
    latencies = serve_latency(smallest)
    print(
        f"kb serve, {sizes[0]:,} documents, edit to updated page: median "
        f"{median(latencies):.2f} s ({', '.join(f'{x:.2f}' for x in latencies)})"
    )
    if args.out is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
