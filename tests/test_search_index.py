"""The site's search bundle: Pagefind's index and, made while Pagefind indexes, kb's query model."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from benchmarks.generate import generate

from kb.build import site_documents
from kb.errors import KbError
from kb.loader import load_project
from kb.site import search_index


def _index(project: Path, out_dir: Path) -> None:
    result = load_project(project)
    search_index.build_search_index(
        site_documents(result, drafts=False),
        result.knowledge_base.taxonomy,
        result.settings,
        out_dir,
        result.knowledge_base.glossary,
    )


def test_the_query_model_is_moved_in_beside_pagefinds_index(tmp_path: Path) -> None:
    project = generate(tmp_path / "project", 12)
    out_dir = tmp_path / "work" / "pagefind"

    _index(project, out_dir)

    assert (out_dir / "pagefind-entry.json").is_file()
    assert (out_dir / "kb-search.json").is_file()
    assert any((out_dir / "kb-words" / "en").glob("*.json"))
    assert sorted(p.name for p in out_dir.parent.iterdir()) == ["pagefind"]


def test_pagefind_failing_is_an_error_with_what_it_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = generate(tmp_path / "project", 12)
    failing = tmp_path / "pagefind"
    failing.write_text("#!/bin/sh\necho 'Error: no pages to index' >&2\nexit 2\n")
    failing.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(failing))
    out_dir = tmp_path / "work" / "pagefind"

    with pytest.raises(KbError) as raised:
        _index(project, out_dir)

    assert str(raised.value) == "Pagefind could not index the site: Error: no pages to index"
    assert not out_dir.with_name("pagefind-model").exists()
