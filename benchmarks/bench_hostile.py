"""Hostile inputs: how long ``kb check`` and ``kb build`` take on pathological documents.

    python -m benchmarks.bench_hostile [--runs 3] [--timeout 300] [--only NAME ...]

Each input is one document (or one mkdocs.yml) in a fresh project made from the
tests' minimal project. Every command runs in a fresh process with a timeout;
the table gives the median wall time, the exit status (0 built or checked
clean, 1 problems reported, 2 an Error: message, "timeout" killed) and whether
a traceback was printed. An ordinary small document is measured in the same run
as the baseline. Nothing is asserted (tests/test_hostile_markdown.py asserts the
behaviour); the target of issue 18 is at most 10 s for any document up to the
size limit.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.conftest import MKDOCS, TAXONOMY, document

from benchmarks.common import BIN, machine, table

ALIAS_BOMB = "  bomb:\n    a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"    {b}: &{b} [{', '.join(['*' + a] * 9)}]\n"
    for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)
PARAGRAPH = (
    "Handwashing stations were built in every *school* of the "
    "[district](https://example.org). " * 12
)


def _prose(size: int) -> str:
    sections = []
    n = 0
    while sum(map(len, sections)) < size:
        sections.append(f"## Section {n}\n\n{PARAGRAPH}\n\n")
        n += 1
    return "".join(sections)


def _nested_lists(depth: int, size: int) -> str:
    one = "".join("    " * level + "- item\n" for level in range(depth)) + "\n"
    return one * max(1, size // len(one))


#: name -> (body, extra mkdocs.yml lines); bodies as reported in issue 18, then the
#: worst that the default limits let through.
INPUTS: dict[str, Callable[[], tuple[str, str]]] = {
    "ordinary lesson (baseline)": lambda: ("Some text about *sanitation*.\n", ""),
    "'[' x 100,000": lambda: ("[" * 100_000 + "\n", ""),
    "'<a ' x 50,000": lambda: ("<a " * 50_000 + "\n", ""),
    "heading of 100,000 spaces": lambda: ("# x" + " " * 100_000 + "x\n", ""),
    "'*' x 5,000 + x + '*' x 5,000": lambda: ("*" * 5_000 + "x" + "*" * 5_000 + "\n", ""),
    "list nested 500 deep": lambda: (_nested_lists(500, 0), ""),
    "quotes nested 5,000 deep (12.5 MB)": lambda: (
        "".join(">" * level + " text\n" for level in range(1, 5_001)),
        "",
    ),
    "alias bomb in mkdocs.yml": lambda: ("Text.\n", ALIAS_BOMB),
    "250 KB of prose (near the size limit)": lambda: (_prose(250_000), ""),
    "250 KB of lists nested 20 deep": lambda: (_nested_lists(20, 250_000), ""),
    "250 KB, three '[' left open (within budget)": lambda: ("[a " * 3 + "word " * 50_000, ""),
}


def make_project(root: Path, body: str, config_extra: str) -> None:
    shutil.rmtree(root, ignore_errors=True)
    (root / "content" / "lessons").mkdir(parents=True)
    (root / "mkdocs.yml").write_text(MKDOCS + config_extra, encoding="utf-8")
    (root / "content" / "taxonomy.yml").write_text(TAXONOMY, encoding="utf-8")
    (root / "content" / "lessons" / "hostile.md").write_text(document(body=body), "utf-8")


def run_once(project: Path, command: str, timeout: float) -> tuple[float, str, bool]:
    """Wall seconds, exit status (or 'timeout') and whether a traceback was printed."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    args = [str(BIN / "kb"), "--project", str(project), command]
    start = time.perf_counter()
    try:
        done = subprocess.run(
            args, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return time.perf_counter() - start, "timeout", False
    seconds = time.perf_counter() - start
    return seconds, str(done.returncode), "Traceback" in done.stdout + done.stderr


def measure(runs: int, timeout: float, only: list[str] | None, work: Path) -> str:
    rows = []
    for name, make in INPUTS.items():
        if only and not any(word in name for word in only):
            continue
        body, config_extra = make()
        project = work / "project"
        make_project(project, body, config_extra)
        size = len(body.encode("utf-8"))
        cells = [name, f"{size / 1024:,.0f} KB"]
        for command in ("check", "build"):
            times, statuses, tracebacks = [], set(), False
            for _ in range(runs):
                shutil.rmtree(project / "site", ignore_errors=True)
                seconds, status, traceback = run_once(project, command, timeout)
                times.append(seconds)
                statuses.add(status)
                tracebacks |= traceback
                if status == "timeout":
                    break  # one timeout says enough
            cells += [f"{statistics.median(times):.2f}", "/".join(sorted(statuses))]
            cells.append("yes" if tracebacks else "no")
        rows.append(cells)
        print(" | ".join(cells), file=sys.stderr, flush=True)
    header = [
        "input",
        "size",
        "check s",
        "exit",
        "traceback",
        "build s",
        "exit",
        "traceback",
    ]
    return table(header, rows)


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--only", nargs="+", help="Inputs whose name contains one of these.")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="kb-bench-hostile-"))
    try:
        result = measure(args.runs, args.timeout, args.only, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    command = "python -m benchmarks.bench_hostile " + " ".join(argv or sys.argv[1:])
    text = f"## Hostile inputs\n\n{machine()}\n\n`{command.strip()}`\n\n{result}\n"
    print(text)
    return text


if __name__ == "__main__":
    main()
