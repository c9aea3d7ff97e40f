"""Reading offline after a first visit: the service worker and what it may keep.

The build writes ``sw.js`` (the worker, stamped with the build's version) and
``offline.json``: every file a reader may keep, each with a short hash of its
bytes (so the next build's worker copies unchanged files instead of fetching
them again) and its size, and the lists the downloads page's "keep offline"
buttons fetch: the whole site (pages in every language, the files they load
and the search index, PDFs left out), and each pack (its documents' pages,
what they load, the search, and the pack's PDF), with their sizes in bytes.
Every page registers the worker with a few bytes of script at the end of its
body (see ``Finish``), and says when the reader is offline.
"""

from __future__ import annotations

import hashlib
import html
import json
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from kb import urls
from kb.model import Document
from kb.site.compress import MINIMUM_SIZE, PAGEFIND_SUFFIXES
from kb.site.downloads import Download

WORKER = "sw.js"
MANIFEST = "offline.json"
#: Files the site serves but no reader needs offline, or the worker itself. The search
#: page's first screen (kb.site.first_screen) is for slow links: offline, Pagefind's
#: files are at hand.
NOT_KEPT = re.compile(
    r"(?:\.(?:gz|br|map|zip)$|^(?:sw\.js|offline\.json|catalogue\.json|feed\.xml|"
    r"sitemap\.xml|404\.html|cite/|pagefind/kb-first/))"
)
#: Addresses a page loads: stylesheets, scripts, images (pages, ending in "/", are left out).
LOADED = re.compile(r'<(?:link|script|img|source)\b[^>]*?\b(?:href|src)="([^"#?:]+)"')
#: Pagefind's files other than its fragments (see ``write_offline``).
UNSTABLE = re.compile(r"pagefind/(?!fragment/)")
SEARCH = "search/"
PAGEFIND = "pagefind/"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "site"


def bundle_name(site_name: str) -> str:
    """The file name of the site's zip for reading from disk (``kb build --bundle``)."""
    return f"{slug(site_name)}-offline.zip"


@dataclass(frozen=True)
class Selection:
    """A set of files to keep, by site path, and how many bytes they take."""

    paths: tuple[str, ...]
    size: int

    def as_json(self) -> dict[str, Any]:
        return {"files": list(self.paths), "bytes": self.size}


def site_path(file: Path, site_dir: Path) -> str:
    """The address a file is read at: ``lessons/x/`` for ``lessons/x/index.html``."""
    relative = file.relative_to(site_dir).as_posix()
    if relative == "index.html":
        return ""
    if relative.endswith("/index.html"):
        return relative[: -len("index.html")]
    return relative


def _file_of(path: str) -> str:
    return path + "index.html" if path == "" or path.endswith("/") else path


def loaded_by(page_path: str, html_text: str) -> set[str]:
    """The site paths of what a page (``""`` or ``x/y/``) loads, from its relative addresses."""
    folder = page_path
    found = set()
    for target in LOADED.findall(html_text):
        if target.endswith("/"):
            continue
        joined = posixpath.normpath(posixpath.join(folder, target))
        if not joined.startswith(".."):
            found.add(joined)
    return found


def _manifest_entries(site_dir: Path | None) -> tuple[dict[str, Any], int]:
    """The files a built site's manifest lists, and when it was written (ns; 0 without one)."""
    if site_dir is None:
        return {}, 0
    try:
        manifest = site_dir / MANIFEST
        written = manifest.stat().st_mtime_ns
        listed = json.loads(manifest.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}, 0
    return (listed, written) if isinstance(listed, dict) else ({}, 0)


def inventory(site_dir: Path, previous: Path | None = None) -> dict[str, tuple[str, int]]:
    """Every file a reader may keep: site path → (hash, size).

    ``previous``: the site this one replaces. A file that is the very file
    of that site (``kb.output.link_unchanged`` made it a link), unchanged
    since that site's manifest was written, takes its hash from the manifest
    instead of being read again.
    """
    listed, written = _manifest_entries(previous)
    found = {}
    for file in sorted(site_dir.rglob("*")):
        if not file.is_file():
            continue
        path = site_path(file, site_dir)
        relative = file.relative_to(site_dir).as_posix()
        if NOT_KEPT.search(relative):
            continue
        entry = listed.get(path)
        if previous is not None and isinstance(entry, list) and len(entry) == 2:
            now = file.stat()
            try:
                then = (previous / relative).stat()
            except OSError:
                then = None
            if (
                then is not None
                and (now.st_ino, now.st_dev) == (then.st_ino, then.st_dev)
                and now.st_mtime_ns <= written
                and entry[1] == now.st_size
            ):
                found[path] = (str(entry[0]), now.st_size)
                continue
        data = file.read_bytes()
        found[path] = (hashlib.sha256(data).hexdigest()[:12], kept_size(file, data))
    return found


def kept_size(file: Path, data: bytes) -> int:
    """The bytes a browser's cache holds for a file: as served, decompressed. Pagefind's
    files with a brotli copy of what they hold (kb.site.compress) are kept unpacked; a
    gzip file's last four bytes say how much it holds."""
    if file.suffix in PAGEFIND_SUFFIXES and data[:2] == b"\x1f\x8b" and len(data) >= MINIMUM_SIZE:
        return int.from_bytes(data[-4:], "little")
    return len(data)


def _selection(paths: Iterable[str], kept: Mapping[str, tuple[str, int]]) -> Selection:
    chosen = sorted({p for p in paths if p in kept})
    return Selection(tuple(chosen), sum(kept[p][1] for p in chosen))


def pages_with_what_they_load(
    site_dir: Path, pages: Iterable[str], kept: Mapping[str, tuple[str, int]]
) -> set[str]:
    found = set()
    for page in pages:
        file = site_dir / _file_of(page)
        if not file.is_file():
            continue
        found.add(page)
        found |= {p for p in loaded_by(page, file.read_text(encoding="utf-8")) if p in kept}
    return found


def write_offline(
    site_dir: Path,
    documents: Sequence[Document],
    downloads: Sequence[Download],
    languages: Sequence[str],
    previous: Path | None = None,
) -> dict[str, Any]:
    """Write ``offline.json`` and ``sw.js`` into a finished site; returns the manifest.

    ``previous``: the site this one replaces (see ``inventory``).
    """
    kept = inventory(site_dir, previous)
    search_pages = [urls.language_prefix(lang, languages) + SEARCH for lang in languages]
    search = pages_with_what_they_load(site_dir, ["", *search_pages], kept)
    search |= {p for p in kept if p.startswith(PAGEFIND)}
    pages = [p for p in kept if p == "" or p.endswith("/")]
    whole = pages_with_what_they_load(site_dir, pages, kept) | search
    by_id = {d.id: d for d in documents}
    packs = {}
    for pack in downloads:
        if pack.kind != "pack":
            continue
        doc_pages = [urls.document_url(by_id[i]) for i in pack.document_ids if i in by_id]
        chosen = pages_with_what_they_load(site_dir, doc_pages, kept) | search
        pdf = site_dir / pack.url
        selection = _selection(chosen, kept)
        if pdf.is_file():
            size = pdf.stat().st_size
            selection = Selection((*selection.paths, pack.url), selection.size + size)
        packs[pack.id] = {"title": pack.title, **selection.as_json()}
    # Pagefind writes its filter and metadata indexes in arbitrary order (the same
    # pages give other bytes), and they follow from the pages and fragments: the
    # version leaves them out, so that the same content gives the same worker.
    stable = sorted((p, e) for p, e in kept.items() if not UNSTABLE.match(p))
    version = hashlib.sha256(json.dumps(stable, separators=(",", ":")).encode("utf-8")).hexdigest()[
        :16
    ]
    manifest = {
        "version": version,
        "site": _selection(whole, kept).as_json(),
        "packs": packs,
        "files": {path: list(entry) for path, entry in kept.items()},
    }
    (site_dir / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    worker = files("kb.site").joinpath(f"templates/{WORKER}").read_text(encoding="utf-8")
    (site_dir / WORKER).write_text(worker.replace("__KB_VERSION__", version), encoding="utf-8")
    return manifest


#: Says when the reader is offline; shown by the script below.
BANNER = '<p id="kb-offline" class="kb-offline" role="status" hidden>{label}</p>'
#: Registers the worker (over http(s) only: not from file://), shows the banner while
#: offline, and asks the worker to keep this page and what it loaded before it ran.
#: The worker's first install downloads offline.json (210 KB compressed at 5,000
#: documents): on a slow link that would share it with what the page still loads, so
#: it waits for the page's load event, and on a search page opened with a query for the
#: first results too (``kbSearchDone``, from the page's preloading script; 20 s at most).
REGISTRATION = (
    "<script>(()=>{{const n=navigator,b=document.getElementById('kb-offline'),"
    "s=()=>{{b.hidden=n.onLine}};addEventListener('online',s);addEventListener('offline',s);s();"
    "if('serviceWorker'in n&&location.protocol.startsWith('http'))"
    "addEventListener('load',()=>Promise.race([window.kbSearchDone,"
    "new Promise(d=>setTimeout(d,2e4))])"
    ".then(()=>n.serviceWorker.register('{base}{worker}')).then(()=>n.serviceWorker.ready)"
    ".then(r=>r.active.postMessage({{kb:'keep',urls:[location.href.split(/[?#]/)[0],"
    "...performance.getEntriesByType('resource').map(e=>e.name)]}})).catch(()=>{{}}))}})()"
    "</script>"
)


def registration(base: str, label: str) -> tuple[str, str]:
    """The offline banner (for the top of the content) and the script (for the body's end)."""
    return (
        BANNER.format(label=html.escape(label)),
        REGISTRATION.format(base=base.replace("'", "%27"), worker=WORKER),
    )
