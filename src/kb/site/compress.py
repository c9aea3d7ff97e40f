"""Precompressed copies of the site's text files, and serving them.

Hosts that serve precompressed files (nginx's ``gzip_static`` and
``brotli_static``, Caddy's ``precompressed``, Netlify and most CDNs) send
``page.html.br`` or ``page.html.gz`` to browsers that accept them, so the
server spends nothing per request and the files are compressed at the
highest level once. gzip comes from the standard library, brotli from
Google's ``brotli`` package.

Pagefind's WebAssembly, metadata and filter indexes are gzip files that its
script unpacks itself, in JavaScript; it takes them as they are once unpacked
(they start with its signature). Their ``.br`` copy holds them unpacked and
compressed with brotli: 12-24% fewer bytes than Pagefind's gzip, unpacked by
the browser. Hosts that do not serve ``.br`` files send Pagefind's own. Its
index chunks and fragments are left as they are: there are thousands, brotli's
best level gains 12-17% on them, at 1.4 s of processor time per megabyte
(30 s for the chunks alone at 5,000 documents, on every build).

Compressing is most of a rebuild's work when little changed, so a file whose
bytes are those of the same file in the previous site takes that site's
compressed copies (hard-linked: the old site is removed once the new one is
in place, and nothing writes into either afterwards); the rest is compressed
in the build's helper processes.
"""

from __future__ import annotations

import gzip
import hashlib
import http.server
import os
import shutil
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import ClassVar

import brotli

#: Text formats worth compressing.
TEXT_SUFFIXES = frozenset({".html", ".css", ".js", ".json", ".xml", ".svg", ".txt", ".webmanifest"})
#: Pagefind's gzip files that get a brotli copy of what they hold (see above).
PAGEFIND_SUFFIXES = frozenset({".pagefind", ".pf_meta", ".pf_filter"})
#: What Pagefind's files start with once unpacked.
PAGEFIND_SIGNATURE = b"pagefind_dcd"
#: Smaller files gain less than the headers a compressed response adds: on a generated
#: site of 1,000 documents, gzip saved 229 bytes a file on average between 512 and
#: 1,024 bytes (869 files, most of them citations), and each copy is a file to write
#: on every clean build.
MINIMUM_SIZE = 1024
#: Brotli's best level costs about 0.75 s per MB: kept for the shared assets,
#: a quicker level for the thousands of pages, about as small as gzip's best.
ASSET_QUALITY = 11
PAGE_QUALITY = 5
#: gzip's levels 6 and 9 made files of the same size (0.266 of the original) from
#: 300 generated pages, level 6 in 0.57 ms a page against 0.73 ms.
PAGE_GZIP_LEVEL = 6


def compressible(path: Path) -> bool:
    """Whether ``path`` gets precompressed copies."""
    return (
        path.suffix in TEXT_SUFFIXES or path.suffix in PAGEFIND_SUFFIXES
    ) and not path.name.endswith(".map")


def _copies(path: Path) -> tuple[str, ...]:
    """The suffixes of ``path``'s compressed copies (a gzip file gets no other gzip)."""
    return (".br",) if path.suffix in PAGEFIND_SUFFIXES else (".gz", ".br")


def _contents(path: Path, data: bytes) -> bytes | None:
    """What a compressed copy of ``path`` holds: Pagefind's files unpacked (None when
    one is not what Pagefind writes), anything else as it is."""
    if path.suffix not in PAGEFIND_SUFFIXES:
        return data
    try:
        unpacked = gzip.decompress(data)
    except (OSError, EOFError):
        return None
    return unpacked if unpacked.startswith(PAGEFIND_SIGNATURE) else None


def _text_files(site_dir: Path) -> Iterator[Path]:
    for root, _, names in os.walk(site_dir):
        for name in names:
            path = Path(root, name)
            if compressible(path):
                yield path


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def compress_file(path: Path) -> bytes:
    """Write ``path.gz`` and ``path.br`` beside ``path`` (when they are smaller; for
    Pagefind's files, ``path.br`` of what they hold).

    Returns a digest of the bytes compressed. Copies an earlier call left are
    removed when the file no longer gains from them.
    """
    data = path.read_bytes()
    contents = _contents(path, data)
    page = path.suffix in (".html", ".json", ".xml")
    quality, level = (PAGE_QUALITY, PAGE_GZIP_LEVEL) if page else (ASSET_QUALITY, 9)
    for suffix in (".gz", ".br"):
        copy = path.with_name(path.name + suffix)
        packed = data
        if contents is not None and suffix in _copies(path) and len(data) >= MINIMUM_SIZE:
            if suffix == ".gz":
                packed = gzip.compress(contents, level, mtime=0)
            else:
                packed = brotli.compress(contents, quality=quality)
        if len(packed) < len(data):
            copy.write_bytes(packed)
        elif copy.exists():
            copy.unlink()
    return _digest(data)


def compress_files(paths: Sequence[Path]) -> dict[Path, bytes]:
    """``compress_file`` for each of ``paths`` (one task of a helper process)."""
    return {path: compress_file(path) for path in paths}


def _reuse(path: Path, previous: Path) -> bool:
    """Take ``previous``'s compressed copies when it holds the same bytes as ``path``."""
    copies = [previous.with_name(previous.name + suffix) for suffix in _copies(path)]
    if not all(c.is_file() and not c.is_symlink() for c in copies):
        return False
    try:
        if previous.stat().st_size != path.stat().st_size:
            return False
        # The same file (kb.output.link_unchanged linked it) need not be read.
        if not os.path.samefile(previous, path) and previous.read_bytes() != path.read_bytes():
            return False
    except OSError:
        return False
    for copy in copies:
        target = path.with_name(copy.name)
        try:
            os.link(copy, target)
        except OSError:  # a file system without hard links
            shutil.copyfile(copy, target)
    return True


def compress_site(
    site_dir: Path,
    previous: Path | None = None,
    helpers: Executor | None = None,
    begun: Sequence[Future[dict[Path, bytes]]] = (),
) -> int:
    """Precompress every text file of a built site; returns how many files were compressed.

    ``previous``: the site this one replaces, whose compressed copies of
    unchanged files are reused. ``helpers``: processes to compress in.
    ``begun``: ``begin_compression``'s tasks, whose files are not compressed
    again unless they changed (they are not counted).
    """
    made: dict[Path, bytes] = {}
    for task in begun:
        made.update(task.result())
    todo = []
    for path in list(_text_files(site_dir)):
        if path in made:
            # Compressed while the rest of the site was written: again only if it changed since.
            if _digest(path.read_bytes()) != made.pop(path):
                todo.append(path)
            continue
        unchanged = (
            previous is not None
            and path.stat().st_size >= MINIMUM_SIZE
            and _reuse(path, previous / path.relative_to(site_dir))
        )
        if unchanged:
            continue
        todo.append(path)
    for gone in made:  # compressed, then removed from the site
        for suffix in (".gz", ".br"):
            gone.with_name(gone.name + suffix).unlink(missing_ok=True)
    if helpers is None or len(todo) < 50:
        compress_files(todo)
    else:
        for task in _deal(todo, helpers):
            task.result()
    return len(todo)


def _deal(paths: list[Path], helpers: Executor) -> list[Future[dict[Path, bytes]]]:
    """Largest first, dealt round so that each of eight tasks gets a similar share."""
    paths.sort(key=lambda p: p.stat().st_size, reverse=True)
    return [helpers.submit(compress_files, paths[i::8]) for i in range(8)]


def begin_compression(site_dir: Path, helpers: Executor) -> list[Future[dict[Path, bytes]]]:
    """Start compressing every text file of ``site_dir`` as it is now, in ``helpers``.

    The build does so once the pages are finished, and writes the rest of
    the site meanwhile; ``compress_site`` given these tasks then compresses
    only what was added or changed since.
    """
    return _deal(list(_text_files(site_dir)), helpers)


def accepted(accept_encoding: str) -> list[str]:
    """The encodings a request accepts that kb serves, best first (``q=0`` refuses one)."""
    offered: dict[str, float] = {}
    for item in accept_encoding.split(","):
        name, _, params = item.strip().partition(";")
        weight = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                weight = float(params[2:])
            except ValueError:
                weight = 0.0
        offered[name.strip().lower()] = weight
    return [e for e in ("br", "gzip") if offered.get(e, 0.0) > 0]


class PrecompressedHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a built site as a production host would: ``.br`` or ``.gz`` when accepted."""

    EXTENSIONS: ClassVar[dict[str, str]] = {"br": ".br", "gzip": ".gz"}

    def send_head(self):  # type: ignore[no-untyped-def]
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        if path.is_file() and compressible(path):
            for encoding in accepted(self.headers.get("Accept-Encoding", "")):
                packed = path.with_name(path.name + self.EXTENSIONS[encoding])
                if packed.is_file():
                    return self._send_packed(path, packed, encoding)
        return super().send_head()

    def _send_packed(self, original: Path, packed: Path, encoding: str):  # type: ignore[no-untyped-def]
        handle = packed.open("rb")
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(original)))
        self.send_header("Content-Encoding", encoding)
        self.send_header("Content-Length", str(packed.stat().st_size))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return handle

    def log_message(self, format: str, *args: object) -> None:
        pass
