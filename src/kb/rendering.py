"""What a build keeps for the next one: a hash of each generated page, and MkDocs' rendering.

``kb build`` gives MkDocs its pages from memory (``kb.site.mkdocs_pages``;
as files in ``.kb-cache/site-render/docs`` when the owner's plugins may read
them), with the media and assets in that folder. MkDocs renders into the new
site, and each page's rendering is kept in ``.kb-cache/site-render/rendered.sqlite``
(``kb.site.rendered``), where finishing reads the pages it did not render.
When nothing MkDocs' output depends on but the pages themselves has
changed since the last successful build (the effective configuration, the
owner's ``mkdocs.yml`` and theme folder, kb's and the engine's code, which
files exist, and no warnings last time), MkDocs renders only the pages
whose text changed (its ``dirty`` build): the navigation is the same short
one on every page, so a page's HTML depends on its own Markdown only.
Anything else, or a build that failed half-way, means a full render.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import kb
from kb.config import Settings
from kb.site.mkdocs_config import owner_theme_dir

#: Bump to make every kept rendering stale (the state's shape changed, say).
STATE_VERSION = 1


@dataclass(frozen=True)
class RenderFolder:
    """The kept folder of one project: pages, their rendering, and what they were made from."""

    root: Path

    @classmethod
    def of(cls, settings: Settings) -> RenderFolder:
        return cls(settings.root / ".kb-cache" / "site-render")

    @property
    def docs(self) -> Path:
        return self.root / "docs"

    @property
    def html(self) -> Path:
        """Where MkDocs' rendering was kept before ``rendered.sqlite`` (removed by a build);
        the effective configuration names it (``kb build`` renders elsewhere)."""
        return self.root / "html"

    @property
    def finished(self) -> Path:
        """The finishing's memo (``kb.site.finished``)."""
        return self.root / "finished.json"

    @property
    def state(self) -> Path:
        return self.root / "state.json"

    def take_state(self) -> dict[str, object]:
        """The last successful build's state, removed: a build that fails renders all next time."""
        try:
            state = json.loads(self.state.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            state = {}
        self.state.unlink(missing_ok=True)
        return state if isinstance(state, dict) else {}

    def keep_state(self, state: dict[str, object]) -> None:
        self.state.write_text(json.dumps(state, sort_keys=True), encoding="utf-8")


def _digest_tree(digest: hashlib._Hash, folder: Path) -> None:
    """Every file's path and bytes under ``folder``, in a stable order."""
    for here, _folders, names in sorted(os.walk(folder)):
        for name in sorted(names):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = Path(here, name)
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            try:
                digest.update(path.read_bytes())
            except OSError:
                digest.update(b"unreadable")


def code_digest() -> str:
    """kb's code and the versions of the engines and writers it drives."""
    digest = hashlib.sha256(f"{STATE_VERSION}".encode())
    engines = ("mkdocs", "mkdocs-material", "pymdown-extensions", "markdown")
    for name in (*engines, "bibtexparser", "rispy"):
        try:
            digest.update(f"{name}={metadata.version(name)}\n".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=none\n".encode())
    _digest_tree(digest, Path(kb.__file__).parent)
    return digest.hexdigest()


def render_state(
    settings: Settings,
    config_path: Path,
    docs_dir: Path,
    code: str | None = None,
    in_memory: Iterable[str] = (),
) -> dict[str, object]:
    """What MkDocs' output depends on besides the pages' own text (``code``: ``code_digest()``;
    ``in_memory``: the paths of pages given to MkDocs from memory, not in ``docs_dir``)."""
    code = code or code_digest()
    digest = hashlib.sha256(code.encode())
    digest.update(config_path.read_bytes())
    owner_config = settings.root / "mkdocs.yml"
    digest.update(owner_config.read_bytes() if owner_config.is_file() else b"")
    theme_dir = owner_theme_dir(settings)
    if theme_dir is not None:
        _digest_tree(digest, Path(theme_dir))
    files = sorted(
        {path.relative_to(docs_dir).as_posix() for path in docs_dir.rglob("*") if path.is_file()}
        | set(in_memory)
    )
    digest.update("\n".join(files).encode())
    return {"inputs": digest.hexdigest(), "code": code}


def can_render_changed_only(previous: dict[str, object], current: dict[str, object]) -> bool:
    """Whether rendering only the pages written now gives what a full render would."""
    return (
        bool(previous)
        and previous.get("inputs") == current["inputs"]
        and not previous.get("warnings")
    )
