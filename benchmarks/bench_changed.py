"""How long ``kb check --changed`` takes on a large knowledge base with one file changed.

    python -m benchmarks.bench_changed [--documents 5000] [--runs 5] [--seed 1]

A seeded knowledge base (``benchmarks.generate``) is written into a
temporary folder, committed to a fresh git repository on ``main``, and one
document that other documents link to is then edited in the work tree (the
situation of an editor about to commit, or of a pull request with one
change). The ``kb`` command line is run in a fresh process ``--runs`` times
for each row; the table gives the median and range of the wall-clock times
and the largest peak memory. ``kb check --changed`` still loads every document
and validates its front matter (links need the whole graph), but checks the
bodies of the files it reports on only; the full ``kb check`` is measured beside
it, as is ``git status``, the part of the work that git does.

The figures are printed, never asserted: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import tempfile
from pathlib import Path

from benchmarks.bench_check import kb_command, measure, row
from benchmarks.generate import generate


def git(repo: Path, *args: str) -> str:
    completed = subprocess.run(
        ["git", "-c", "user.name=Benchmark", "-c", "user.email=bench@example.org", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return completed.stdout


def most_linked_document(project: Path) -> Path:
    """A document that several others link to, so the change has neighbours to find."""
    counts: dict[str, int] = {}
    for path in (project / "content").rglob("*.md"):
        for part in path.read_text(encoding="utf-8").split("](../")[1:]:
            target = part.split(")", 1)[0]
            counts[target] = counts.get(target, 0) + 1
    target, _ = max(counts.items(), key=lambda item: (item[1], item[0]))
    return project / "content" / target


def prepare_repository(project: Path) -> Path:
    """Commit ``project`` to a new git repository, then edit one linked-to document.

    Returns the edited file. ``kb check --changed`` run in ``project`` then
    has one changed file and the documents that link to it to look at.
    """
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "generated knowledge base")
    changed = most_linked_document(project)
    with changed.open("a", encoding="utf-8") as out:
        out.write("\n## A new section\n\nWritten by the benchmark.\n")
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    kb = kb_command()
    with tempfile.TemporaryDirectory(prefix="kb-bench-changed-") as tmp:
        project = generate(Path(tmp) / "kb", args.documents, seed=args.seed)
        changed = prepare_repository(project)
        check = [*kb, "--project", str(project), "check"]
        done = subprocess.run([*check, "--changed"], capture_output=True, text=True, check=False)
        said = done.stderr.strip().splitlines()

        print(
            f"kb check --changed, {args.runs} runs each (median; range); "
            f"{args.documents:,} documents in git, 1 changed "
            f"({changed.relative_to(project).as_posix()}); seed {args.seed}; "
            f"{os.cpu_count()} CPUs; Python {platform.python_version()}"
        )
        print(f"kb says: {' / '.join(said)}")
        print()
        print("| command                | median s | range s     | peak MiB | exit |")
        print("| ---------------------- | -------: | ----------- | -------: | ---: |")
        print(row("kb --version (startup)", measure([*kb, "--version"], args.runs)), flush=True)
        status = ["git", "-C", str(project), "status", "--porcelain"]
        print(row("git status", measure(status, args.runs)), flush=True)
        print(row("kb check --changed", measure([*check, "--changed"], args.runs)), flush=True)
        print(row("kb check (everything)", measure(check, args.runs)), flush=True)


if __name__ == "__main__":
    main()
