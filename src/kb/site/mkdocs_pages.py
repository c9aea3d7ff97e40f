"""What kb adds to MkDocs' run: the generated pages from memory, and compiled templates.

Writing 1,204 Markdown files for MkDocs to read back took 2.4 s of a clean
build's main process (1,000 generated documents, profiled, beside the
helpers) on the shared test machine, where creating a file takes 0.4-0.7 ms
(writing into one that exists, 0.07 ms). MkDocs
1.6 takes pages from a plugin's ``on_files`` as ``File.generated`` with
their text, and kb adds one such plugin to the configuration it loads.

MkDocs renders every in-memory page on every build, even a ``dirty`` one;
here, a page is rendered again only when its text changed since the last
build (``changed``) or the store (``kb.site.rendered``) has no rendering of
it: what MkDocs decides for a file from its date and its HTML's.

The theme's templates are compiled once and kept (``compiled_templates``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import jinja2
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

from kb.site.markup import compiled_templates
from kb.site.mkdocs_config import SEARCH_ASSETS
from kb.site.rendered import RenderingStore

_SEARCH_FOLDERS = tuple(f"{folder}/" for folder in SEARCH_ASSETS)


class _Page(File):
    """A generated page that knows whether it must be rendered again."""

    changed = True

    def is_modified(self) -> bool:
        return self.changed


class KbRendering(BasePlugin):  # type: ignore[type-arg,no-untyped-call]
    """Adds ``texts`` (Markdown by page path; ``changed``: those that changed) to the site's
    files, keeps the theme's compiled templates, and with a ``store``, keeps there each
    page's rendering: a page whose text did not change is rendered again only when the
    store has no rendering of it. Material's search files (kb's search is Pagefind's)
    are left out."""

    def __init__(
        self,
        texts: Mapping[str, str] | None = None,
        changed: Collection[str] = (),
        store: RenderingStore | None = None,
    ) -> None:
        super().__init__()
        self.texts = texts or {}
        self.changed = changed
        self.store = store

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        kept = self.store.names() if self.store is not None else set()
        for path, text in self.texts.items():
            page = _Page.generated(config, path, content=text)
            assert isinstance(page, _Page)
            page.changed = path in self.changed or page.dest_uri not in kept
            files.append(page)
        if self.store is not None:
            for search in [f for f in files if f.dest_uri.startswith(_SEARCH_FOLDERS)]:
                files.remove(search)
        return files

    def on_post_page(self, output: str, /, *, page: Page, config: MkDocsConfig) -> str:
        if self.store is not None:
            self.store.put(page.file.dest_uri, output.encode("utf-8", errors="xmlcharrefreplace"))
        return output

    def on_env(
        self, env: jinja2.Environment, /, *, config: MkDocsConfig, files: Files
    ) -> jinja2.Environment:
        env.bytecode_cache = compiled_templates()
        return env
