"""Installs anywhere: everything but PDFs works without the system's Pango, and PDFs say
what is missing and how to get it on each system."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kb.pdf.needs import missing_library_message
from tests.conftest import ProjectFactory, document

LOADER_ERROR = (
    "cannot load library 'libgobject-2.0-0': libgobject-2.0-0: cannot open shared object "
    "file: No such file or directory"
)


def run_kb(project: Path, without_pango: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """kb in a fresh interpreter where WeasyPrint fails to load its libraries as it does
    on a computer without Pango (cffi raises OSError while the module is imported)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(without_pango), os.environ.get("PYTHONPATH", "")]),
        "NO_MKDOCS_2_WARNING": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "kb", "--project", str(project), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


@pytest.fixture
def without_pango(tmp_path: Path) -> Path:
    folder = tmp_path / "no-pango"
    (folder / "weasyprint").mkdir(parents=True)
    (folder / "weasyprint" / "__init__.py").write_text(
        f"raise OSError({LOADER_ERROR!r})\n", encoding="utf-8"
    )
    return folder


def test_without_pango_everything_but_pdfs_works(
    make_project: ProjectFactory, without_pango: Path
) -> None:
    project = make_project({"content/lessons/pumps.md": document("Pumps")})

    check = run_kb(project, without_pango, "check")
    site = run_kb(project, without_pango, "build", "--no-pdf")
    pdfs = run_kb(project, without_pango, "build")

    assert check.returncode == 0, check.stderr
    assert site.returncode == 0, site.stderr
    assert (project / "site" / "lessons" / "pumps" / "index.html").exists()
    assert pdfs.returncode == 2
    assert "Traceback" not in pdfs.stderr
    assert pdfs.stderr.startswith(
        "Error: PDFs need libgobject-2.0-0 (from Pango and GLib, the text-layout libraries "
        "WeasyPrint draws with), which is not installed on this computer."
    )
    assert "kb build --no-pdf" in pdfs.stderr
    # The site built without PDFs is still there: a failed build changes nothing.
    assert (project / "site" / "lessons" / "pumps" / "index.html").exists()


@pytest.mark.parametrize(
    ("system", "says"),
    [
        ("Linux", "sudo apt install libpango-1.0-0 libpangoft2-1.0-0; Fedora: sudo dnf install"),
        ("Darwin", "macOS: brew install pango"),
        ("Windows", "pacman -S mingw-w64-x86_64-pango"),
        ("Plan9", "brew install pango"),  # an unknown system is told every way
    ],
)
def test_the_missing_library_message_says_how_to_install_it_on_each_system(
    system: str, says: str
) -> None:
    message = missing_library_message(LOADER_ERROR, system)

    assert message.startswith("PDFs need libgobject-2.0-0 ")
    assert says in message
