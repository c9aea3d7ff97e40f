"""How long ``kb check`` takes, and how much memory it needs, on generated knowledge bases.

    python -m benchmarks.bench_check [--sizes 1000 5000] [--runs 5] [--seed 1]

For each size a seeded knowledge base is generated (``benchmarks.generate``)
into a temporary folder, then the ``kb check`` command line is run in a
fresh process ``--runs`` times. The table gives the median and the range of
the wall-clock times and the largest peak memory (maximum resident set size)
of the runs, read from the operating system for each child process. The
first row, ``kb --version``, is the fixed cost of starting Python and
importing kb, included in every other row.

The figures are printed, never asserted: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.generate import generate


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float
    exit_code: int


def kb_command() -> list[str]:
    """The installed ``kb`` script beside this Python, else ``python -m kb``."""
    script = Path(sys.executable).parent / "kb"
    return [str(script)] if script.exists() else [sys.executable, "-m", "kb"]


def run_once(args: list[str]) -> Run:
    """Run a command once; wall time, and its own peak memory from ``wait4``."""
    started = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # wait4 reports the resources of this child alone, unlike getrusage(RUSAGE_CHILDREN),
    # which keeps the largest of every child so far.
    _pid, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    assert child.stderr is not None
    child.stderr.close()
    # ru_maxrss is in kilobytes on Linux and in bytes on macOS.
    kilobytes = usage.ru_maxrss / 1024 if platform.system() == "Darwin" else usage.ru_maxrss
    return Run(seconds, kilobytes / 1024, child.returncode)


def measure(args: list[str], runs: int) -> list[Run]:
    run_once(args)  # warm the file-system cache and .pyc files; not counted
    return [run_once(args) for _ in range(runs)]


def row(label: str, results: list[Run]) -> str:
    times = [r.seconds for r in results]
    codes = sorted({r.exit_code for r in results})
    return (
        f"| {label:<22} | {statistics.median(times):>8.2f} | "
        f"{min(times):>5.2f}-{max(times):<5.2f} | {max(r.peak_mb for r in results):>8.0f} | "
        f"{','.join(str(c) for c in codes):>4} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    kb = kb_command()
    print(
        f"kb check, {args.runs} runs each (median; range); seed {args.seed}; {os.cpu_count()} CPUs"
    )
    print(f"Python {platform.python_version()} on {platform.system()} {platform.machine()}")
    print()
    print("| knowledge base         | median s | range s     | peak MiB | exit |")
    print("| ---------------------- | -------: | ----------- | -------: | ---: |")
    print(row("kb --version (startup)", measure([*kb, "--version"], args.runs)), flush=True)
    with tempfile.TemporaryDirectory(prefix="kb-bench-check-") as tmp:
        for size in args.sizes:
            project = generate(Path(tmp) / f"kb-{size}", size, seed=args.seed)
            command = [*kb, "--project", str(project), "check"]
            results = measure(command, args.runs)
            print(row(f"{size:,} documents", results), flush=True)
            if any(r.exit_code != 0 for r in results):
                done = subprocess.run(command, capture_output=True, text=True, check=False)
                print(f"  (kb check found problems: {done.stderr.strip().splitlines()[-2:]})")


if __name__ == "__main__":
    main()
