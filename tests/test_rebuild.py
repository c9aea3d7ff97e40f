"""A rebuild after edits renders only the changed pages and gives the clean build's site, byte
for byte: on the shipped knowledge base and on a generated one."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from benchmarks.generate import generate

from kb.build import BuildReport, build, build_helpers, ready
from kb.loader import load_project
from kb.output import link_unchanged, rewrite, write_or_link
from kb.site.offline import UNSTABLE
from tests.conftest import REPO

_PAGEFIND_UNORDERED = re.compile(
    r"pagefind/(?:filter/\w+\.pf_filter(?:\.br)?|pagefind\.\w+\.pf_meta(?:\.br)?"
    r"|pagefind-entry\.json)"
    r"|offline\.json(?:\.gz|\.br)?|sw\.js(?:\.gz|\.br)?"
)
#: What the worker's version takes from Pagefind's run.
_RUN_NAMES = re.compile(rb"\b[0-9a-f]{16}\b")


def _without_run_names(data: bytes) -> bytes:
    return _RUN_NAMES.sub(b"(run)", data)


def _offline_without_pagefind_order(data: bytes) -> Any:
    """The offline manifest without the Pagefind files whose bytes change from run to run."""
    manifest = json.loads(data)
    del manifest["version"]  # a hash over every file, Pagefind's too (see below)
    manifest["files"] = {
        p: e for p, e in manifest["files"].items() if not (UNSTABLE.match(p) or p == "sw.js")
    }
    for selection in (manifest["site"], *manifest["packs"].values()):
        selection["files"] = [p for p in selection["files"] if not UNSTABLE.match(p)]
        del selection["bytes"]
    return manifest


def _build(project: Path, out: Path) -> BuildReport:
    return build(load_project(project), out, pdf=False)


def _files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def _retitle(path: Path) -> None:
    """The document's title with a word more (its listings and its neighbours' panels change)."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r'^title: (.*?)("?)$', r"title: \1 revised\2", text, count=1, flags=re.MULTILINE)
    path.write_text(text, encoding="utf-8")


def _same_as_clean(project: Path, out: Path, name: str) -> BuildReport:
    """A clean build of the project as it is now (a copy without the cache) is the rebuilt site."""
    fresh_project = out / f"{name}-project"
    shutil.copytree(project, fresh_project, ignore=shutil.ignore_patterns(".kb-cache", "site"))
    clean = _build(fresh_project, out / f"{name}-clean")
    assert clean.rendered == clean.pages
    rebuilt, fresh = _files(project / "site"), _files(out / f"{name}-clean")
    different = sorted(n for n in rebuilt.keys() | fresh.keys() if rebuilt.get(n) != fresh.get(n))
    # Pagefind writes its filters and its metadata in its hash maps' order, which changes
    # from one run to the next: two clean builds differ there too. Their names carry
    # their content's hash; there are as many of them. offline.json lists every file
    # with its hash, so it differs by those entries only.
    assert [n for n in different if not _PAGEFIND_UNORDERED.fullmatch(n)] == [], name
    assert _offline_without_pagefind_order(rebuilt["offline.json"]) == (
        _offline_without_pagefind_order(fresh["offline.json"])
    )
    # The offline worker's version is a hash over every file, Pagefind's too. (The search
    # pages read the metadata's name from Pagefind's entry file as they open: identical.)
    for page in [n for n in rebuilt if n.endswith("sw.js")]:
        assert _without_run_names(rebuilt[page]) == _without_run_names(fresh[page]), page
    for kind in ("filter/", "pagefind."):
        assert sum(n.startswith(f"pagefind/{kind}") for n in rebuilt) == sum(
            n.startswith(f"pagefind/{kind}") for n in fresh
        )
    return clean


def _add_paragraph(path: Path) -> None:
    path.write_text(
        path.read_text(encoding="utf-8") + "\nA paragraph added by an editor.\n", encoding="utf-8"
    )


def _rebuilt_equals_clean(project: Path, body_edit: Path, title_edit: Path, out: Path) -> None:
    first = _build(project, project / "site")
    assert first.rendered == first.pages
    _add_paragraph(body_edit)
    _retitle(title_edit)
    again = _build(project, project / "site")
    # Only the edited pages, their neighbours' and the listings are rendered and finished again.
    assert 2 <= again.rendered < again.pages / 2
    assert 1 <= again.finished < again.pages / 2
    assert any(
        b"A paragraph added by an editor." in text for text in _files(project / "site").values()
    )
    _same_as_clean(project, out, "edited")


def _replace(path: Path, old: str, new: str) -> None:
    """Edit a file as an editor would: ``old`` (which must be there) becomes ``new``."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{path}: no {old!r} to replace"
    path.write_text(text.replace(old, new), encoding="utf-8")


def _set_field(path: Path, name: str, value: str) -> None:
    """One front-matter field (a line ``name: ...`` and its list items) given a new value."""
    text = path.read_text(encoding="utf-8")
    text, found = re.subn(
        rf"^{name}:.*\n(?:- .*\n|  .*\n)*", f"{name}: {value}\n", text, count=1, flags=re.MULTILINE
    )
    assert found, (path, name)
    path.write_text(text, encoding="utf-8")


def test_a_rebuild_of_a_generated_knowledge_base_is_its_clean_build(tmp_path: Path) -> None:
    project = generate(tmp_path / "project", 60)
    lessons = sorted((project / "content" / "lessons").glob("*.md"))
    _rebuilt_equals_clean(project, lessons[3], lessons[7], tmp_path)

    # What the kept pages, panels and finishing could miss: a document moving to another
    # theme (its theme pages, and its neighbours' related panels), one added, one removed.
    _set_field(lessons[5], "themes", "[sanitation, governance]")
    added = lessons[9].with_name("lesson-added-by-an-editor.md")
    added.write_text(
        re.sub(r"^translation_of: .*\n", "", lessons[9].read_text(encoding="utf-8"), flags=re.M),
        encoding="utf-8",
    )
    _retitle(added)
    sources = "".join(p.read_text(encoding="utf-8") for p in project.glob("content/*/*.md"))
    removed = next(p for p in reversed(lessons[12:]) if p.stem not in sources)
    removed.unlink()
    assert not load_project(project).errors
    _build(project, project / "site")
    _same_as_clean(project, tmp_path, "moved")
    assert (project / "site" / "lessons" / "lesson-added-by-an-editor" / "index.html").is_file()
    assert not (project / "site" / "lessons" / removed.stem).exists()

    # A level's name alone, which every list of documents shows for each of them.
    taxonomy = project / "content" / "taxonomy.yml"
    _replace(taxonomy, 'en: "National", fr: "National"', 'en: "Nation-wide", fr: "National"')
    _build(project, project / "site")
    _same_as_clean(project, tmp_path, "level")
    assert "Nation-wide" in (project / "site" / "lessons" / "index.html").read_text(
        encoding="utf-8"
    )

    # The vocabularies and the site's settings: every page's surroundings change.
    _replace(
        taxonomy,
        'en: "Learning alliances and multi-stakeholder platforms"',
        'en: "Learning alliances, renamed"',
    )
    _replace(
        project / "mkdocs.yml",
        "site_name: Generated knowledge base",
        "site_name: A renamed knowledge base",
    )
    _build(project, project / "site")
    _same_as_clean(project, tmp_path, "renamed")
    home = (project / "site" / "index.html").read_text(encoding="utf-8")
    assert "A renamed knowledge base" in home


def test_a_rebuild_of_the_shipped_knowledge_base_is_its_clean_build(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("content", "assets"):
        shutil.copytree(REPO / name, project / name)
    shutil.copy(REPO / "mkdocs.yml", project / "mkdocs.yml")
    guidelines = sorted((project / "content" / "guidelines").glob("*.md"))
    lessons = sorted((project / "content" / "lessons").glob("*.md"))
    _rebuilt_equals_clean(project, guidelines[2], lessons[1], tmp_path)


def test_files_with_the_previous_sites_bytes_become_links_to_them(tmp_path: Path) -> None:
    previous, new = tmp_path / "site", tmp_path / "building"
    for site, texts in (
        (previous, {"a/same.html": "same", "a/edited.html": "old", "longer.css": "x"}),
        (new, {"a/same.html": "same", "a/edited.html": "new", "longer.css": "xy", "added.js": "1"}),
    ):
        for name, text in texts.items():
            (site / name).parent.mkdir(parents=True, exist_ok=True)
            (site / name).write_text(text, encoding="utf-8")
    (previous / "link.js").symlink_to(previous / "a" / "same.html")
    (new / "link.js").write_text("same", encoding="utf-8")

    assert link_unchanged(new, previous) == 1

    assert (new / "a" / "same.html").samefile(previous / "a" / "same.html")
    for name in ("a/edited.html", "longer.css", "link.js"):
        assert not (new / name).samefile(previous / name), name
    assert {
        p.relative_to(new).as_posix(): p.read_text() for p in new.rglob("*") if p.is_file()
    } == {
        "a/same.html": "same",
        "a/edited.html": "new",
        "longer.css": "xy",
        "added.js": "1",
        "link.js": "same",
    }


def test_a_rebuild_links_what_the_old_site_has_and_never_writes_through_it(
    tmp_path: Path,
) -> None:
    project = generate(tmp_path / "project", 30)
    site = project / "site"
    _build(project, site)
    # Every file of the site being replaced, linked: a write through one would show here.
    snapshot = tmp_path / "snapshot"
    for path in [p for p in site.rglob("*") if p.is_file()]:
        (snapshot / path.relative_to(site)).parent.mkdir(parents=True, exist_ok=True)
        os.link(path, snapshot / path.relative_to(site))
    before = _files(snapshot)
    lessons = sorted((project / "content" / "lessons").glob("*.md"))
    _add_paragraph(lessons[3])

    _build(project, site)

    assert _files(snapshot) == before
    kept = {n for n in before if (site / n).is_file() and (site / n).samefile(snapshot / n)}
    edited = f"lessons/{lessons[3].stem}/index.html"
    assert edited not in kept
    assert b"A paragraph added by an editor." in (site / edited).read_bytes()
    # Finished pages and citation files taken as they were are the old site's files.
    pages = [f"lessons/{p.stem}/index.html" for p in lessons]
    assert len(kept & set(pages)) > len(pages) / 2
    assert {f"cite/{p.stem}.{kind}" for p in lessons for kind in ("bib", "ris", "json")} <= kept


def test_a_file_is_linked_only_to_a_file_with_its_bytes(tmp_path: Path) -> None:
    previous = tmp_path / "previous"
    previous.mkdir()
    (previous / "same").write_bytes(b"same")
    (previous / "other").write_bytes(b"sane")
    (previous / "longer").write_bytes(b"same, longer")
    (previous / "link").symlink_to(previous / "same")
    new = tmp_path / "new"
    new.mkdir()
    for name in ("same", "other", "longer", "link", "missing"):
        linked = write_or_link(new / name, b"same", previous / name)
        assert linked == (name == "same"), name
        assert (new / name).read_bytes() == b"same"
        assert (new / name).samefile(previous / name) == linked if name != "missing" else True
    assert not write_or_link(new / "none", b"same", None)
    # Written over, a linked file becomes a file of its own: the old one is left as it was.
    rewrite(new / "same", "changed")
    assert (previous / "same").read_bytes() == b"same"
    assert (new / "same").read_text(encoding="utf-8") == "changed"


def test_helpers_started_before_loading_do_the_builds_work_and_are_stopped(
    tmp_path: Path,
) -> None:
    project = generate(tmp_path / "project", 12)
    helpers = build_helpers()  # as kb build starts them, before loading the project

    report = build(load_project(project), project / "site", pdf=False, helpers=helpers)

    assert report.documents == 12
    assert (project / "site" / "pagefind" / "pagefind-entry.json").is_file()
    with pytest.raises(RuntimeError):
        helpers.submit(ready)


def test_pages_reach_mkdocs_from_memory_unless_the_owners_plugins_may_read_their_files(
    tmp_path: Path,
) -> None:
    project = generate(tmp_path / "project", 12)
    docs = project / ".kb-cache" / "site-render" / "docs"
    first = _build(project, project / "site")
    assert first.rendered == first.pages
    assert not list(docs.rglob("*.md"))
    lesson = sorted((project / "content" / "lessons").glob("*.md"))[0]
    _add_paragraph(lesson)
    again = _build(project, project / "site")
    assert 1 <= again.rendered < again.pages / 2
    page = project / "site" / "lessons" / lesson.stem / "index.html"
    assert "A paragraph added by an editor." in page.read_text(encoding="utf-8")
    # A plugin of the owner's may read a page's file (its source path): the pages are files.
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "plugins:\n  - tags\n", "utf-8")
    with_plugin = _build(project, project / "site")
    assert with_plugin.rendered == with_plugin.pages
    assert (docs / "lessons" / lesson.name).read_text(encoding="utf-8").count("A paragraph added")


@pytest.mark.parametrize("damage", ["removed", "garbage", "damaged"])
def test_a_lost_or_damaged_store_of_renderings_means_the_pages_are_rendered_again(
    tmp_path: Path, damage: str
) -> None:
    project = generate(tmp_path / "project", 12)
    first = _build(project, project / "site")
    store = project / ".kb-cache" / "site-render" / "rendered.sqlite"
    assert store.is_file()
    if damage == "removed":
        store.unlink()
    elif damage == "garbage":
        store.write_bytes(b"not a database " * 100)
    else:  # a database still, whose list of pages (its third page, the names' index) is not
        data = bytearray(store.read_bytes())
        data[2 * 4096 : 3 * 4096] = b"\xff" * 4096
        store.write_bytes(bytes(data))
    again = _build(project, project / "site")
    assert again.rendered == first.pages
    _same_as_clean(project, tmp_path, damage)
