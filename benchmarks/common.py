"""Helpers shared by the benchmarks: timing commands, medians, tables."""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TIME = shutil.which("time") or "/usr/bin/time"


def run_timed(command: Sequence[str], cwd: Path | None = None) -> tuple[float, int | None]:
    """Wall seconds and peak memory (KiB, from GNU time when present) of a command."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    full = list(command)
    use_time = Path(TIME).exists()
    if use_time:
        full = [TIME, "-f", "%M", *full]
    start = time.perf_counter()
    done = subprocess.run(full, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    peak = None
    if use_time:
        last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
        peak = int(last) if last.isdigit() else None
    return seconds, peak


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    cpus = os.cpu_count() or 0
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        memory = 0.0
    return (
        f"{platform.system()} {platform.machine()}, {cpus} cores, {memory:.0f} GiB, "
        f"Python {platform.python_version()}"
    )


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


#: A section of results.md that another benchmark than ``run.py`` writes, between markers.
SECTION = re.compile(
    r"<!-- section: (?P<name>[a-z-]+) -->\n.*?<!-- end: (?P=name) -->\n", re.DOTALL
)


def sections(results: Path) -> str:
    """The other benchmarks' sections of ``results``, for ``run.py`` to keep when it rewrites it."""
    try:
        text = results.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    return "".join("\n" + m.group(0) for m in SECTION.finditer(text))


def write_section(results: Path, name: str, body: str) -> None:
    """Put ``body`` in ``results`` as section ``name``: in place of the old one, or at the end."""
    block = f"<!-- section: {name} -->\n{body.rstrip()}\n<!-- end: {name} -->\n"
    text = results.read_text(encoding="utf-8") if results.exists() else ""
    for match in SECTION.finditer(text):
        if match.group("name") == name:
            text = text[: match.start()] + block + text[match.end() :]
            break
    else:
        text = text.rstrip("\n") + "\n\n" + block if text else block
    results.write_text(text, encoding="utf-8")


def versions_parser(description: str) -> argparse.ArgumentParser:
    """The options of a benchmark that measures kb's code now against another version's."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", type=Path, help="the src folder of kb's code to compare with")
    parser.add_argument("--out", type=Path, help="keep the projects here (default: removed)")
    return parser


def versions(args: argparse.Namespace) -> dict[str, str]:
    """Each version's name and the ``PYTHONPATH`` that runs it (empty: the code now)."""
    codes = {"now": ""}
    if args.before is not None:
        codes = {"before": str(args.before.resolve()), **codes}
    return codes


def edit(project: Path, marker: str) -> None:
    """Append a paragraph to the middle guideline, as run.py does before its rebuild."""
    files = sorted((project / "content" / "guidelines").glob("*.md"))
    with files[len(files) // 2].open("a", encoding="utf-8") as out:
        out.write(f"\n{marker}\n")


def copies(source: Path, work: Path, codes: dict[str, str]) -> dict[str, Path]:
    """A copy of the generated project ``source`` for each version, in ``work``."""
    projects = {}
    for name in codes:
        projects[name] = work / f"kb-{name}"
        shutil.copytree(source, projects[name])
    return projects


def prepare(project: Path, measure: str, marker: str) -> None:
    """For a clean build, no site and no cache; for a rebuild, one paragraph more (``edit``)."""
    if measure == "clean":
        shutil.rmtree(project / "site", ignore_errors=True)
        shutil.rmtree(project / ".kb-cache", ignore_errors=True)
    else:
        edit(project, marker)
