"""kb build after one edit, beside a clean build and plain MkDocs, for kb's code now and before.

    python -m benchmarks.bench_rebuild [--documents 1000] [--runs 3] [--before SRC] [--out DIR]

The seeded generator writes a knowledge base; each version of kb's code gets
a copy of it. ``--before`` names the ``src`` folder of another version of
kb (``git archive COMMIT src | tar -x -C DIR`` gives ``DIR/src``), which is
run with the same interpreter and libraries (``PYTHONPATH``), so that a
change can be measured against the code before it in one session. Each run,
in turn: plain ``mkdocs build`` (the baseline of issue 5); for each version,
a clean ``kb build --no-pdf`` (no ``site/``, no ``.kb-cache/``); for each
version, a paragraph appended to one guideline and ``kb build --no-pdf``
again (the rebuild run.py measures, whose old site is a clean build's); and
for each version, a second edit and build (an editor's next rebuild, whose
old site was itself rebuilt). Wall time, CPU time (the command and the
processes it waited for) and peak memory come from GNU time; the load
average is taken before each command. The figures are printed, never
asserted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from benchmarks.bench_site import plain_project
from benchmarks.common import (
    BIN,
    TIME,
    copies,
    machine,
    median,
    prepare,
    table,
    versions,
    versions_parser,
)
from benchmarks.generate import generate

MEASURES = ("clean", "rebuild", "again")


def timed(command: list[str], cwd: Path | None = None, code: str = "") -> dict[str, float]:
    """Wall and CPU seconds, peak MiB and the load average before, of one command."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    if code:
        env["PYTHONPATH"] = code
    load = os.getloadavg()[0]
    done = subprocess.run(
        [TIME, "-f", "%e %U %S %M", *command], cwd=cwd, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    wall, user, system, peak = done.stderr.strip().splitlines()[-1].split()
    return {
        "wall": float(wall),
        "cpu": float(user) + float(system),
        "peak": int(peak) / 1024,
        "load": load,
    }


def measure(
    work: Path, documents: int, runs: int, codes: dict[str, str]
) -> dict[str, list[dict[str, float]]]:
    source = generate(work / "source", documents, seed=1)
    plain = plain_project(source, work / "plain")
    projects = copies(source, work, codes)
    results: dict[str, list[dict[str, float]]] = {"plain": []}
    for n in range(runs):
        shutil.rmtree(plain / "site", ignore_errors=True)
        results["plain"].append(timed([str(BIN / "mkdocs"), "build", "-q"], cwd=plain))
        for measure_name in MEASURES:
            for name, code in codes.items():
                project = projects[name]
                marker = f"A paragraph the benchmark added ({measure_name} {n})."
                prepare(project, measure_name, marker)
                command = [str(BIN / "python"), "-m", "kb", "--project", str(project)]
                ran = timed([*command, "build", "--no-pdf"], code=code)
                results.setdefault(f"{measure_name}, {name}", []).append(ran)
                print(f"run {n + 1}: {measure_name}, {name}: {ran}", flush=True)
    return results


def main() -> None:
    args = versions_parser(__doc__.splitlines()[0]).parse_args()
    codes = versions(args)
    with tempfile.TemporaryDirectory(prefix="kb-bench-rebuild-") as tmp:
        work = args.out or Path(tmp)
        results = measure(work, args.documents, args.runs, codes)
    print(f"\n{machine()}; {args.documents:,} documents, medians of {args.runs} runs\n")
    rows = []
    for name, runs in results.items():
        plain = median([r["wall"] for r in results["plain"]])
        wall = median([r["wall"] for r in runs])
        rows.append(
            [
                name,
                f"{wall:.2f} s",
                f"{median([r['cpu'] for r in runs]):.2f} s",
                f"{median([r['peak'] for r in runs]):.0f} MiB",
                f"{wall / plain:.2f}",
                ", ".join(f"{r['wall']:.1f}" for r in runs),
                ", ".join(f"{r['load']:.1f}" for r in runs),
            ]
        )
    header = ["build", "wall", "CPU", "peak", "/ plain", "every run (s)", "load before each"]
    print(table(header, rows))


if __name__ == "__main__":
    main()
