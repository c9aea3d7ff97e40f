"""The index on disk: built in full or incrementally, one writer at a time, swapped in whole."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.codec import default_codec
from whoosh.searching import Searcher
from whoosh.util.filelock import FileLock

from kb.errors import KbError
from kb.model import Document, KnowledgeBase
from kb.search.bulk import TermPool
from kb.search.fields import INDEX_NAME, content_hash, index_fields, index_schema, index_version
from kb.search.query import Searching
from kb.search.querymodel import QueryModel
from kb.search.results import UpdateStats
from kb.search.scoring import CachedLengthsBM25F

LOCK_TIMEOUT = 10.0
#: Postings per block (Whoosh's default is 128): a search reads every posting of a
#: term, and each block costs a decompression, an unpickling and Python's calls.
BLOCK_POSTINGS = 1024
#: The query model's rewrites of aliases, kept beside the index (``querymodel.rewrite``).
REWRITES = "query-rewrites.json"


# -- the index ----------------------------------------------------------------------


def _by_id(doc: Document) -> str:
    return doc.id


class SearchIndex(Searching):
    """The Whoosh index of one knowledge base, kept in ``index_dir``.

    ``<project>/.kb-cache/index/`` by convention (``for_project``). Use as a
    context manager, or call ``close()``, to release the open index files.
    """

    def __init__(self, index_dir: Path, *, lock_timeout: float = LOCK_TIMEOUT) -> None:
        self.index_dir = Path(index_dir)
        self.lock_timeout = lock_timeout
        self._ix: Any = None
        self._searcher: Searcher | None = None
        self._facet_sets: dict[str, dict[str, frozenset[int]]] | None = None
        self._rewrite_map: dict[str, str] | None = None

    @classmethod
    def for_project(cls, project_root: Path, **kwargs: Any) -> SearchIndex:
        return cls(Path(project_root) / ".kb-cache" / "index", **kwargs)

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        if self._ix is not None:
            self._ix.close()
            self._ix = None
        self._facet_sets = None

    # -- building --------------------------------------------------------------

    def update(self, knowledge_base: KnowledgeBase) -> UpdateStats:
        """Bring the index in line with the knowledge base (drafts included, marked).

        Only documents whose content hash changed are re-indexed; documents
        no longer there are removed. The whole index is rebuilt when it is
        missing, unreadable or of another ``INDEX_VERSION``.
        """
        start = time.perf_counter()
        documents = {d.id: d for d in sorted(knowledge_base.documents.values(), key=_by_id)}
        taxonomy = knowledge_base.taxonomy
        model = QueryModel(taxonomy, knowledge_base.glossary)
        labels = {doc_id: model.lead(doc) for doc_id, doc in documents.items()}
        wanted = {doc_id: content_hash(doc, labels[doc_id]) for doc_id, doc in documents.items()}
        self.close()
        with self._build_lock():
            self._remove_leftovers()
            existing = self._existing_hashes()
            if existing is None:
                self._full_build(documents, labels, wanted)
                stats = UpdateStats(len(wanted), 0, 0, 0, rebuilt=True)
            else:
                try:
                    stats = self._incremental(documents, labels, wanted, existing)
                except KbError:
                    raise
                except Exception:
                    # Damaged in a way opening it did not show: the index is a cache.
                    self._full_build(documents, labels, wanted)
                    stats = UpdateStats(len(wanted), 0, 0, 0, rebuilt=True)
            self._save_rewrites(model.rewrites)
        return UpdateStats(
            stats.added,
            stats.updated,
            stats.removed,
            stats.unchanged,
            stats.rebuilt,
            round(time.perf_counter() - start, 3),
        )

    def _save_rewrites(self, rewrites: dict[str, str]) -> None:
        """Keep the query model's rewrites beside the index, for searches without it."""
        self._rewrite_map = dict(rewrites)
        path = self.index_dir / REWRITES
        data = json.dumps(rewrites, sort_keys=True, ensure_ascii=False).encode("utf-8")
        with contextlib.suppress(OSError):
            if not path.exists() or path.read_bytes() != data:
                partial = path.with_suffix(".partial")
                partial.write_bytes(data)
                os.replace(partial, path)

    def _rewrites(self) -> dict[str, str]:
        if self._rewrite_map is None:
            try:
                loaded = json.loads((self.index_dir / REWRITES).read_text(encoding="utf-8"))
                self._rewrite_map = {str(k): str(v) for k, v in dict(loaded).items()}
            except (OSError, ValueError, TypeError):
                self._rewrite_map = {}
        return self._rewrite_map

    def _mark_damaged(self) -> None:
        """Have the next update rebuild the index."""
        self.close()
        with contextlib.suppress(OSError):
            (self.index_dir / "kb-index.json").unlink()

    @contextlib.contextmanager
    def _build_lock(self) -> Iterator[None]:
        self.index_dir.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.index_dir.parent / f"{self.index_dir.name}.lock"
        lock = FileLock(str(lock_path))
        deadline = time.monotonic() + self.lock_timeout
        while not lock.acquire(blocking=False):
            if time.monotonic() >= deadline:
                raise KbError(
                    f"{self.index_dir}: another kb process is updating the search index "
                    f"and did not finish within {self.lock_timeout:g} s; try again when it "
                    "is done"
                )
            time.sleep(0.05)
        try:
            yield
        finally:
            lock.release()

    def _remove_leftovers(self) -> None:
        """Folders of builds that were interrupted (we hold the lock: none is running)."""
        for pattern in (f"{self.index_dir.name}.building-*", f"{self.index_dir.name}.old-*"):
            for leftover in self.index_dir.parent.glob(pattern):
                shutil.rmtree(leftover, ignore_errors=True)

    def _existing_hashes(self) -> dict[str, str] | None:
        """id → hash of what the index holds, or None when it must be rebuilt."""
        try:
            marker = json.loads((self.index_dir / "kb-index.json").read_text(encoding="utf-8"))
            if marker.get("version") != index_version():
                return None
            ix = open_index(self.index_dir)
        except Exception:
            # Missing, half-deleted or unreadable: the index is a cache, write it anew.
            return None
        try:
            with ix.reader() as reader:
                ids = reader.column_reader("id")
                hashes = reader.column_reader("hash")
                return {ids[n]: hashes[n] for n in reader.all_doc_ids()}
        except Exception:
            return None
        finally:
            ix.close()

    def _full_build(
        self,
        documents: Mapping[str, Document],
        labels: Mapping[str, str],
        wanted: Mapping[str, str],
    ) -> None:
        parent = self.index_dir.parent
        building = Path(tempfile.mkdtemp(prefix=f"{self.index_dir.name}.building-", dir=parent))
        try:
            ix = whoosh_index.create_in(str(building), index_schema(), indexname=INDEX_NAME)
            writer = ix.writer(codec=writer_codec())
            pool = writer.pool = TermPool()
            try:
                for doc_id, doc in documents.items():
                    fields = index_fields(doc, labels[doc_id])
                    pool.add_document(writer, {"hash": wanted[doc_id], **fields})
                pool.write(writer)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            ix.close()
            (building / "kb-index.json").write_text(
                json.dumps({"version": index_version()}), encoding="utf-8"
            )
            self._swap_in(building)
        finally:
            shutil.rmtree(building, ignore_errors=True)

    def _swap_in(self, building: Path) -> None:
        """Put a complete new index in place of the old one."""
        old = self.index_dir.parent / f"{self.index_dir.name}.old-{os.getpid()}"
        if self.index_dir.exists():
            os.replace(self.index_dir, old)
        os.replace(building, self.index_dir)
        shutil.rmtree(old, ignore_errors=True)

    def _incremental(
        self,
        documents: Mapping[str, Document],
        labels: Mapping[str, str],
        wanted: Mapping[str, str],
        existing: Mapping[str, str],
    ) -> UpdateStats:
        added = [i for i in wanted if i not in existing]
        updated = [i for i in wanted if i in existing and existing[i] != wanted[i]]
        removed = [i for i in existing if i not in wanted]
        unchanged = len(wanted) - len(added) - len(updated)
        if added or updated or removed:
            ix = open_index(self.index_dir)
            try:
                try:
                    writer = ix.writer(timeout=self.lock_timeout, codec=writer_codec())
                except whoosh_index.LockError:
                    raise KbError(
                        f"{self.index_dir}: the index is locked by another program "
                        "(its WRITELOCK file is held); try again when it is done"
                    ) from None
                try:
                    for doc_id in (*removed, *updated):
                        writer.delete_by_term("id", doc_id)
                    for doc_id in (*added, *updated):
                        fields = index_fields(documents[doc_id], labels[doc_id])
                        writer.add_document(hash=wanted[doc_id], **fields)
                except BaseException:
                    writer.cancel()
                    raise
                writer.commit()
            finally:
                ix.close()
        return UpdateStats(len(added), len(updated), len(removed), unchanged)

    def _open_searcher(self) -> Searcher:
        if self._searcher is None:
            try:
                marker = json.loads((self.index_dir / "kb-index.json").read_text(encoding="utf-8"))
                if marker.get("version") != index_version():
                    raise KbError(
                        f"{self.index_dir}: the search index is from another version of kb; "
                        "update it first (kb search does)"
                    )
                self._ix = open_index(self.index_dir)
            except KbError:
                raise
            except Exception:
                raise KbError(
                    f"{self.index_dir}: there is no usable search index here; "
                    "build it first (kb search does)"
                ) from None
            self._searcher = self._ix.searcher(weighting=CachedLengthsBM25F())
        return self._searcher


def writer_codec() -> Any:
    """Whoosh's codec, without per-term length statistics, with larger blocks.

    The statistics serve only Whoosh's top-N shortcut (skipping blocks that
    cannot make the top), which ``search`` does not use since it counts every
    match; gathering them looks up a field length for every posting written.
    """
    codec = default_codec()
    codec.length_stats = False
    codec._blocklimit = BLOCK_POSTINGS
    return codec


class Unreadable(Exception):
    """The index files could not be opened."""


def open_index(index_dir: Path) -> Any:
    # When Whoosh fails to read its files it leaves one open, referenced from the
    # traceback; it is closed here, once the traceback is gone, without the
    # ResourceWarning surfacing at some later moment.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        try:
            return whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
        except Exception as exc:
            failure = f"{type(exc).__name__}: {exc}"
        gc.collect()
    raise Unreadable(failure)
