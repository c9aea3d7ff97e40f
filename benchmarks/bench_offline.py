"""Offline forms of a site (issue 15): the bundle's size and search, the worker's cache.

For each size, a generated knowledge base (``benchmarks/generate.py``, seed 1)
is built once with ``kb build --no-pdf --bundle`` (or the shipped one, size
``shipped``, with its PDFs); then, from the built site:

- the zip for reading from disk, and within it the search records script;
- ``offline.json``, and what "keep the whole site offline" stores: the bytes
  it states, which are what the cache holds (pages are stored decompressed);
- in Chromium, the unzipped bundle's search page opened from ``file://``
  with a query until its results show (lunr indexes every record when the
  page opens), the median of ``--runs`` runs, beside the same page with no
  query (lunr and the records loaded, nothing indexed shown) as the baseline.

    .venv/bin/python -m benchmarks.bench_offline --sizes shipped 1000 5000 [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from benchmarks.generate import generate
from kb.config import load_settings
from kb.site.offline import bundle_name

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
QUERY = "sanitation committee"


def build(project: Path, pdf: bool) -> tuple[Path, float]:
    site = project / "site"
    args = [sys.executable, "-m", "kb", "--project", str(project), "build", "--bundle"]
    args += ["--out", str(site)] + ([] if pdf else ["--no-pdf"])
    started = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return site, time.perf_counter() - started


def search_time(page_file: Path, query: str, runs: int) -> float:
    """Median seconds from opening the search page until its results (or status) show."""
    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for _ in range(runs):
                page = browser.new_page()
                started = time.perf_counter()
                page.goto(page_file.as_uri() + (f"?q={query}" if query else ""))
                page.wait_for_selector("#kb-search[data-done]", state="attached", timeout=120_000)
                times.append(time.perf_counter() - started)
                page.close()
        finally:
            browser.close()
    return statistics.median(times)


def measure(size: str, work: Path, runs: int) -> dict[str, object]:
    if size == "shipped":
        project, pdf = REPO, True
        site = work / "shipped-site"
        args = [sys.executable, "-m", "kb", "--project", str(REPO), "build", "--bundle"]
        started = time.perf_counter()
        subprocess.run([*args, "--out", str(site)], check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
    else:
        project = generate(work / f"kb-{size}", int(size))
        pdf = False
        site, seconds = build(project, pdf)
    name = bundle_name(load_settings(project).site_name)
    bundle = site / "downloads" / name
    unzipped = work / f"unzipped-{size}"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(unzipped)
        folder = unzipped / archive.namelist()[0].split("/")[0]
    manifest = json.loads((site / "offline.json").read_text(encoding="utf-8"))
    documents = len(json.loads((site / "catalogue.json").read_text(encoding="utf-8"))["documents"])
    search_page = folder / "search" / "index.html"
    return {
        "size": size,
        "documents": documents,
        "pdfs": pdf,
        "build_seconds": round(seconds, 1),
        "bundle_bytes": bundle.stat().st_size,
        "bundle_files": len(zipfile.ZipFile(bundle).namelist()),
        "records_script_bytes": (folder / "search" / "bundle-index.js").stat().st_size,
        "offline_json_bytes": (site / "offline.json").stat().st_size,
        "keep_whole_site_bytes": manifest["site"]["bytes"],
        "keep_whole_site_files": len(manifest["site"]["files"]),
        "packs": {k: v["bytes"] for k, v in manifest["packs"].items()},
        "bundle_search_seconds": round(search_time(search_page, QUERY, runs), 2),
        "bundle_search_page_no_query_seconds": round(search_time(search_page, "", runs), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["shipped", "1000", "5000"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        work = options.out or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        for size in options.sizes:
            print(json.dumps(measure(size, work, options.runs)), flush=True)


if __name__ == "__main__":
    main()
