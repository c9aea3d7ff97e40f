"""MkDocs' rendering of the pages, as finishing reads it: from a folder, or kept in one file.

``kb build`` has MkDocs write straight into the new site and keeps each
page's rendering, for the next build, in one SQLite file
(``.kb-cache/site-render/rendered.sqlite``) rather than in a folder of its
own: on the shared test machine, making a file or a folder costs half a
millisecond, and a folder of renderings was 1,200 files and 1,300 folders
more on every clean build of 1,000 documents, and as many folders again to
copy it. The next build renders only the pages whose text changed; the
others' renderings come from the file, with a hash of each, so that
finishing reads one only when it has to finish that page again.

``kb serve`` finishes its pages where MkDocs rendered them (``RenderedFiles``).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from kb.errors import KbError
from kb.site.markup import page_url


def rendering_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class Rendered(Protocol):
    """The rendered pages finishing works from, by their file's path in the site."""

    def pages(
        self, page_paths: Iterable[str], only: set[str] | None
    ) -> list[tuple[str, str | None]]:
        """The HTML files to finish, each with the generated page it came from
        (None: one of MkDocs' own, such as ``404.html``); ``only``: these page paths."""
        ...

    def digest(self, name: str) -> str: ...

    def read(self, name: str) -> bytes: ...


class RenderedFiles:
    """Rendered pages as MkDocs wrote them, in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def pages(
        self, page_paths: Iterable[str], only: set[str] | None
    ) -> list[tuple[str, str | None]]:
        by_file = {page_url(p) + "index.html": p for p in page_paths}
        found = []
        for path in sorted(self.folder.rglob("*.html")):
            name = path.relative_to(self.folder).as_posix()
            page_path = by_file.get(name)
            if only is None or page_path in only:
                found.append((name, page_path))
        return found

    def digest(self, name: str) -> str:
        return rendering_digest(self.read(name))

    def read(self, name: str) -> bytes:
        return (self.folder / name).read_bytes()


#: SQLite's errors as the operating system's (``kb.output.describe_os_error`` words them).
_ERRNO = {
    "SQLITE_FULL": errno.ENOSPC,
    "SQLITE_READONLY": errno.EROFS,
    "SQLITE_PERM": errno.EACCES,
    "SQLITE_CANTOPEN": errno.EACCES,
}


@contextlib.contextmanager
def _as_os_errors(path: Path) -> Iterator[None]:
    """SQLite's errors about ``path`` as OSErrors (a full disk is a full disk), and a
    damaged file as a KbError that says what to do."""
    try:
        yield
    except sqlite3.Error as exc:
        code = getattr(exc, "sqlite_errorname", "")
        if code in _ERRNO:
            raise OSError(_ERRNO[code], os.strerror(_ERRNO[code]), str(path)) from None
        raise KbError(
            f"{path}: kb's kept renderings of the pages cannot be read ({exc}); delete the "
            "file and build again (every page is then rendered). The site was not changed"
        ) from None


class RenderingStore:
    """The pages' renderings kept in an SQLite file; MkDocs' own pages in ``site_dir``.

    A page rendered by this build is put in (``put``); one it did not render
    is the last build's. ``begin`` starts a build's changes, ``commit`` keeps
    them: a build that stops half-way leaves the file as the last one kept it
    (and without the build's state, the next renders every page anyway).
    SQLite's errors come out as OSErrors naming the file, or a KbError for a damaged file.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.site_dir: Path | None = None
        #: How many pages this build rendered and put in.
        self.written = 0
        self._db: sqlite3.Connection | None = None

    def _run(self, sql: str, *parameters: object) -> list[tuple[object, ...]]:
        with _as_os_errors(self.path):
            if self._db is None:
                try:
                    self._db = self._open()
                except sqlite3.DatabaseError as exc:
                    if getattr(exc, "sqlite_errorname", "") in _ERRNO:
                        raise
                    self.path.unlink(missing_ok=True)  # not a database any more: start again
                    self._db = self._open()
            return self._db.execute(sql, parameters).fetchall()

    def _open(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, isolation_level=None)
        # A cache: the build's state, written last, says whether it can be trusted.
        db.execute("PRAGMA synchronous=OFF")
        db.execute(
            "CREATE TABLE IF NOT EXISTS rendered"
            " (name TEXT PRIMARY KEY, digest TEXT NOT NULL, html BLOB NOT NULL)"
        )
        return db

    def names(self) -> set[str]:
        return {str(row[0]) for row in self._run("SELECT name FROM rendered")}

    def begin(self, site_dir: Path, *, clear: bool) -> None:
        """Start this build's changes; ``clear``: every page is rendered again.

        A file found damaged here (its list of pages cannot be read) is started again,
        empty: every page is then rendered."""
        self.site_dir = site_dir
        try:
            self._run("BEGIN")
            if clear:
                self._run("DELETE FROM rendered")
            self.names()
        except KbError:
            self.close()
            self.path.unlink(missing_ok=True)
            self._run("BEGIN")

    def put(self, name: str, html: bytes) -> None:
        self.written += 1
        self._run(
            "INSERT OR REPLACE INTO rendered VALUES (?, ?, ?)", name, rendering_digest(html), html
        )

    def keep_only(self, names: set[str]) -> None:
        """Forget the renderings of pages the site no longer has."""
        for gone in sorted(self.names() - names):
            self._run("DELETE FROM rendered WHERE name = ?", gone)

    def commit(self) -> None:
        if self._db is not None and self._db.in_transaction:
            self._run("COMMIT")

    def close(self) -> None:
        """Close the file; what was not committed is given up."""
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                self._db.close()
            self._db = None

    # -- what finishing reads (``Rendered``) ------------------------------------------

    def pages(
        self, page_paths: Iterable[str], only: set[str] | None
    ) -> list[tuple[str, str | None]]:
        assert self.site_dir is not None
        by_file = {page_url(p) + "index.html": p for p in page_paths}
        found: list[tuple[str, str | None]] = list(by_file.items())
        for path in self.site_dir.rglob("*.html"):
            name = path.relative_to(self.site_dir).as_posix()
            if name not in by_file:
                found.append((name, None))
        return sorted(
            (name, page_path) for name, page_path in found if only is None or page_path in only
        )

    def digest(self, name: str) -> str:
        rows = self._run("SELECT digest FROM rendered WHERE name = ?", name)
        return str(rows[0][0]) if rows else rendering_digest(self.read(name))

    def read(self, name: str) -> bytes:
        rows = self._run("SELECT html FROM rendered WHERE name = ?", name)
        if rows and isinstance(rows[0][0], bytes):
            return rows[0][0]
        assert self.site_dir is not None
        return (self.site_dir / name).read_bytes()
