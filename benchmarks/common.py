"""Helpers shared by the benchmarks: timing commands, medians, tables."""

from __future__ import annotations

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
