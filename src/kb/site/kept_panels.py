"""The document panels of the last build, taken again when what they are made from is the same.

A document page's panels (its facts, translations, citation, related
documents, backlinks, the same theme at other levels, packs) are rendered
from templates in the build's panels process, for every document, on every
build; the relations must be worked out again (an edit can change any
document's neighbours), but rendering them again is needed only where
something a panel shows changed. Each document's panels are kept with a
hash of everything passed to their templates (each document in them by a
hash of all its fields), of the page's address, the vocabularies, the
site's settings and kb's code.

The browse pages' lists of documents (``ListingMemo``) are kept the same
way: rendering them all again is most of the main process's page making on
a rebuild, and an edit to one document's body changes none of them (only its
own hash, so only the lists that hold it are rendered again).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, TypeVar

from kb.graph import Related
from kb.model import Document
from kb.site.finished import digest, read_memo

#: Bump to make every kept panel stale (the memo's shape changed, say).
MEMO_VERSION = 1

_Memo = TypeVar("_Memo", bound="PanelMemo")


@dataclass
class PanelMemo:
    """Panels by document id, read from ``path`` and written back with this build's."""

    path: Path
    salt: str
    _old: dict[str, Any] = field(default_factory=dict, repr=False)
    _new: dict[str, list[object]] = field(default_factory=dict, repr=False)
    _documents: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls: type[_Memo], path: Path, salt: str) -> _Memo:
        memo = cls(path, digest(str(MEMO_VERSION), salt))
        panels = read_memo(path, memo.salt).get("panels")
        memo._old = panels if isinstance(panels, dict) else {}
        return memo

    def _document(self, doc: Document) -> str:
        found = self._documents.get(doc.id)
        if found is None:
            found = self._documents[doc.id] = digest(repr(doc))
        return found

    def _described(self, value: object) -> object:
        """``value`` as JSON, each document in it by its hash."""
        if isinstance(value, Document):
            return ["document", self._document(value)]
        if isinstance(value, Related):
            return ["related", self._document(value.document), value.score, value.reason]
        if isinstance(value, Mapping):
            return {str(k): self._described(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self._described(v) for v in value]
        if is_dataclass(value) and not isinstance(value, type):
            parts = (self._described(getattr(value, f.name)) for f in fields(value))
            return [type(value).__name__, *parts]
        return repr(value)

    def key(self, *context: object) -> str:
        """The hash of what one document's panels are made from."""
        return digest(self.salt, json.dumps(self._described(context), sort_keys=True))

    def panels(self, doc_id: str, key: str) -> dict[str, str] | None:
        entry = self._old.get(doc_id)
        if not (isinstance(entry, list) and len(entry) == 2 and entry[0] == key):
            return None
        made = entry[1]
        if not isinstance(made, dict) or not all(isinstance(v, str) for v in made.values()):
            return None
        self._new[doc_id] = [key, made]
        return dict(made)

    def keep(self, doc_id: str, key: str, made: Mapping[str, str]) -> None:
        self._new[doc_id] = [key, dict(made)]

    def save(self) -> None:
        """Keep this build's panels (only those) for the next build."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        memo = {"salt": self.salt, "panels": self._new}
        self.path.write_text(json.dumps(memo, ensure_ascii=False), encoding="utf-8")


class ListingMemo(PanelMemo):
    """The browse pages' lists of documents, by language and page, kept as the panels are:
    by a hash of what the list's template is given (each document by a hash of all its
    fields), the vocabularies, the site's settings and kb's code (``salt``)."""

    def listing(self, place: str, key: str) -> str | None:
        kept = self.panels(place, key)
        return kept.get("html") if kept is not None else None

    def keep_listing(self, place: str, key: str, html: str) -> None:
        self.keep(place, key, {"html": html})
