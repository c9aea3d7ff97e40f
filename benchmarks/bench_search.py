"""The search index and the knowledge graph on generated knowledge bases.

    python -m benchmarks.bench_search [--sizes 1000 5000] [--runs 3] [--seed 1] [--out DIR]
    python -m benchmarks.bench_search --index DIR [--runs 3]

For each size a seeded knowledge base is generated (``benchmarks.generate``)
and loaded once; then, ``--runs`` times, in this process:

- full index build: ``SearchIndex.update`` into an empty folder;
- update with nothing changed (hashing every document, reading the index);
- incremental update after one document's body changed (in memory, so the
  figure is the index's work, not the loading of 5,000 files);
- query latency over a fixed set of 35 queries (single words, several words,
  phrases, filters, misspellings, a prefix), each run 5 times on an open
  index; p50 and p95 over all those searches, in wall-clock time and, since
  the machine is shared, in processor time too. The first search on a
  freshly opened index (which reads the filter values) is reported on its own;
- related documents for every document (``KnowledgeGraph.related``, which
  includes computing the TF-IDF vectors), and for the site's other
  questions, backlinks and the same theme at other levels, for every document.

The table gives medians over the runs. Memory: the peak of Python
allocations during each step (``tracemalloc``, in a separate, untimed
pass, since tracing slows everything down) and the process's peak resident
set size at the end (``getrusage``). Figures are printed, never asserted:
the machine is shared and noisy. Targets from issue 4: full build of 5,000
≤ 30 s, incremental ≤ 1 s, p95 ≤ 50 ms, related for all 5,000 ≤ 10 s.

With ``--index DIR`` only the queries are measured, ``--runs`` times, on an
index that already exists and is not rebuilt (a full build of 5,000 documents
takes minutes; three per size make a query measurement cost more than an hour
on a busy machine). Any index will do, e.g. the one ``kb search`` keeps in a
project: ``kb --project P search word`` once, then ``--index P/.kb-cache/index``.
Each run opens the index afresh; the table gives every run and the medians.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import resource
import shutil
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from benchmarks.common import machine, table
from benchmarks.generate import generate
from kb.errors import KbError
from kb.graph import KnowledgeGraph
from kb.loader import load_project
from kb.model import KnowledgeBase
from kb.search import QueryError, SearchIndex

Filters = Mapping[str, Sequence[str]]

#: The fixed query set: (query, filters). Words come from the generator's vocabulary.
QUERIES: tuple[tuple[str, Filters], ...] = (
    # single words
    ("sanitation", {}),
    ("borehole", {}),
    ("latrines", {}),
    ("governance", {}),
    ("tariff", {}),
    ("handwashing", {}),
    ("groundwater", {}),
    ("municipality", {}),
    ("évaluation", {}),
    ("gouvernance", {}),
    # several words
    ("borehole handpump", {}),
    ("water supply chain", {}),
    ("district budget monitoring", {}),
    ("community latrine emptying", {}),
    ("women youth school", {}),
    ("spare parts mechanic", {}),
    ("policy regulation accountability", {}),
    ("assainissement commune", {}),
    # phrases
    ('"supply chain"', {}),
    ('"spare parts"', {}),
    ('"action plan"', {}),
    ('"exchange visit"', {}),
    ('"stakeholder analysis"', {}),
    ('"pompe forage"', {}),
    # with filters
    ("sanitation", {"theme": ["sanitation"]}),
    ("latrine", {"level": ["local"]}),
    ("governance policy", {"theme": ["governance", "finance"], "level": ["national"]}),
    ('"action plan"', {"type": ["guideline"]}),
    ("borehole", {"country": ["GH", "BF"]}),
    ("évaluation", {"language": ["fr"]}),
    ("training coaching", {"programme": ["washtech"], "type": ["lesson", "case-study"]}),
    ("", {"theme": ["hygiene"], "level": ["local"]}),
    # misspelt, and a prefix
    ("sanitaton", {}),
    ("handpmup repair", {}),
    ("sanit*", {}),
)
REPEATS = 5


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = action()
    return time.perf_counter() - start, value


def traced_peak_mb(action: Callable[[], Any]) -> float:
    """Peak Python allocations while ``action`` runs, in MB."""
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def changed_one(knowledge_base: KnowledgeBase, run: int) -> KnowledgeBase:
    """The knowledge base with one document's body changed."""
    documents = dict(knowledge_base.documents)
    doc_id = sorted(documents)[len(documents) // 2]
    doc = documents[doc_id]
    documents[doc_id] = dataclasses.replace(doc, body=doc.body + f"\nA revision, number {run}.\n")
    return KnowledgeBase(documents=documents, taxonomy=knowledge_base.taxonomy)


def search_all(index: SearchIndex) -> tuple[list[float], list[float]]:
    """Every query of the set ``REPEATS`` times: the wall-clock latency of each search,
    and the processor time it took (which other programs on the machine do not inflate)."""
    latencies, processor = [], []
    for _ in range(REPEATS):
        for query, filters in QUERIES:
            start, start_cpu = time.perf_counter(), time.process_time()
            try:
                index.search(query, filters, limit=10)
            except QueryError as exc:  # none expected: the set is made of good queries
                raise SystemExit(f"query {query!r} failed: {exc.message}") from None
            latencies.append(time.perf_counter() - start)
            processor.append(time.process_time() - start_cpu)
    return latencies, processor


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def graph_all(knowledge_base: KnowledgeBase) -> tuple[float, float]:
    """Seconds for related documents of every document, then for backlinks and
    same-theme-other-level links of every document."""
    graph = KnowledgeGraph.build(knowledge_base)
    related, _ = timed(lambda: [graph.related(d.id) for d in graph.documents])
    others, _ = timed(
        lambda: [
            (graph.backlinks(d.id), graph.same_theme_other_levels(d.id)) for d in graph.documents
        ]
    )
    return related, others


def bench_size(size: int, runs: int, seed: int, out: Path) -> dict[str, float]:
    project = generate(out / f"kb-{size}", size, seed)
    load_seconds, result = timed(lambda: load_project(project))
    if result.errors:
        raise SystemExit(f"the generated knowledge base has errors: {result.errors[:3]}")
    knowledge_base = result.knowledge_base
    samples: dict[str, list[float]] = {}

    def note(name: str, value: float) -> None:
        samples.setdefault(name, []).append(value)

    for run in range(runs):
        index_dir = out / f"index-{size}-{run}"
        shutil.rmtree(index_dir, ignore_errors=True)
        with SearchIndex(index_dir) as index:
            seconds, stats = timed(lambda: index.update(knowledge_base))
            assert stats.rebuilt and stats.added == size
            note("full build (s)", seconds)
            seconds, stats = timed(lambda: index.update(knowledge_base))
            assert stats.unchanged == size
            note("update, nothing changed (s)", seconds)
            changed = changed_one(knowledge_base, run)
            seconds, stats = timed(lambda: index.update(changed))  # noqa: B023
            assert (stats.updated, stats.added, stats.removed) == (1, 0, 0), stats
            note("update, one changed (s)", seconds)
        with SearchIndex(index_dir) as index:
            first, _ = timed(lambda: index.search("sanitation", {"level": ["local"]}))
            note("first search, cold (ms)", first * 1000)
            latencies, processor = search_all(index)
            note("search p50 (ms)", statistics.median(latencies) * 1000)
            note("search p95 (ms)", percentile(latencies, 0.95) * 1000)
            note("search max (ms)", max(latencies) * 1000)
            note("search p95, processor time (ms)", percentile(processor, 0.95) * 1000)
        related, others = graph_all(knowledge_base)
        note("related, all documents (s)", related)
        note("backlinks + other levels, all (s)", others)
        shutil.rmtree(index_dir, ignore_errors=True)

    figures = {name: statistics.median(values) for name, values in samples.items()}
    figures["load knowledge base (s)"] = load_seconds
    # Memory, in an untimed pass.
    peak_dir = out / f"index-{size}-memory"
    shutil.rmtree(peak_dir, ignore_errors=True)
    with SearchIndex(peak_dir) as index:
        figures["memory: full build (MB)"] = traced_peak_mb(lambda: index.update(knowledge_base))
        changed = changed_one(knowledge_base, runs)
        figures["memory: one changed (MB)"] = traced_peak_mb(lambda: index.update(changed))
    with SearchIndex(peak_dir) as index:
        figures["memory: searches (MB)"] = traced_peak_mb(lambda: search_all(index))
    figures["memory: graph, all (MB)"] = traced_peak_mb(lambda: graph_all(knowledge_base))
    shutil.rmtree(peak_dir, ignore_errors=True)
    # ru_maxrss is in kilobytes on Linux and in bytes on macOS.
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures["process peak RSS so far (MB)"] = rss / (
        2**20 if platform.system() == "Darwin" else 2**10
    )
    return figures


def bench_queries(index_dir: Path, runs: int) -> dict[str, list[float]]:
    """The query figures of ``bench_size`` on an existing index, run by run."""
    if not (index_dir / "kb-index.json").is_file():
        raise SystemExit(f"{index_dir}: no kb search index here (kb search builds one)")
    samples: dict[str, list[float]] = {}
    for _run in range(runs):
        with SearchIndex(index_dir) as index:
            try:
                first, _ = timed(lambda: index.search("sanitation", {"level": ["local"]}))
            except KbError as exc:
                raise SystemExit(exc.message) from None
            latencies, processor = search_all(index)
        figures = {
            "first search, cold (ms)": first * 1000,
            "search p50 (ms)": statistics.median(latencies) * 1000,
            "search p95 (ms)": percentile(latencies, 0.95) * 1000,
            "search max (ms)": max(latencies) * 1000,
            "search p50, processor time (ms)": statistics.median(processor) * 1000,
            "search p95, processor time (ms)": percentile(processor, 0.95) * 1000,
        }
        for name, value in figures.items():
            samples.setdefault(name, []).append(value)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--out", type=Path, default=None, help="Work folder (default: a temporary one)."
    )
    parser.add_argument(
        "--index",
        type=Path,
        default=None,
        help="Measure only the queries, on this existing index (not rebuilt).",
    )
    args = parser.parse_args()
    if args.index is not None:
        load_before = os.getloadavg()[0]
        samples = bench_queries(args.index, args.runs)
        print(f"Queries on {args.index}: {len(QUERIES)} queries x {REPEATS}, {args.runs} runs")
        print(f"Machine: {machine()}; load average {load_before:.1f} -> {os.getloadavg()[0]:.1f}\n")
        rows = [
            [name, ", ".join(f"{v:.1f}" for v in values), f"{statistics.median(values):.1f}"]
            for name, values in samples.items()
        ]
        print(table(["measure", "runs", "median"], rows))
        return
    work = args.out or Path(tempfile.mkdtemp(prefix="kb-bench-search-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        results = {size: bench_size(size, args.runs, args.seed, work) for size in args.sizes}
    finally:
        if args.out is None:
            shutil.rmtree(work, ignore_errors=True)
    names = list(next(iter(results.values())))
    rows = [[name, *(f"{results[size][name]:.2f}" for size in args.sizes)] for name in names]
    print(
        f"Search index and graph: {len(QUERIES)} queries x {REPEATS}, medians of {args.runs} runs"
    )
    print(f"Machine: {machine()}\n")
    print(table(["measure", *(f"{size:,} documents" for size in args.sizes)], rows))


if __name__ == "__main__":
    main()
