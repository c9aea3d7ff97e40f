"""What finishing keeps for the next build: each page's inputs, its classes and its result.

Finishing (``kb.site.finish``) reads every rendered page to learn the
classes the site uses, prunes Material's stylesheet to them, and then
rewrites every page. After a small edit nearly every page's inputs are
those of the last build, so the memo keeps, for each page, a hash of what
it was made from (the rendered HTML, its fragments, its language and
language versions, the finishing's settings and kb's code), the classes
it uses, and a hash of the finished file. An unchanged page is then taken
from the site being replaced, and only if that file still hashes to what
was written: a file changed by hand, or by a later stage of the build (the
search pages' preloading), is finished again. The pruned stylesheet is kept
by a hash of the classes and stylesheets it was made from.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.site.lighten import Used

#: Bump to make every kept entry stale (the memo's shape changed, say).
MEMO_VERSION = 2


def digest(*parts: str | bytes) -> str:
    """A short hash of ``parts``, each one delimited (two parts never read as one)."""
    hashed = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        hashed.update(len(data).to_bytes(8, "little") + data)
    return hashed.hexdigest()[:32]


def read_memo(path: Path, salt: str) -> dict[str, Any]:
    """What a memo file holds, when it was written with ``salt``; empty when it is
    missing, unreadable or another build's (another salt)."""
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return old if isinstance(old, dict) and old.get("salt") == salt else {}


def fragments_text(fragments: Mapping[str, str] | None) -> str:
    return json.dumps(dict(fragments or {}), sort_keys=True, ensure_ascii=False)


@dataclass
class FinishMemo:
    """The last build's finishing, read from ``path``, and this build's, written back to it.

    ``salt``: what every entry depends on besides its own inputs (kb's code).
    ``previous``: the site this build replaces, where unchanged pages are taken from.
    """

    path: Path
    salt: str
    previous: Path | None = None
    _old: dict[str, object] = field(default_factory=dict, repr=False)
    _new_pages: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _new_classes: dict[str, str] = field(default_factory=dict, repr=False)
    _new_sets: dict[str, list[object]] = field(default_factory=dict, repr=False)
    _stylesheet: list[str] = field(default_factory=list, repr=False)

    @classmethod
    def load(cls, path: Path, salt: str, previous: Path | None) -> FinishMemo:
        memo = cls(path, salt, previous)
        memo._old = read_memo(path, digest(str(MEMO_VERSION), salt))
        return memo

    def _table(self, name: str) -> dict[str, object]:
        table = self._old.get(name)
        return table if isinstance(table, dict) else {}

    # -- the classes each page uses -----------------------------------------------

    def page_key(self, rendered: str, page_path: str | None, fragments: str) -> str:
        """What a page's classes and, with the finishing's settings, its result come from
        (``rendered``: a hash of MkDocs' rendering of it)."""
        return digest(self.salt, page_path or "", rendered, fragments)

    def classes(self, key: str) -> Used | None:
        """The classes of the page with ``key`` as the last build found them."""
        set_id = self._table("classes").get(key)
        entry = self._table("sets").get(set_id) if isinstance(set_id, str) else None
        if not isinstance(entry, list) or len(entry) != 2:
            return None
        classes, colours = entry
        used = Used(classes=set(classes), colours={k: set(v) for k, v in colours.items()})
        self.keep_classes(key, used)
        return used

    def keep_classes(self, key: str, used: Used) -> None:
        entry: list[object] = [
            sorted(used.classes),
            {name: sorted(values) for name, values in sorted(used.colours.items())},
        ]
        set_id = digest(json.dumps(entry))
        self._new_sets[set_id] = entry
        self._new_classes[key] = set_id

    # -- the stylesheet -------------------------------------------------------------

    def stylesheet(self, key: str) -> str | None:
        kept = self._old.get("stylesheet")
        if isinstance(kept, list) and len(kept) == 2 and kept[0] == key:
            self._stylesheet = [key, str(kept[1])]
            return str(kept[1])
        return None

    def keep_stylesheet(self, key: str, text: str) -> None:
        self._stylesheet = [key, text]

    # -- finished pages -------------------------------------------------------------

    def finished(self, name: str, key: str) -> bytes | None:
        """The previous site's file ``name`` when it is what the same inputs gave last time."""
        entry = self._table("pages").get(name)
        if self.previous is None or not isinstance(entry, list) or entry[0] != key:
            return None
        try:
            data = (self.previous / name).read_bytes()
        except OSError:
            return None
        if digest(data) != entry[1]:
            return None
        self._new_pages[name] = [key, entry[1]]
        return data

    def keep_finished(self, name: str, key: str, data: bytes) -> None:
        self._new_pages[name] = [key, digest(data)]

    def save(self) -> None:
        """Keep this build's entries (only what it used) for the next one."""
        used_sets = set(self._new_classes.values())
        memo = {
            "salt": digest(str(MEMO_VERSION), self.salt),
            "pages": self._new_pages,
            "classes": self._new_classes,
            "sets": {k: v for k, v in self._new_sets.items() if k in used_sets},
            "stylesheet": self._stylesheet,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(memo, sort_keys=True), encoding="utf-8")
