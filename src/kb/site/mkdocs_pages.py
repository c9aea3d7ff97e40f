"""The generated pages handed to MkDocs from memory, not from files.

Writing 1,200 Markdown files for MkDocs to read back cost a clean build
about a second on the shared test machine, where creating a file takes
half a millisecond (writing into one that exists, a tenth of that). MkDocs
1.6 takes pages from a plugin's ``on_files`` as ``File.generated`` with
their text, and kb adds one such plugin to the configuration it loads.

MkDocs renders every in-memory page on every build, even a ``dirty`` one;
here, a page is rendered again only when its text changed since the last
build (``changed``) or its HTML is missing, which is what MkDocs decides
for a file from its dates.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files


class _Page(File):
    """A generated page that knows whether it changed since the last build."""

    changed = True

    def is_modified(self) -> bool:
        return self.changed or not os.path.isfile(self.abs_dest_path)


class InMemoryPages(BasePlugin):  # type: ignore[type-arg,no-untyped-call]
    """Adds ``texts`` (Markdown by page path) to the site's files."""

    def __init__(self, texts: Mapping[str, str], changed: Collection[str]) -> None:
        super().__init__()
        self.texts = texts
        self.changed = changed

    def on_files(self, files: Files, /, *, config: MkDocsConfig) -> Files:
        for path, text in self.texts.items():
            page = _Page.generated(config, path, content=text)
            assert isinstance(page, _Page)
            page.changed = path in self.changed
            files.append(page)
        return files
