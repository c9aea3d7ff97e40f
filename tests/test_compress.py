"""Precompressed copies: reused from the previous site for unchanged files, made in helpers."""

from __future__ import annotations

import gzip
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import brotli

from kb.site.compress import PAGEFIND_SIGNATURE, begin_compression, compress_file, compress_site


def _site(root: Path, pages: dict[str, str]) -> Path:
    for name, text in pages.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _page(words: str) -> str:
    return f"<html><body>{(words + ' ') * 200}</body></html>"


def test_unchanged_files_take_the_previous_sites_copies_and_changed_ones_are_remade(
    tmp_path: Path,
) -> None:
    old = _site(tmp_path / "old", {"a/index.html": _page("water"), "b/index.html": _page("soap")})
    assert compress_site(old) == 2
    new = _site(
        tmp_path / "new",
        {"a/index.html": _page("water"), "b/index.html": _page("latrine"), "c.css": "x" * 9},
    )
    # Only the changed page is compressed; the small stylesheet is left as it is.
    assert compress_site(new, previous=old) == 2
    for suffix in (".gz", ".br"):
        assert os.path.samefile(old / f"a/index.html{suffix}", new / f"a/index.html{suffix}")
        assert not os.path.samefile(old / f"b/index.html{suffix}", new / f"b/index.html{suffix}")
    assert gzip.decompress((new / "b/index.html.gz").read_bytes()) == _page("latrine").encode()
    assert brotli.decompress((new / "b/index.html.br").read_bytes()) == _page("latrine").encode()
    assert not (new / "c.css.gz").exists()


def test_a_previous_copy_is_not_taken_when_the_previous_file_differs_or_lacks_one(
    tmp_path: Path,
) -> None:
    old = _site(tmp_path / "old", {"a.html": _page("water"), "b.html": _page("soap")})
    compress_site(old)
    (old / "b.html.br").unlink()
    new = _site(tmp_path / "new", {"a.html": _page("water "), "b.html": _page("soap")})
    assert compress_site(new, previous=old) == 2
    assert gzip.decompress((new / "a.html.gz").read_bytes()) == _page("water ").encode()
    assert brotli.decompress((new / "b.html.br").read_bytes()) == _page("soap").encode()


def test_many_files_are_compressed_by_the_helpers_as_they_would_be_here(tmp_path: Path) -> None:
    pages = {f"p{i}/index.html": _page(f"word{i}") for i in range(60)}
    here = _site(tmp_path / "here", pages)
    helped = _site(tmp_path / "helped", pages)
    compress_site(here)
    with ThreadPoolExecutor(2) as helpers:
        assert compress_site(helped, helpers=helpers) == 60
    for name in pages:
        for suffix in (".gz", ".br"):
            assert (helped / (name + suffix)).read_bytes() == (here / (name + suffix)).read_bytes()


def test_what_changed_after_compression_began_is_compressed_again(tmp_path: Path) -> None:
    pages = {f"p{i}/index.html": _page(f"word{i}") for i in range(60)}
    site = _site(tmp_path / "site", pages)
    with ThreadPoolExecutor(2) as helpers:
        begun = begin_compression(site, helpers)
        for task in begun:
            task.result()
        # Written after the compression began: one page changed, one shrunk below the
        # size worth compressing, one removed, one added.
        (site / "p1/index.html").write_text(_page("changed"), encoding="utf-8")
        (site / "p2/index.html").write_text("small", encoding="utf-8")
        (site / "p3/index.html").unlink()
        _site(site, {"added.json": _page("added")})
        assert compress_site(site, helpers=helpers, begun=begun) == 3
    assert gzip.decompress((site / "p1/index.html.gz").read_bytes()) == _page("changed").encode()
    assert brotli.decompress((site / "p1/index.html.br").read_bytes()) == _page("changed").encode()
    assert not (site / "p2/index.html.gz").exists() and not (site / "p2/index.html.br").exists()
    assert not list(site.glob("p3/*"))
    assert brotli.decompress((site / "added.json.br").read_bytes()) == _page("added").encode()
    # Everything else as a compression from scratch makes it.
    fresh = tmp_path / "fresh"
    shutil.copytree(site, fresh, ignore=shutil.ignore_patterns("*.gz", "*.br"))
    compress_site(fresh)
    names = {p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file()}
    assert names == {p.relative_to(site) for p in site.rglob("*") if p.is_file()}
    for name in names:
        assert (site / name).read_bytes() == (fresh / name).read_bytes(), name


def test_pagefinds_gzip_files_get_a_brotli_copy_of_what_they_hold(tmp_path: Path) -> None:
    """Pagefind unpacks its files in JavaScript, or takes them unpacked (its signature
    first): the ``.br`` copy holds them unpacked, for the browser to unpack; no ``.gz``
    copy of a gzip file. A file that is not Pagefind's gzip gets no copy."""
    held = PAGEFIND_SIGNATURE + " ".join(str(i * 7919 % 10007) for i in range(2000)).encode()
    site = tmp_path / "site"
    (site / "pagefind" / "filter").mkdir(parents=True)
    meta = site / "pagefind" / "pagefind.en_1.pf_meta"
    meta.write_bytes(gzip.compress(held, 9))
    odd = site / "pagefind" / "filter" / "en_2.pf_filter"
    odd.write_bytes(gzip.compress(held[len(PAGEFIND_SIGNATURE) :], 9))  # no signature
    fragment = site / "pagefind" / "fragment.pf_fragment"
    fragment.write_bytes(gzip.compress(held, 9))
    compress_file(meta)
    compress_file(odd)
    assert brotli.decompress(meta.with_name(meta.name + ".br").read_bytes()) == held
    assert not meta.with_name(meta.name + ".gz").exists()
    assert not [p for p in site.rglob("*") if p.name.startswith("en_2.pf_filter.")]
    # A whole site's compression takes them too, and a rebuild reuses their copies.
    old = tmp_path / "old"
    shutil.copytree(site, old)
    compress_site(site)
    assert meta.with_name(meta.name + ".br").is_file()
    assert not fragment.with_name(fragment.name + ".br").exists()  # left as it is
    compress_site(old)
    new = tmp_path / "new"
    shutil.copytree(site, new, ignore=shutil.ignore_patterns("*.br"))
    compress_site(new, previous=old)
    copy = "pagefind/pagefind.en_1.pf_meta.br"
    assert os.path.samefile(old / copy, new / copy)
