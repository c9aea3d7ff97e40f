"""Precompressed copies of the site's text files, and serving them.

Hosts that serve precompressed files (nginx's ``gzip_static`` and
``brotli_static``, Caddy's ``precompressed``, Netlify and most CDNs) send
``page.html.br`` or ``page.html.gz`` to browsers that accept them, so the
server spends nothing per request and the files are compressed at the
highest level once. gzip comes from the standard library, brotli from
Google's ``brotli`` package.
"""

from __future__ import annotations

import gzip
import http.server
import os
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import brotli

#: Text formats worth compressing (Pagefind's index files are compressed already).
TEXT_SUFFIXES = frozenset({".html", ".css", ".js", ".json", ".xml", ".svg", ".txt", ".webmanifest"})
#: Smaller files gain less than the headers a compressed response adds.
MINIMUM_SIZE = 512
#: Brotli's best level costs about 0.75 s per MB: kept for the shared assets,
#: a quicker level for the thousands of pages, about as small as gzip's best.
ASSET_QUALITY = 11
PAGE_QUALITY = 5


def compressible(path: Path) -> bool:
    return path.suffix in TEXT_SUFFIXES and not path.name.endswith(".map")


def _text_files(site_dir: Path) -> Iterator[Path]:
    for root, _, names in os.walk(site_dir):
        for name in names:
            path = Path(root, name)
            if compressible(path):
                yield path


def compress_file(path: Path) -> None:
    """Write ``path.gz`` and ``path.br`` beside ``path`` (when they are smaller)."""
    data = path.read_bytes()
    if len(data) < MINIMUM_SIZE:
        return
    quality = PAGE_QUALITY if path.suffix in (".html", ".json", ".xml") else ASSET_QUALITY
    for suffix, packed in (
        (".gz", gzip.compress(data, 9, mtime=0)),
        (".br", brotli.compress(data, quality=quality)),
    ):
        if len(packed) < len(data):
            path.with_name(path.name + suffix).write_bytes(packed)


def compress_site(site_dir: Path) -> int:
    """Precompress every text file of a built site; returns how many files were compressed."""
    count = 0
    for path in list(_text_files(site_dir)):
        compress_file(path)
        count += 1
    return count


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
