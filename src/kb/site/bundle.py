"""The site as one zip that works when unzipped and opened from disk (``file://``).

``kb build --bundle`` writes ``downloads/<site>-offline.zip`` and the downloads
page offers it. From disk a browser neither opens a folder's ``index.html``
for a link to the folder nor lets Pagefind fetch its index, so the bundle's
copy of each page differs from the site's in three ways: every link to a
folder names its ``index.html``; the service worker's banner and registration
are left out; and the search pages run lunr (the copy MkDocs ships for its own
search, with its French and other stemmers) over the documents, which come
as a script (``search/bundle-index.js``) since a page opened from disk may
load scripts but not fetch files. Filters (type, theme, level, language)
work on the same records. Pagefind's index, the precompressed copies, the
worker, the sitemap and the not-found page (whose addresses start from the
host's root) stay out of the zip.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from kb import i18n, urls
from kb.config import Settings
from kb.errors import KbError
from kb.model import Document, KnowledgeBase
from kb.output import rewrite
from kb.search.analysis import plain_text
from kb.site.offline import MANIFEST, WORKER, slug
from kb.site.pages import country_name, filesize, language_name, type_label

#: Where the zip goes on the site.
FOLDER = "downloads"
#: The downloads page's offer of the zip, hidden until the build has made it.
OFFER = '<div id="kb-bundle" hidden>'
SIZE = "<span data-kb-bundle-size></span>"
#: Characters of a document's body kept for the bundle's search: its opening, where
#: the matter is, beside its title, summary and labels. lunr indexes the records in
#: the browser when a query comes, which takes about 2 ms per document at this
#: length on the benchmark machine (11 s at 5,000 documents; 31 s with 3,000).
TEXT_LIMIT = 1_000
LEFT_OUT = re.compile(
    r"(?:\.(?:gz|br|zip)$|^(?:pagefind/|404\.html$|sitemap\.xml$|"
    + re.escape(WORKER)
    + "$|"
    + re.escape(MANIFEST)
    + "$))"
)
#: A relative address in a link or form (not a scheme, an absolute path or a fragment).
ADDRESS = re.compile(r'\b(href|action)="(?![a-zA-Z][a-zA-Z0-9+.-]*:|/|#)([^"?#]*)([^"]*)"')
SEARCH_SCRIPT = re.compile(
    r'(?:<link rel="modulepreload" href="[^"]*assets/kb/search-engine\.js">\s*)?'
    r'<script type="module" (?:async )?src="(?P<base>[^"]*)assets/kb/search\.js"></script>'
)
OFFLINE_BANNER = re.compile(r'<p id="kb-offline"[^>]*>.*?</p>', re.DOTALL)
OFFLINE_SCRIPT = re.compile(r"<script>\(\(\)=>\{const n=navigator.*?</script>", re.DOTALL)
LUNR_LANGUAGES = ("lunr.stemmer.support.js", "lunr.multi.js")
DATA = "search/bundle-index.js"
SEARCH_JS = "assets/kb/bundle-search.js"


@dataclass(frozen=True)
class Bundle:
    path: Path
    size: int
    files: int


def for_disk(html_text: str) -> str:
    """A page whose links work from disk, without the service worker's parts."""

    def named(match: re.Match[str]) -> str:
        attribute, path, rest = match.groups()
        if path == "" and rest.startswith("#"):
            return match.group(0)
        if path == "" or path.endswith("/") or path.rsplit("/", 1)[-1] in (".", ".."):
            path = (path.rstrip("/") + "/" if path else "") + "index.html"
        return f'{attribute}="{path}{rest}"'

    html_text = OFFLINE_BANNER.sub("", html_text, 1)
    html_text = OFFLINE_SCRIPT.sub("", html_text, 1)
    return ADDRESS.sub(named, html_text)


def lunr_files(languages: Sequence[str]) -> dict[str, bytes]:
    """lunr and the stemmers of the site's languages, from the installed MkDocs."""
    spec = importlib.util.find_spec("mkdocs")
    if spec is None or not spec.submodule_search_locations:
        raise KbError("the bundle needs MkDocs' copy of lunr, and MkDocs is not installed")
    search = Path(spec.submodule_search_locations[0]) / "contrib" / "search"
    found = {"lunr.js": (search / "templates" / "search" / "lunr.js").read_bytes()}
    others = [i18n.primary(lang) for lang in languages if i18n.primary(lang) != "en"]
    stemmers = [f"lunr.{code}.js" for code in others]
    for name in (*LUNR_LANGUAGES, *stemmers) if others else ():
        path = search / "lunr-language" / name
        if path.is_file():
            found[name] = path.read_bytes()
    return found


def search_data(
    settings: Settings, knowledge_base: KnowledgeBase, documents: Sequence[Document]
) -> dict[str, Any]:
    """The records the bundle's search indexes and filters, with the filters' labels."""
    taxonomy = knowledge_base.taxonomy
    records = []
    for doc in documents:
        themes = [taxonomy.themes[t].label_in(doc.language) for t in doc.themes]
        levels = [taxonomy.levels[lv].label_in(doc.language) for lv in doc.levels]
        countries = [country_name(c, doc.language) for c in doc.countries]
        programme = [taxonomy.programmes[doc.programme].name] if doc.programme else []
        text = plain_text(doc.body)
        records.append(
            {
                "url": urls.document_url(doc) + "index.html",
                "title": doc.title,
                "summary": doc.summary,
                "tags": " ".join([*themes, *levels, *countries, *programme]),
                "text": text[:TEXT_LIMIT],
                "facts": " · ".join(
                    [type_label(doc.type, language=doc.language), *levels, *countries]
                ),
                "filters": {
                    "type": [doc.type],
                    "theme": list(doc.themes),
                    "level": list(doc.levels),
                    "language": [doc.language],
                },
            }
        )
    used_languages = sorted({d.language for d in documents})
    types = sorted({d.type for d in documents})
    return {
        "languages": sorted({i18n.primary(code) for code in used_languages}),
        # The filters' labels in each language of the site: each search page shows its own.
        "filters": {
            language: {
                "type": {t: type_label(t, language=language) for t in types},
                "theme": {k: v.label_in(language) for k, v in taxonomy.themes.items()},
                "level": {t.id: t.label_in(language) for t in taxonomy.levels_in_order()},
                "language": {code: language_name(code, language) for code in used_languages},
            }
            for language in settings.site_languages
        },
        "default_language": settings.default_language,
        "documents": records,
    }


def _site_files(site_dir: Path) -> Iterator[tuple[str, Path]]:
    for folder, folders, names in os.walk(site_dir):
        folders.sort()
        for name in sorted(names):
            path = Path(folder, name)
            relative = path.relative_to(site_dir).as_posix()
            if not LEFT_OUT.search(relative):
                yield relative, path


def write_bundle(
    site_dir: Path,
    target: Path,
    settings: Settings,
    knowledge_base: KnowledgeBase,
    documents: Sequence[Document],
) -> Bundle:
    """Zip the finished site in ``site_dir`` into ``target`` for reading from disk."""
    folder = slug(settings.site_name)
    lunr = lunr_files(settings.site_languages)
    order = [n for n in lunr if n != "lunr.js"]
    data = search_data(settings, knowledge_base, documents)
    script = (
        "window.kbBundleSearch = "
        + json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
        + ";\n"
    )
    search_js = files("kb.site").joinpath("templates/bundle-search.js").read_bytes()
    count = 0
    temporary = target.with_name(f".{target.name}.part")
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:

        def add(name: str, payload: bytes) -> None:
            nonlocal count
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, payload, compresslevel=9)
            count += 1

        for relative, path in _site_files(site_dir):
            payload = path.read_bytes()
            if relative.endswith(".html"):
                text = for_disk(payload.decode("utf-8"))
                if SEARCH_SCRIPT.search(text):
                    text = search_page(text, order)
                payload = text.encode("utf-8")
            add(relative, payload)
        for name, payload in lunr.items():
            add(f"assets/kb/lunr/{name}", payload)
        add(DATA, script.encode("utf-8"))
        add(SEARCH_JS, search_js)
    temporary.replace(target)
    return Bundle(target, target.stat().st_size, count)


def search_page(html_text: str, stemmers: Sequence[str]) -> str:
    """A search page that loads lunr, the records and the bundle's search instead of Pagefind."""

    def scripts(match: re.Match[str]) -> str:
        base = match.group("base")
        names = ["lunr.js", *stemmers]
        tags = [f'<script src="{base}assets/kb/lunr/{n}"></script>' for n in names]
        tags += [
            f'<script src="{base}{DATA}"></script>',
            f'<script src="{base}{SEARCH_JS}"></script>',
        ]
        return "".join(tags)

    return SEARCH_SCRIPT.sub(scripts, html_text, 1)


def offer_bundle(site_dir: Path, bundle: Bundle) -> None:
    """Show the downloads pages' offer of the bundle, with its size."""
    size = filesize(bundle.size)
    for page in site_dir.rglob("downloads/index.html"):
        text = page.read_text(encoding="utf-8")
        if OFFER in text:
            text = text.replace(OFFER, '<div id="kb-bundle">', 1)
            text = text.replace(SIZE, SIZE.replace("><", f">{size}<"), 1)
            rewrite(page, text)
