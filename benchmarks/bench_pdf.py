"""How fast PDFs render, how much memory a big pack needs, and what the cache saves.

    python -m benchmarks.bench_pdf [--runs 3] [--pages 200]

Four measurements, each run ``--runs`` times in a fresh process, on copies
of the knowledge base in a temporary folder (the repository's cache is never
touched):

1. a shipped pack (the largest) rendered on a clean cache, in one process:
   pages per second of wall time and per CPU second (= per core);
2. a generated pack of about ``--pages`` pages (seeded generator): the same,
   plus the peak memory of the process (maximum resident set size);
3. every shipped PDF (packs and one per document, as ``kb build`` makes
   them) on a clean cache, on all cores; and the packs alone;
4. the same with nothing changed (every PDF copied from the cache), with
   the time to load the knowledge base shown apart.

Medians are printed with the range; nothing is asserted (the machine is
shared and noisy). Per-core speed uses CPU time, which the load of other
processes disturbs less than wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.generate import generate

REPO = Path(__file__).resolve().parent.parent
#: Generated documents come out at about three pages each (each starts a page).
PAGES_PER_GENERATED_DOCUMENT = 3


def copy_shipped(target: Path) -> Path:
    """The shipped knowledge base in a folder of its own (its own .kb-cache)."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(REPO / "content", target / "content")
    shutil.copy(REPO / "mkdocs.yml", target / "mkdocs.yml")
    return target


# -- what runs in the child processes --------------------------------------------


def child_pack(project: Path, which: str, out: Path) -> dict[str, Any]:
    """Render one pack on a clean cache; ``which`` is a pack id or ``generated:N``."""
    from kb.loader import load_project
    from kb.packs import Pack, Selection, find_pack, load_packs, select
    from kb.pdf import render_pack

    shutil.rmtree(project / ".kb-cache", ignore_errors=True)
    result = load_project(project)
    if which.startswith("generated:"):
        count = int(which.split(":", 1)[1])
        documents = sorted(
            (d for d in result.knowledge_base.published() if d.language == "en"),
            key=lambda d: d.id,
        )[:count]
        # A selection that matches nothing, plus the chosen ids: the first N documents.
        pack = Pack(
            id="generated",
            title="A generated pack",
            subtitle="Benchmark",
            introduction="Generated documents.",
            selection=Selection(types=("none",)),
            include=tuple(d.id for d in documents),
        )
    else:
        packs, _ = load_packs(result.settings, result.knowledge_base)
        found = find_pack(packs, which)
        if found is None:
            raise SystemExit(f"no pack {which}")
        pack = found
    import kb.pdf.engine  # noqa: F401 - imported before the clock starts, as a worker has it

    wall, cpu = time.perf_counter(), time.process_time()
    download = render_pack(result, pack, out, report=lambda problems: None)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "pages": download.pages,
        "documents": len(select(pack, result.knowledge_base)),
        "wall": wall,
        "cpu": cpu,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the render workers)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def child_build(project: Path, out: Path, clean: bool, packs_only: bool) -> dict[str, Any]:
    """build_downloads as kb build calls it, on a clean or a warm cache."""
    from kb.loader import load_project
    from kb.pdf import build_downloads

    if clean:
        shutil.rmtree(project / ".kb-cache", ignore_errors=True)
    before = _cpu()
    start = time.perf_counter()
    result = load_project(project)
    loaded = time.perf_counter() - start
    downloads = build_downloads(
        result, out, strict=False, documents=not packs_only, report=lambda problems: None
    )
    return {
        "load": loaded,
        "pdf": time.perf_counter() - start - loaded,
        "cpu": _cpu() - before,
        "files": len(downloads),
        "pages": sum(d.pages for d in downloads),
    }


# -- the parent: run children, print medians ------------------------------------------


def run_child(*args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_pdf", "--child", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"child {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _burn(n: int) -> float:
    """Pure-Python CPU work, to see how many cores the machine gives right now."""
    total = 0
    for i in range(n):
        total += i * i
    return float(total)


def parallel_capacity(cores: int) -> float:
    """How much faster ``cores`` processes do ``cores`` jobs than one process does one."""
    import multiprocessing

    work = 5_000_000
    start = time.perf_counter()
    _burn(work)
    one = time.perf_counter() - start
    with multiprocessing.get_context("spawn").Pool(cores) as pool:
        pool.map(_burn, [work] * cores)  # start the workers before timing
        start = time.perf_counter()
        pool.map(_burn, [work] * cores)
        many = time.perf_counter() - start
    return cores * one / many


def spread(values: list[float], unit: str = "", digits: int = 1) -> str:
    """``12.3 (11.9-13.0)``: the median and the range."""
    median = statistics.median(values)
    return f"{median:.{digits}f}{unit} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def largest_pack(project: Path) -> str:
    from kb.loader import load_project
    from kb.packs import load_packs, select

    result = load_project(project)
    packs, _ = load_packs(result.settings, result.knowledge_base)
    return str(max(packs, key=lambda p: len(select(p, result.knowledge_base))).id)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "pack":
            output = child_pack(Path(rest[0]), rest[1], Path(rest[2]))
        else:
            output = child_build(
                Path(rest[0]), Path(rest[1]), rest[2] == "clean", rest[3] == "packs"
            )
        print(json.dumps(output))
        return

    cores = os.cpu_count() or 1
    print(f"bench_pdf: {cores} cores, Python {sys.version.split()[0]}, {args.runs} runs each")
    print(
        f"parallel capacity now: {parallel_capacity(cores):.2f} of {cores} cores "
        "(other processes share the machine)"
    )
    with tempfile.TemporaryDirectory(prefix="kb-bench-pdf-") as temporary:
        folder = Path(temporary)
        shipped = copy_shipped(folder / "shipped")
        pack_id = largest_pack(shipped)
        generated = generate(folder / "generated", max(20, args.pages // 2), seed=1)
        count = max(1, args.pages // PAGES_PER_GENERATED_DOCUMENT)

        for label, project, which in (
            (f"shipped pack '{pack_id}'", shipped, pack_id),
            (f"generated pack of {count} documents", generated, f"generated:{count}"),
        ):
            runs = [
                run_child("pack", str(project), which, str(folder / "pack.pdf"))
                for _ in range(args.runs)
            ]
            pages = runs[0]["pages"]
            print(f"\n{label}: {pages} pages, {runs[0]['documents']} documents")
            print(f"  wall time         {spread([r['wall'] for r in runs], ' s', 2)}")
            print(f"  pages/s (wall)    {spread([pages / r['wall'] for r in runs])}")
            print(f"  pages/s per core  {spread([pages / r['cpu'] for r in runs])}")
            print(f"  peak memory       {spread([r['peak_mib'] for r in runs], ' MiB', 0)}")

        for label, scope in (("all shipped PDFs", "all"), ("shipped packs only", "packs")):
            out = folder / f"out-{scope}"
            clean = [
                run_child("build", str(shipped), str(out), "clean", scope) for _ in range(args.runs)
            ]
            warm = [
                run_child("build", str(shipped), str(out), "warm", scope) for _ in range(args.runs)
            ]
            print(
                f"\n{label}: {clean[0]['files']} PDFs, {clean[0]['pages']} pages, {cores} workers"
            )
            print(f"  clean cache       {spread([r['pdf'] for r in clean], ' s', 2)}")
            print(f"  CPU time          {spread([r['cpu'] for r in clean], ' s', 1)}")
            print(
                f"  pages/s per core  {spread([r['pages'] / r['cpu'] for r in clean])} (CPU time)"
            )
            print(
                "  pages/s per core  "
                f"{spread([r['pages'] / r['pdf'] / cores for r in clean])} (wall / cores)"
            )
            print(f"  nothing changed   {spread([r['pdf'] for r in warm], ' s', 2)}")
            print(f"  (loading the knowledge base: {spread([r['load'] for r in warm], ' s', 2)})")


if __name__ == "__main__":
    main()
