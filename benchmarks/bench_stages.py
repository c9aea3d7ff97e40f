"""Where a kb build's processor time goes, stage by stage, for kb's code now and before.

    python -m benchmarks.bench_stages [--documents 1000] [--runs 3] [--before SRC]

``kb build`` runs its stages in three processes at once, so the time of a
stage in the main process includes waiting for the others, and a stage of
a helper process is never seen. Here each build runs in one process of its
own with the helpers' tasks done in turn, where they are handed out (a
synchronous executor): every stage's time is then its own work, and the
tasks given to the helpers are timed apart (their processor time, and
Pagefind's, which they wait for). A clean build (no ``site/``, no
``.kb-cache/``) and a rebuild after a paragraph is appended to one guideline,
for each version, in turn. ``--before`` names the ``src`` folder of another
version of kb (``git archive COMMIT src | tar -x -C DIR``), run with the same
interpreter and libraries. The figures are printed, never asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

from benchmarks.common import (
    BIN,
    copies,
    machine,
    median,
    prepare,
    table,
    versions,
    versions_parser,
)
from benchmarks.generate import generate


class InTurn(Executor):
    """Does each task when it is handed out, timing it."""

    def __init__(self) -> None:
        #: Each task: its name, when it started, its wall time and its processor time.
        self.tasks: list[tuple[str, float, float, float]] = []

    def submit(  # type: ignore[override]
        self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> Future[Any]:
        future: Future[Any] = Future()
        started, before = time.perf_counter(), os.times()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # the build sees it where it asks for the result
            future.set_exception(exc)
        after = os.times()
        # This process's time and its children's (Pagefind's, on all its threads).
        spent = sum(after[:4]) - sum(before[:4])
        name = getattr(fn, "__name__", "task")
        self.tasks.append((name, started, time.perf_counter() - started, spent))
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        pass


def one_build(project: Path) -> dict[str, float]:
    """Load and build ``project`` here, in turn; seconds by stage (run in a child process)."""
    from kb.build import build
    from kb.loader import load_project

    started = time.perf_counter()
    result = load_project(project)
    loaded = time.perf_counter()
    in_turn = InTurn()
    building = time.perf_counter()
    report = build(result, project / "site", pdf=False, helpers=in_turn)
    stages = {"load": loaded - started, **report.seconds}
    # A stage's time includes the helpers' tasks done in turn during it: taken out, and
    # the tasks' processor time shown apart.
    ends, end = [], building
    for name, seconds in report.seconds.items():
        end += seconds
        ends.append((end, name))
    for task, began, wall, spent in in_turn.tasks:
        stage = next((name for end, name in ends if began < end), ends[-1][1])
        stages[stage] -= wall
        stages[f"helper: {task}"] = stages.get(f"helper: {task}", 0.0) + spent
    stages["total"] = time.perf_counter() - started
    return stages


def measure(
    work: Path, documents: int, runs: int, codes: dict[str, str]
) -> dict[str, list[dict[str, float]]]:
    source = generate(work / "source", documents, seed=1)
    projects = copies(source, work, codes)
    results: dict[str, list[dict[str, float]]] = {}
    for n in range(runs):
        for kind in ("clean", "rebuild"):
            for name, code in codes.items():
                project = projects[name]
                prepare(project, kind, f"A paragraph the benchmark added ({n}).")
                env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
                if code:
                    env["PYTHONPATH"] = code
                load = os.getloadavg()[0]
                done = subprocess.run(
                    [str(BIN / "python"), "-m", "benchmarks.bench_stages", "--one", str(project)],
                    env=env,
                    capture_output=True,
                    text=True,
                    cwd=Path(__file__).resolve().parent.parent,
                )
                if done.returncode != 0:
                    raise SystemExit(f"the build of {project} failed:\n{done.stderr[-3000:]}")
                stages = json.loads(done.stdout.strip().splitlines()[-1])
                stages["load average"] = load
                results.setdefault(f"{kind}, {name}", []).append(stages)
                print(f"run {n + 1}: {kind}, {name}: {stages['total']:.1f} s", flush=True)
    return results


def report(results: dict[str, list[dict[str, float]]]) -> str:
    columns = list(results)
    stages: list[str] = []
    for runs in results.values():
        for stage in runs[0]:
            if stage not in stages and stage not in ("total", "load average"):
                stages.append(stage)
    rows = []
    for stage in [*stages, "total"]:
        row = [stage]
        for column in columns:
            values = [r[stage] for r in results[column] if stage in r]
            row.append(f"{median(values):.2f}" if values else "-")
        rows.append(row)
    rows.append(
        [
            "load average before",
            *(", ".join(f"{r['load average']:.1f}" for r in results[c]) for c in columns),
        ]
    )
    return table(["stage (s, medians)", *columns], rows)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--one":
        print(json.dumps(one_build(Path(sys.argv[2]))))
        return
    args = versions_parser(__doc__.splitlines()[0]).parse_args()
    codes = versions(args)
    with tempfile.TemporaryDirectory(prefix="kb-bench-stages-") as tmp:
        results = measure(args.out or Path(tmp), args.documents, args.runs, codes)
    print(f"\n{machine()}; {args.documents:,} documents, medians of {args.runs} runs\n")
    print(report(results))


if __name__ == "__main__":
    main()
