"""Faults: builds killed at any moment, two builds at once, a full disk, a read-only site.

``kb build`` runs in a subprocess, as people and CI run it. Every process it
starts carries a marker in its environment, so that processes left alive
after a ``kill -9`` are found in ``/proc`` whatever became of their parent.
Where a fault has to strike at one exact moment (between the two renames of
the swap, or on a write), a small wrapper script patches kb in that
subprocess before running the command line: kb's own code has no test hooks.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kb.cli import main
from kb.lock import project_lock
from tests.conftest import ProjectFactory, document

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/environ").exists(), reason="needs /proc to find left-over processes"
)

MARKER = "KB_FAULT_TEST_RUN"
SEED = 18


def knowledge_base(make_project: ProjectFactory) -> Path:
    return make_project(
        {
            "content/case-studies/district-latrines.md": document(
                "District latrines",
                "case-study",
                body="## Context\n\nSee [the ladder](../guidelines/ladder.md).\n",
                levels="[intermediate]",
            ),
            "content/guidelines/ladder.md": document(
                "Scoring ladder", "guideline", body="## Steps\n\n1. Agree.\n2. Score.\n"
            ),
            "content/lessons/criteria.md": version_of_criteria(0),
            "content/lessons/other.md": document("Another lesson", body="Text.\n"),
        }
    )


def version_of_criteria(version: int) -> str:
    return document(f"Criteria help approval, version {version}", body=f"Version {version}.\n")


def set_version(root: Path, version: int) -> None:
    (root / "content/lessons/criteria.md").write_text(version_of_criteria(version), "utf-8")


class Kb:
    """``kb`` in subprocesses that carry one marker, and what they leave behind."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.token = uuid.uuid4().hex
        self.env = {**os.environ, MARKER: self.token, "NO_MKDOCS_2_WARNING": "1"}

    def start(self, *args: str, wrapper: Path | None = None) -> subprocess.Popen[str]:
        program = [str(wrapper)] if wrapper else ["-m", "kb"]
        return subprocess.Popen(
            [sys.executable, *program, "--project", str(self.root), *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def run(self, *args: str, wrapper: Path | None = None) -> subprocess.CompletedProcess[str]:
        process = self.start(*args, wrapper=wrapper)
        stdout, stderr = process.communicate(timeout=300)
        return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)

    def processes(self) -> list[int]:
        """Live processes (not zombies) with this marker in their environment."""
        found = []
        needle = f"{MARKER}={self.token}".encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                environ = (entry / "environ").read_bytes()
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if needle in environ.split(b"\0") and state != "Z":
                found.append(int(entry.name))
        return found

    def survivors(self, wait: float = 10.0) -> list[int]:
        """Processes still alive after ``wait`` seconds."""
        deadline = time.monotonic() + wait
        while (alive := self.processes()) and time.monotonic() < deadline:
            time.sleep(0.1)
        return alive

    def leftovers(self) -> list[str]:
        """Folders an interrupted build leaves: staging, old sites, working folders."""
        names = [p.name for p in self.root.iterdir() if p.name.startswith(".site.")]
        cache = self.root / ".kb-cache"
        if cache.is_dir():
            names += [p.name for p in cache.iterdir() if p.name.startswith("site-build")]
        return sorted(names)


@pytest.fixture
def killer() -> Iterator[list[Kb]]:
    """Any marked process a failing test leaves is killed at the end."""
    runs: list[Kb] = []
    yield runs
    for run in runs:
        for pid in run.processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def kill(process: subprocess.Popen[str]) -> None:
    """``kill -9`` the command; its pipes are closed without reading them (survivors hold them)."""
    process.send_signal(signal.SIGKILL)
    process.wait()
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()


def manifest(site: Path) -> dict[str, str]:
    """Every file of a site and its hash, but Pagefind's indexes and offline.json.

    Pagefind writes those from hash maps in arbitrary order, and names them by
    their content (see tests/test_site.py); its fragments hold the page text.
    offline.json lists every file's hash, those indexes' included.
    """
    files = {}
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site).as_posix()
        if rel.startswith("offline.json"):
            continue
        if path.is_file() and (not rel.startswith("pagefind/") or "/fragment/" in rel):
            files[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return files


def assert_whole_site(site: Path, versions: list[dict[str, str]]) -> None:
    assert (site / "index.html").is_file(), "site/ is missing or has no home page"
    assert (site / "lessons/criteria/index.html").is_file()
    assert (site / "pagefind/pagefind.js").is_file()
    found = manifest(site)
    assert found in versions, f"site/ is neither version: {sorted(set(found) ^ set(versions[0]))}"


def write_wrapper(folder: Path, patch: str) -> Path:
    """A script that applies ``patch`` to kb, then runs kb's command line."""
    script = folder / f"kb_with_fault_{uuid.uuid4().hex[:8]}.py"
    script.write_text(
        "import sys\n"
        + textwrap.dedent(patch)
        # Helper processes start by importing this script: only the first one runs kb.
        + "\nif __name__ == '__main__':\n    from kb.cli import run\n\n    run(sys.argv[1:])\n",
        encoding="utf-8",
    )
    return script


def no_traceback(result: subprocess.CompletedProcess[str] | Result) -> bool:
    return "Traceback" not in (result.stdout + result.stderr)


# -- kill -9 --------------------------------------------------------------------------


def test_a_build_killed_at_random_moments_always_leaves_a_whole_site(
    make_project: ProjectFactory, killer: list[Kb]
) -> None:
    root = knowledge_base(make_project)
    kb = Kb(root)
    killer.append(kb)
    started = time.monotonic()
    first = kb.run("build", "--no-pdf")
    duration = time.monotonic() - started
    assert first.returncode == 0, first.stderr
    versions = [manifest(root / "site")]
    set_version(root, 1)
    started = time.monotonic()
    assert kb.run("build", "--no-pdf").returncode == 0
    # A rebuild renders only what changed: the kills are timed on the quicker of the two.
    duration = min(duration, time.monotonic() - started)
    versions.append(manifest(root / "site"))
    assert versions[0] != versions[1]

    rng = random.Random(SEED)
    interrupted = 0
    for trial in range(6):
        set_version(root, trial % 2)
        process = kb.start("build", "--no-pdf")
        time.sleep(rng.uniform(0.05, duration))
        interrupted += process.poll() is None
        kill(process)
        assert_whole_site(root / "site", versions)
        assert kb.survivors() == [], f"processes left alive after kill -9 (trial {trial})"
    assert interrupted >= 4, "the kills came too late to interrupt the builds"

    last = kb.run("build", "--no-pdf")
    assert last.returncode == 0, last.stderr
    assert kb.leftovers() == []
    assert_whole_site(root / "site", versions)


@pytest.mark.parametrize("pdf", [False, True], ids=["site-helpers", "pdf-workers"])
def test_helper_processes_end_with_a_killed_build(
    make_project: ProjectFactory, killer: list[Kb], pdf: bool
) -> None:
    root = knowledge_base(make_project)
    kb = Kb(root)
    killer.append(kb)
    process = kb.start("build", *([] if pdf else ["--no-pdf"]))
    deadline = time.monotonic() + 120
    # Wait until the build's helpers (or PDF workers) run: the same two or more
    # processes twice in a row, not the compilers WeasyPrint's imports call briefly.
    helpers: list[int] = []
    while time.monotonic() < deadline and process.poll() is None:
        seen = [pid for pid in kb.processes() if pid != process.pid]
        if len(seen) >= 2 and seen == helpers:
            break
        helpers = seen
        time.sleep(0.3)
    assert len(helpers) >= 2 and process.poll() is None, "the build ended before its helpers ran"

    kill(process)

    assert kb.survivors() == []


def test_killed_between_the_two_renames_the_next_build_puts_the_site_back(
    make_project: ProjectFactory, killer: list[Kb], tmp_path: Path
) -> None:
    """On systems without an atomic exchange, the swap is two renames; kill between them."""
    root = knowledge_base(make_project)
    kb = Kb(root)
    killer.append(kb)
    assert kb.run("build", "--no-pdf").returncode == 0
    old = manifest(root / "site")
    ready = tmp_path / "between-the-renames"
    wrapper = write_wrapper(
        tmp_path,
        f"""
        import time
        from pathlib import Path
        import kb.output

        kb.output._RENAMEAT2 = None  # as on a system without renameat2
        rename = Path.rename

        def pausing_rename(self, target):
            moved = rename(self, target)
            if ".old-" in Path(target).name:
                Path({str(ready)!r}).write_text("paused")
                time.sleep(120)
            return moved

        Path.rename = pausing_rename
        """,
    )
    set_version(root, 1)
    process = kb.start("build", "--no-pdf", wrapper=wrapper)
    deadline = time.monotonic() + 120
    while not ready.exists() and time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        time.sleep(0.02)
    kill(process)
    assert kb.survivors() == []
    assert not (root / "site").exists()  # the moment the exchange of renameat2 avoids
    assert [n for n in kb.leftovers() if ".old-" in n], kb.leftovers()

    # The next build puts the old site back before anything else, even one that then fails.
    (root / "content/lessons/broken.md").write_text("---\ntitle: [\n---\n", "utf-8")
    failed = kb.run("build", "--no-pdf")
    assert failed.returncode == 1 and no_traceback(failed)
    assert manifest(root / "site") == old
    assert kb.leftovers() == []

    (root / "content/lessons/broken.md").unlink()
    assert kb.run("build", "--no-pdf").returncode == 0
    assert "version 1" in (root / "site/lessons/criteria/index.html").read_text("utf-8")


# -- two at once ----------------------------------------------------------------------


def test_two_builds_at_once_one_builds_and_one_says_why_not(
    make_project: ProjectFactory, killer: list[Kb]
) -> None:
    root = knowledge_base(make_project)
    kb = Kb(root)
    killer.append(kb)

    processes = [kb.start("build", "--no-pdf") for _ in range(2)]
    results = [(p, *p.communicate(timeout=300)) for p in processes]

    codes = sorted(p.returncode for p, _, _ in results)
    assert codes == [0, 2], results
    (_, _, message) = next(r for r in results if r[0].returncode == 2)
    winner = next(p for p, _, _ in results if p.returncode == 0)
    assert message.startswith(
        f"Error: another build is running in this project (kb build, pid {winner.pid}, since "
    ), message
    assert message.rstrip().endswith("wait for it to finish or stop it, then try again")
    assert "Traceback" not in message
    assert (root / "site/index.html").is_file()
    assert kb.leftovers() == []


def test_a_second_preview_of_the_same_project_is_refused(
    make_project: ProjectFactory,
) -> None:
    root = knowledge_base(make_project)
    with project_lock(root, "serve", "kb serve", "preview"):
        result = CliRunner().invoke(main, ["--project", str(root), "serve", "--port", "1"])
    assert result.exit_code == 2
    assert "Error: another preview is running in this project (kb serve, pid " in result.output


def test_a_holder_that_died_is_not_named_as_the_one_building(
    make_project: ProjectFactory,
) -> None:
    """A lock file still naming a process that is gone (killed before the new holder
    wrote its name) is not read as who holds the lock now."""
    root = knowledge_base(make_project)
    with project_lock(root, "build", "kb build", "build"):
        gone = {"pid": 2**30, "command": "kb build", "since": "yesterday"}
        (root / ".kb-cache/build.lock").write_text(json.dumps(gone), encoding="utf-8")
        result = CliRunner().invoke(main, ["--project", str(root), "build", "--no-pdf"])
    assert result.exit_code == 2
    assert "another build is running in this project (it has just started)" in result.output


def test_the_site_cannot_replace_the_project_or_its_content(
    make_project: ProjectFactory,
) -> None:
    root = knowledge_base(make_project)
    for out in (root, root / "content", root / "content/lessons", root.parent):
        result = CliRunner().invoke(
            main, ["--project", str(root), "build", "--no-pdf", "--out", str(out)]
        )
        assert result.exit_code == 2, out
        assert "and the site would replace it; choose another folder with --out" in result.output
    assert (root / "content/lessons/criteria.md").is_file()


# -- a full disk, a read-only site ------------------------------------------------------


def test_a_full_disk_is_a_message_and_the_old_site_stays(
    make_project: ProjectFactory, killer: list[Kb], tmp_path: Path
) -> None:
    """The disk fills while the feed is written (late in the build): ENOSPC from ``open``."""
    root = knowledge_base(make_project)
    kb = Kb(root)
    killer.append(kb)
    assert kb.run("build", "--no-pdf").returncode == 0
    old = manifest(root / "site")
    wrapper = write_wrapper(
        tmp_path,
        """
        import errno, os
        import kb.build

        def full_disk(site, *args):
            path = os.path.join(str(site), "feed.xml")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)

        kb.build.write_feed = full_disk
        """,
    )
    set_version(root, 1)

    result = kb.run("build", "--no-pdf", wrapper=wrapper)

    assert result.returncode == 2 and no_traceback(result), result.stderr
    assert result.stderr.startswith(f"Error: {root}/.site.building-"), result.stderr
    assert result.stderr.rstrip().endswith(
        "/feed.xml: No space left on device; free some space and build again. "
        "The site was not changed"
    ), result.stderr
    assert manifest(root / "site") == old
    assert kb.leftovers() == []


def small_filesystem(where: Path, size: str) -> bool:
    """Mount a tmpfs of ``size`` at ``where`` (needs root); False where that is not possible."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def test_a_really_full_disk_is_a_message_and_the_old_site_stays(
    make_project: ProjectFactory, killer: list[Kb], tmp_path: Path
) -> None:
    """The project on a small tmpfs: room for one site, not for two."""
    source = knowledge_base(make_project)
    probe = Kb(source)
    assert probe.run("build", "--no-pdf").returncode == 0
    used = sum(p.stat().st_size for p in source.rglob("*") if p.is_file())
    disk = tmp_path / "small-disk"
    if not small_filesystem(disk, f"{int(used * 1.4) // 1024}k"):
        pytest.skip("mounting a small tmpfs needs root (the ENOSPC test above runs anyway)")
    try:
        root = disk / "project"
        shutil.copytree(source, root, symlinks=True)
        old = manifest(root / "site")
        kb = Kb(root)
        killer.append(kb)
        set_version(root, 1)

        result = kb.run("build", "--no-pdf")

        assert result.returncode == 2 and no_traceback(result), result.stderr
        assert "No space left on device" in result.stderr, result.stderr
        assert "The site was not changed" in result.stderr
        assert manifest(root / "site") == old
        assert kb.leftovers() == []
    finally:
        subprocess.run(["umount", str(disk)], check=False)


@pytest.fixture
def read_only_site(make_project: ProjectFactory) -> Iterator[Path]:
    """A built project whose ``site/`` cannot be changed (immutable for root, 0555 otherwise)."""
    root = knowledge_base(make_project)
    assert Kb(root).run("build", "--no-pdf").returncode == 0
    site = root / "site"
    if os.geteuid() == 0:
        if (
            shutil.which("chattr") is None
            or subprocess.run(
                ["chattr", "+i", str(site)], check=False, capture_output=True
            ).returncode
        ):
            pytest.skip("root ignores file modes and chattr +i is not available here")
        undo = ["chattr", "-i", str(site)]
    else:
        site.chmod(0o555)
        undo = ["chmod", "755", str(site)]
    try:
        yield root
    finally:
        subprocess.run(undo, check=True)


def test_a_read_only_site_is_a_message_and_stays(read_only_site: Path) -> None:
    root = read_only_site
    old = manifest(root / "site")
    kb = Kb(root)
    set_version(root, 1)

    result = kb.run("build", "--no-pdf")

    assert result.returncode == 2 and no_traceback(result), result.stderr
    assert result.stderr.startswith(f"Error: {root}/site"), result.stderr
    assert "make it writable" in result.stderr and "--out" in result.stderr
    assert manifest(root / "site") == old
    assert kb.leftovers() == []
