"""Shared fixtures: a small knowledge base written into tmp_path from a dict of files."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from kb.cli import main

REPO = Path(__file__).resolve().parent.parent

TAXONOMY = """\
themes:
  sanitation:
    label: Sanitation
    description: Safe management of excreta.
  governance:
    label: Governance and policy
    description: Who decides.
  finance:
    label: Finance
    description: Paying for services.
  hygiene:
    label: Hygiene
    description: Handwashing.
levels:
  national: {label: National, order: 1}
  intermediate: {label: Intermediate, order: 2}
  local: {label: Local, order: 3}
stakeholders:
  government: {label: Government}
  civil-society: {label: Civil society}
programmes:
  washtech:
    name: WASHTech
    years: [2011, 2013]
    countries: [BF, GH, UG]
"""

MKDOCS = """\
site_name: Test KB
site_url: https://wash-kb.github.io/
theme:
  name: material
  font: false
extra:
  kb:
    default_language: en
"""


def document(
    title: str = "A document",
    doc_type: str = "lesson",
    body: str = "Some text.\n",
    **fields: str,
) -> str:
    """Front matter and body of a valid document; ``fields`` add or replace keys."""
    meta = {
        "title": title,
        "type": doc_type,
        "summary": "A short summary.",
        "themes": "[sanitation]",
        "levels": "[local]",
        "date": "2026-01-15",
    }
    if doc_type in ("case-study", "guideline"):
        meta["authors"] = '["A. Author"]'
    meta.update(fields)
    lines = [f"{key}: {value}" for key, value in meta.items() if value is not None]
    return "---\n" + "\n".join(lines) + "\n---\n" + body


ProjectFactory = Callable[[dict[str, str | bytes]], Path]


@pytest.fixture
def make_project(tmp_path: Path) -> ProjectFactory:
    """Write a project: mkdocs.yml, content/taxonomy.yml and the given files.

    Keys are paths relative to the project; values are text (dedented) or bytes.
    """

    def make(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "project"
        defaults: dict[str, str | bytes] = {
            "mkdocs.yml": MKDOCS,
            "content/taxonomy.yml": TAXONOMY,
        }
        for rel, data in {**defaults, **files}.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                path.write_bytes(data)
            else:
                path.write_text(textwrap.dedent(data), encoding="utf-8")
        return root

    return make


@pytest.fixture
def kb() -> Callable[..., Result]:
    """Run the kb command line in-process: ``kb(project, "check", "--strict")``."""
    runner = CliRunner()

    def run(project: Path, *args: str) -> Result:
        return runner.invoke(main, ["--project", str(project), *args], catch_exceptions=False)

    return run


@pytest.fixture(scope="session")
def shipped_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped knowledge base built once (without PDFs) for the tests that only read
    it, in a child process: browser tests use it too (``tests.browser.build_apart``)."""
    from tests.browser import build_apart

    out = tmp_path_factory.mktemp("shipped") / "site"
    build_apart(REPO, out)
    return out
