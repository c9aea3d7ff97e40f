"""The whole benchmark suite in one command: kb against plain MkDocs, at several sizes.

    python -m benchmarks.run [--sizes 1000 5000 10000] [--runs 3 3 1] [--out DIR]

For each size the seeded generator (``benchmarks.generate``) writes a
knowledge base into a work folder, and every figure is measured on it:
``kb check`` and ``kb check --changed``; the search index (full build,
update after one change, query latency p50/p95, related documents for every
document); ``kb build --no-pdf`` from a clean cache, then again after one
document is edited (the cache in ``.kb-cache/`` is kept, as an editor's
second build keeps it), interleaved run by run with a plain ``mkdocs build``
of the same Markdown with a two-entry navigation; the bytes one search
downloads from the built site (Pagefind); ``kb serve``'s delay from an edit
to the updated page (smallest size only); and a pack PDF of the first 50
English documents (the same documents at every size). Every command runs in
a fresh process; memory is the peak resident set size of that process,
read with ``os.wait4``.

It prints tables of the medians, the kb / MkDocs ratios, the time per
document at each size and the targets from the issues, and writes them to
``benchmarks/results.md`` with the machine, the load average at the start
and the end, the date and the command. Results are rewritten after each
size, so an interrupted run keeps what it measured. Nothing is asserted: the
machine may be shared and noisy. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from benchmarks.common import machine, sections, table

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (1000, 5000, 10000)
#: Sizes from which one run is the default (a 10,000-document round takes ~10 minutes).
LARGE = 10000
PACK_DOCUMENTS = 50
MKDOCS = str(Path(sys.executable).parent / "mkdocs")
T = TypeVar("T")


# -- what is measured, and how it is shown ------------------------------------------


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    unit: str  # "s", "ms", "MiB", "KB", "pages", "pages/s"
    per_document: bool = False  # shown in the time-per-document table


MEASURES = (
    Measure("check", "kb check", "s", per_document=True),
    Measure("check_changed", "kb check --changed (1 file changed, in git)", "s"),
    Measure("index_full", "search index: full build", "s", per_document=True),
    Measure("index_none", "search index: update, nothing changed", "s"),
    Measure("index_one", "search index: update after one change", "s"),
    Measure("search_p50", "search latency p50 (35 queries x 5)", "ms"),
    Measure("search_p95", "search latency p95", "ms"),
    Measure("search_p95_cpu", "search p95 in CPU time (less disturbed by load)", "ms"),
    Measure("search_cli", "kb search, whole command after one edit", "s"),
    Measure("related", "related documents for every document", "s", per_document=True),
    Measure("plain", "plain mkdocs build (2-entry nav)", "s", per_document=True),
    Measure("kb_build", "kb build --no-pdf, clean cache", "s", per_document=True),
    Measure("kb_rebuild", "kb build --no-pdf after one edit", "s", per_document=True),
    Measure("search_bytes", "bytes one search downloads (Pagefind, gzip)", "KB"),
    Measure("serve", "kb serve: edit to updated page", "s"),
    Measure("pdf_pages", f"pack PDF of {PACK_DOCUMENTS} documents: pages", "pages"),
    Measure("pdf_wall", "pack PDF: render time", "s"),
    Measure("pdf_per_core", "pack PDF: pages/s per core (CPU time)", "pages/s"),
    Measure("mem_check", "peak memory: kb check", "MiB"),
    Measure("mem_index", "peak memory: index build + queries", "MiB"),
    Measure("mem_graph", "peak memory: related documents", "MiB"),
    Measure("mem_plain", "peak memory: plain mkdocs build", "MiB"),
    Measure("mem_kb_build", "peak memory: kb build, clean", "MiB"),
    Measure("mem_kb_rebuild", "peak memory: kb build after one edit", "MiB"),
    Measure("mem_pdf", "peak memory: pack PDF", "MiB"),
)
BY_KEY = {m.key: m for m in MEASURES}
#: kb / plain MkDocs, from the medians.
RATIOS = (
    ("kb build clean / plain mkdocs", "kb_build", "plain"),
    ("kb build after one edit / plain mkdocs", "kb_rebuild", "plain"),
    ("peak memory kb build / plain mkdocs", "mem_kb_build", "mem_plain"),
)


@dataclass
class Results:
    """Every value measured, by measure and size, with the runs made at each size."""

    sizes: list[int]
    runs: dict[int, int]
    values: dict[str, dict[int, list[float]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, key: str, size: int, value: float) -> None:
        self.values.setdefault(key, {}).setdefault(size, []).append(value)

    def median(self, key: str, size: int) -> float | None:
        found = self.values.get(key, {}).get(size)
        return statistics.median(found) if found else None


def show(value: float | None, unit: str) -> str:
    """A figure with its unit, rounded to what the noise allows."""
    if value is None:
        return "-"
    if unit in ("MiB", "KB", "pages"):
        return f"{value:,.0f} {unit}"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "pages/s":
        return f"{value:.1f} pages/s"
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


# -- running commands ---------------------------------------------------------------


class Failed(Exception):
    """A measured command exited with an error."""


@dataclass(frozen=True)
class Ran:
    seconds: float
    peak_mib: float
    stdout: str


def kb_command() -> list[str]:
    """The ``kb`` script beside this Python, else ``python -m kb``."""
    script = Path(sys.executable).parent / "kb"
    return [str(script)] if script.exists() else [sys.executable, "-m", "kb"]


def run(command: Sequence[str], cwd: Path | None = None) -> Ran:
    """Run a command in a fresh process: wall seconds, its peak memory, its output."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(list(command), cwd=cwd, env=env, stdout=out, stderr=err)
        # wait4 gives the resources of this child (and the children it waited for) alone.
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    if child.returncode != 0:
        tail = "\n".join((stdout + stderr).strip().splitlines()[-8:])
        raise Failed(f"{shlex.join(command)} exited with {child.returncode}:\n{tail}")
    # ru_maxrss is in kilobytes on Linux and in bytes on macOS.
    kib = usage.ru_maxrss / 1024 if platform.system() == "Darwin" else usage.ru_maxrss
    return Ran(seconds, kib / 1024, stdout)


def child(kind: str, *args: str) -> tuple[dict[str, Any], float]:
    """Run a measuring child of this module; its JSON figures and its peak memory."""
    with tempfile.TemporaryDirectory(prefix="kb-bench-child-") as tmp:
        answer = Path(tmp) / "figures.json"
        ran = run([sys.executable, "-m", "benchmarks.run", "--child", kind, *args, str(answer)])
        figures: dict[str, Any] = json.loads(answer.read_text(encoding="utf-8"))
    return figures, ran.peak_mib


def log(message: str) -> None:
    stamp = time.strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


def attempt(results: Results, label: str, action: Callable[[], T]) -> T | None:
    """Run one measurement; a failure is noted in the results, not fatal to the run."""
    try:
        return action()
    except (Exception, SystemExit) as exc:  # SystemExit: the bench_* helpers stop that way
        message = str(exc).strip() or type(exc).__name__
        results.notes.append(f"{label}: not measured ({message.splitlines()[0]})")
        log(f"{label} FAILED: {message}")
        return None


# -- the children: in-process measurements of the search index and the graph ------------


def child_index(project: Path, runs: int) -> dict[str, Any]:
    """Full build, no-change and one-change updates, then query latency, ``runs`` times.

    The index is the project's own (``.kb-cache/index``), left matching the
    files at the end so that a ``kb search`` afterwards updates it incrementally.
    """
    from benchmarks.bench_search import changed_one, percentile, search_all
    from kb.loader import load_project
    from kb.search import SearchIndex

    knowledge_base = load_project(project).knowledge_base
    size = len(knowledge_base.documents)
    figures: dict[str, list[float]] = {}

    def note(name: str, value: float) -> None:
        figures.setdefault(name, []).append(value)

    for n in range(runs):
        with SearchIndex.for_project(project) as index:
            shutil.rmtree(index.index_dir, ignore_errors=True)
            start = time.perf_counter()
            stats = index.update(knowledge_base)
            note("index_full", time.perf_counter() - start)
            if not stats.rebuilt or stats.added != size:
                raise SystemExit(f"full build did not index every document: {stats}")
            start = time.perf_counter()
            index.update(knowledge_base)
            note("index_none", time.perf_counter() - start)
            changed = changed_one(knowledge_base, n)
            start = time.perf_counter()
            stats = index.update(changed)
            note("index_one", time.perf_counter() - start)
            if (stats.added, stats.updated, stats.removed) != (0, 1, 0):
                raise SystemExit(f"one change did not update one document: {stats}")
            index.update(knowledge_base)  # back in line with the files
        with SearchIndex.for_project(project) as index:
            latencies, processor = search_all(index)
            note("search_p50", statistics.median(latencies) * 1000)
            note("search_p95", percentile(latencies, 0.95) * 1000)
            note("search_p95_cpu", percentile(processor, 0.95) * 1000)
    return figures


def child_graph(project: Path, runs: int) -> dict[str, Any]:
    """Related documents (with the TF-IDF vectors they need) for every document."""
    from benchmarks.bench_search import graph_all
    from kb.loader import load_project

    knowledge_base = load_project(project).knowledge_base
    return {"related": [graph_all(knowledge_base)[0] for _ in range(runs)]}


# -- one size ---------------------------------------------------------------------------


def edit(path: Path, marker: str) -> None:
    """Append a paragraph to a document, as an editor's change."""
    with path.open("a", encoding="utf-8") as out:
        out.write(f"\n{marker}\n")


def middle_document(project: Path) -> Path:
    """A document from the middle of the knowledge base, to edit between builds."""
    files = sorted((project / "content" / "guidelines").glob("*.md"))
    return files[len(files) // 2]


def measure_size(size: int, runs: int, work: Path, results: Results, first: bool) -> None:
    from benchmarks import bench_changed, bench_check, bench_pdf, bench_site
    from benchmarks.generate import generate

    kb = kb_command()
    log(f"{size:,} documents: generating")
    project = generate(work / f"kb-{size}", size, seed=1)
    on = [*kb, "--project", str(project)]

    log(f"{size:,}: kb check x {runs}")
    checks = attempt(
        results, f"kb check at {size}", lambda: bench_check.measure([*on, "check"], runs)
    )
    for check in checks or []:
        results.add("check", size, check.seconds)
        results.add("mem_check", size, check.peak_mb)
        if check.exit_code != 0:
            results.notes.append(f"kb check at {size:,} exited with {check.exit_code}")

    log(f"{size:,}: kb check --changed x {runs}")

    def changed() -> list[bench_check.Run]:
        bench_changed.prepare_repository(project)
        try:
            return bench_check.measure([*on, "check", "--changed"], runs)
        finally:
            shutil.rmtree(project / ".git", ignore_errors=True)

    for check in attempt(results, f"kb check --changed at {size}", changed) or []:
        results.add("check_changed", size, check.seconds)

    plain = bench_site.plain_project(project, work / f"plain-{size}")
    edited = middle_document(project)
    for n in range(runs):
        log(f"{size:,}: plain mkdocs build, kb build, kb build after an edit: run {n + 1}/{runs}")
        shutil.rmtree(plain / "site", ignore_errors=True)
        done = attempt(
            results, f"plain mkdocs at {size}", lambda: run([MKDOCS, "build", "-q"], cwd=plain)
        )
        if done:
            results.add("plain", size, done.seconds)
            results.add("mem_plain", size, done.peak_mib)
        shutil.rmtree(project / "site", ignore_errors=True)
        shutil.rmtree(project / ".kb-cache", ignore_errors=True)
        done = attempt(results, f"kb build at {size}", lambda: run([*on, "build", "--no-pdf"]))
        if done:
            results.add("kb_build", size, done.seconds)
            results.add("mem_kb_build", size, done.peak_mib)
        edit(edited, f"A paragraph the benchmark added before rebuild {n}.")
        done = attempt(results, f"kb rebuild at {size}", lambda: run([*on, "build", "--no-pdf"]))
        if done:
            results.add("kb_rebuild", size, done.seconds)
            results.add("mem_kb_rebuild", size, done.peak_mib)

    if (project / "site" / "search").is_dir():
        log(f"{size:,}: bytes for one search (Pagefind, in Chromium)")
        found = attempt(
            results,
            f"Pagefind bytes at {size}",
            lambda: bench_site.search_bytes(project / "site", "sanitation%20committee"),
        )
        if found:
            results.add("search_bytes", size, found[0] / 1024)

    if first:
        log(f"{size:,}: kb serve, edit to updated page")
        for latency in (
            attempt(results, f"kb serve at {size}", lambda: bench_site.serve_latency(project)) or []
        ):
            results.add("serve", size, latency)

    log(f"{size:,}: search index and queries x {runs}")
    found_index = attempt(
        results, f"search index at {size}", lambda: child("index", str(project), str(runs))
    )
    if found_index:
        figures, peak = found_index
        for key, values in figures.items():
            for value in values:
                results.add(key, size, value)
        results.add("mem_index", size, peak)
        for n in range(runs):
            edit(edited, f"A paragraph the benchmark added before search {n}.")
            done = attempt(
                results,
                f"kb search at {size}",
                lambda: run([*on, "search", "--json", "sanitation"]),
            )
            if done:
                stats = json.loads(done.stdout)["index"]
                if stats["updated"] != 1 or stats["rebuilt"]:
                    results.notes.append(
                        f"kb search at {size:,} did not update one document: {stats}"
                    )
                results.add("search_cli", size, done.seconds)

    log(f"{size:,}: related documents for every document x {runs}")
    found_graph = attempt(
        results, f"related at {size}", lambda: child("graph", str(project), str(runs))
    )
    if found_graph:
        figures, peak = found_graph
        for value in figures["related"]:
            results.add("related", size, value)
        results.add("mem_graph", size, peak)

    log(f"{size:,}: pack PDF of {PACK_DOCUMENTS} documents x {runs}")
    for _ in range(runs):
        pdf = attempt(
            results,
            f"pack PDF at {size}",
            lambda: bench_pdf.run_child(
                "pack", str(project), f"generated:{PACK_DOCUMENTS}", str(work / "pack.pdf")
            ),
        )
        if pdf:
            results.add("pdf_pages", size, pdf["pages"])
            results.add("pdf_wall", size, pdf["wall"])
            results.add("pdf_per_core", size, pdf["pages"] / pdf["cpu"])
            results.add("mem_pdf", size, pdf["peak_mib"])
    shutil.rmtree(project, ignore_errors=True)
    shutil.rmtree(plain, ignore_errors=True)


# -- tables and the results file --------------------------------------------------------


def medians_table(results: Results) -> str:
    rows = []
    for measure in MEASURES:
        cells = [show(results.median(measure.key, size), measure.unit) for size in results.sizes]
        if any(cell != "-" for cell in cells):
            rows.append([measure.label, *cells])
    for label, kb_key, plain_key in RATIOS:
        cells = []
        for size in results.sizes:
            kb, plain = results.median(kb_key, size), results.median(plain_key, size)
            cells.append(f"{kb / plain:.2f}" if kb is not None and plain else "-")
        rows.append([f"**{label}**", *cells])
    return table(["measure", *(f"{size:,} documents" for size in results.sizes)], rows)


def per_document_table(results: Results) -> str:
    """Milliseconds per document, and that against the smallest size (x1.00 = linear)."""
    rows = []
    for measure in MEASURES:
        if not measure.per_document:
            continue
        base = None
        cells = []
        for size in results.sizes:
            value = results.median(measure.key, size)
            if value is None:
                cells.append("-")
                continue
            per_doc = value / size * 1000
            base = base or per_doc
            cells.append(f"{per_doc:.2f} ms (x{per_doc / base:.2f})")
        rows.append([measure.label, *cells])
    return table(["measure", *(f"{size:,} documents" for size in results.sizes)], rows)


def targets_table(results: Results) -> str:
    """Each bound from the issues against the figure it is about."""

    def at(key: str, size: int) -> float | None:
        return results.median(key, size)

    def verdict(value: float | None, ok: Callable[[float], bool]) -> str:
        if value is None:
            return "not measured"
        return "meets" if ok(value) else "**MISSES**"

    rows: list[list[str]] = []

    def bound(text: str, issue: int, key: str, size: int, limit: float, lower: bool = True) -> None:
        value = at(key, size)
        unit = BY_KEY[key].unit
        ok = (lambda v: v <= limit) if lower else (lambda v: v >= limit)
        rows.append([text, f"#{issue}", show(value, unit), verdict(value, ok)])

    bound("kb check, 5,000 documents: <= 5 s", 2, "check", 5000, 5)
    bound("search index full build, 5,000: <= 30 s", 4, "index_full", 5000, 30)
    bound("search index after one change, 5,000: <= 1 s", 4, "index_one", 5000, 1)
    for size in (1000, 5000):
        bound(f"query latency p95, {size:,}: <= 50 ms", 4, "search_p95", size, 50)
    bound("related documents for all 5,000: <= 10 s", 4, "related", 5000, 10)
    kb, plain = at("kb_build", 1000), at("plain", 1000)
    ratio = kb / plain if kb is not None and plain else None
    rows.append(
        [
            "kb build --no-pdf / plain mkdocs, 1,000: <= 1.3",
            "#5",
            f"{ratio:.2f}" if ratio is not None else "-",
            verdict(ratio, lambda v: v <= 1.3),
        ]
    )
    small, large = at("kb_build", 1000), at("kb_build", 5000)
    growth = (large / 5000) / (small / 1000) if small and large else None
    rows.append(
        [
            "kb build time per document, 5,000 vs 1,000: within 15%",
            "#5",
            f"{growth - 1:+.0%}" if growth is not None else "-",
            verdict(growth, lambda v: v <= 1.15),
        ]
    )
    bound("bytes for one search, 5,000: <= 250 KB", 5, "search_bytes", 5000, 250)
    bound("kb serve, edit to updated page, 1,000: <= 2 s", 5, "serve", 1000, 2)
    smallest = results.sizes[0]
    bound(
        f"pack PDF pages per second per core (at {smallest:,}): >= 20",
        6,
        "pdf_per_core",
        smallest,
        20,
        lower=False,
    )
    pages = at("pdf_pages", smallest)
    memory = at("mem_pdf", smallest)
    rows.append(
        [
            "200-page pack: < 600 MiB",
            "#6",
            f"{show(memory, 'MiB')} for {show(pages, 'pages')}",
            "not measured"
            if memory is None or pages is None
            else ("meets" if memory < 600 else "**MISSES**")
            + ("" if pages >= 200 else " (smaller pack)"),
        ]
    )
    bound("kb check --changed, 5,000: <= 2 s", 7, "check_changed", 5000, 2)
    return table(["target", "issue", "measured (median)", "verdict"], rows)


def every_run_table(results: Results) -> str:
    rows = []
    for measure in MEASURES:
        for size in results.sizes:
            values = results.values.get(measure.key, {}).get(size)
            if values:
                shown = ", ".join(show(v, measure.unit) for v in values)
                rows.append([measure.label, f"{size:,}", shown])
    return table(["measure", "documents", "every run, in order"], rows)


def versions() -> str:
    names = ("kb", "mkdocs", "mkdocs-material", "pagefind", "Whoosh-Reloaded", "weasyprint")
    found = []
    for name in names:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found.append(f"{name} {importlib.metadata.version(name)}")
    return ", ".join(found)


def code_version() -> str:
    """The commit measured (read-only git), and whether the tree had changes."""
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "src", "benchmarks"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"commit {head}" + (" with uncommitted changes in src/ or benchmarks/" if dirty else "")


def source_digest() -> str:
    """A digest of kb's source files, to tell whether they changed during the run."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "src" / "kb").rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(REPO).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def load_average() -> str:
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


@dataclass(frozen=True)
class Context:
    command: str
    started: dt.datetime
    load_at_start: str
    code_at_start: str
    source_at_start: str


def report(results: Results, context: Context, done: Sequence[int]) -> str:
    finished = dt.datetime.now().astimezone()
    minutes = (finished - context.started).total_seconds() / 60
    runs = "; ".join(f"{results.runs[s]} at {s:,}" for s in results.sizes)
    partial = [s for s in results.sizes if s not in done]
    lines = [
        "# Benchmark results",
        "",
        "Written by `benchmarks/run.py`; benchmarks/README.md says what each figure means "
        "and how it is measured. Medians over the runs; every run is listed at the end.",
        "",
        f"- Date: {context.started:%Y-%m-%d %H:%M %Z}, {minutes:.0f} minutes",
        f"- Command: `{context.command}`",
        f"- Machine: {machine()}",
        f"- Load average (1, 5, 15 min): {context.load_at_start} at the start, "
        f"{load_average()} at the end (other processes shared the machine when it is above 0)",
        f"- Code: {context.code_at_start}, sources {context.source_at_start} at the start"
        + (
            ""
            if source_digest() == context.source_at_start
            else f"; **src/kb changed during the run** (now {code_version()}, "
            f"sources {source_digest()}): figures measured before and after the change mix"
        ),
        f"- Versions: {versions()}",
        f"- Runs per size: {runs} documents",
    ]
    if partial:
        lines.append(
            f"- **Partial**: not yet measured at {', '.join(f'{s:,}' for s in partial)} documents"
        )
    lines += [
        "",
        "## Medians, and kb / plain MkDocs",
        "",
        medians_table(results),
        "",
        "## Time per document (x = against the smallest size; above 1 grows faster than "
        "the number of documents)",
        "",
        per_document_table(results),
        "",
        "## Targets from the issues",
        "",
        targets_table(results),
        "",
        "## Every run",
        "",
        every_run_table(results),
        "",
    ]
    if results.notes:
        lines += ["## Notes", "", *(f"- {note}" for note in results.notes), ""]
    return "\n".join(lines)


def command_line() -> str:
    python = Path(sys.executable)
    try:
        shown = python.relative_to(REPO).as_posix()
    except ValueError:
        shown = str(python)
    return shlex.join([shown, "-m", "benchmarks.run", *sys.argv[1:]])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument(
        "--runs", type=int, default=3, help=f"Runs at sizes below {LARGE:,} (default 3)."
    )
    parser.add_argument(
        "--runs-large",
        type=int,
        default=1,
        help=f"Runs at {LARGE:,} documents and above (default 1).",
    )
    parser.add_argument("--out", type=Path, default=None, help="Keep the work folder here.")
    parser.add_argument(
        "--results",
        type=Path,
        default=REPO / "benchmarks" / "results.md",
        help="Where to write the results (default: benchmarks/results.md).",
    )
    parser.add_argument(
        "--hostile",
        action="store_true",
        help="Only the hostile inputs of issue 18 (benchmarks/bench_hostile.py), --runs times.",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.hostile:
        from benchmarks import bench_hostile

        text = bench_hostile.main(["--runs", str(args.runs)])
        if args.results != REPO / "benchmarks" / "results.md":
            args.results.write_text(text, encoding="utf-8")
        return
    if args.child:
        kind, project, runs, answer = args.child
        measure = child_index if kind == "index" else child_graph
        figures = measure(Path(project), int(runs))
        Path(answer).write_text(json.dumps(figures), encoding="utf-8")
        return

    sizes = sorted(set(args.sizes))
    results = Results(sizes, {s: args.runs_large if s >= LARGE else args.runs for s in sizes})
    context = Context(
        command_line(),
        dt.datetime.now().astimezone(),
        load_average(),
        code_version(),
        source_digest(),
    )
    # The sections other benchmarks wrote (bench_reading's slow link) stay in the file.
    kept = sections(args.results)
    work = args.out or Path(tempfile.mkdtemp(prefix="kb-bench-run-"))
    work.mkdir(parents=True, exist_ok=True)
    log(f"work folder {work}; load average {context.load_at_start}")
    done: list[int] = []
    try:
        for size in sizes:
            measure_size(size, results.runs[size], work, results, first=size == sizes[0])
            done.append(size)
            args.results.write_text(report(results, context, done) + kept, encoding="utf-8")
            log(f"{size:,} done; results so far in {args.results}")
    finally:
        if args.out is None:
            shutil.rmtree(work, ignore_errors=True)
    print(report(results, context, done))


if __name__ == "__main__":
    main()
