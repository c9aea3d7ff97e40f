"""The last touches on the pages MkDocs rendered: fragments, language, skip link, weight.

After MkDocs has written the HTML, kb puts each page's generated fragments
in place, declares the page's own language (``<html lang="fr">``, and
``dir="rtl"`` for right-to-left scripts), gives every page a skip link to
its content, and swaps Material's stylesheets for one pruned to what the
site uses (``lighten``). Material's JavaScript (114 KB, 35 KB gzipped) is
dropped unless the site owner asks for it with ``extra.kb.material_javascript``:
the drawer, tabs and tables of contents work without it, and on a slow link
it is most of a page's weight. Doing this on the rendered HTML keeps the
owner's ``custom_dir`` templates theirs: kb overrides none of Material's.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kb import i18n
from kb.site.chrome import Chrome
from kb.site.lighten import Used, prune_stylesheet
from kb.site.pages import inject, page_url
from kb.typography import french_html, is_french

MATERIAL_STYLESHEET = re.compile(
    r'<link rel="stylesheet" href="(?P<base>[^"]*?)assets/stylesheets/'
    r'(?P<name>main|palette)\.[0-9a-f]+\.min\.css">\s*'
)
KB_STYLESHEET = re.compile(r'<link rel="stylesheet" href="[^"]*?assets/kb/kb\.css">\s*')
MATERIAL_SCRIPT = re.compile(
    r'<script id="__config" type="application/json">.*?</script>\s*'
    r'<script src="[^"]*?assets/javascripts/bundle\.[0-9a-f]+\.min\.js"></script>\s*',
    re.DOTALL,
)
HTML_TAG = re.compile(r'<html lang="[^"]*"')
BODY_TAG = re.compile(r"<body(?P<attributes>[^>]*)>")
MATERIAL_SKIP = re.compile(r'<a href="[^"]*" class="md-skip">')
CONTENT = '<div class="md-content" data-md-component="content">'
SKIP = '<a href="#kb-content" class="md-skip">Skip to content</a>'
#: Classes kb adds here, so the pruned stylesheet keeps their rules.
ADDED_CLASSES = ("md-skip",)


@dataclass
class Finish:
    """How to finish every page of one site."""

    default_language: str
    #: Page paths (``lessons/x.md``) of pages in another language.
    languages: Mapping[str, str] = field(default_factory=dict)
    #: The pruned stylesheet's address from the site root, or None to keep Material's.
    stylesheet: str | None = None
    material_javascript: bool = False
    #: The surroundings in each page's language and the language switch (multilingual sites).
    chrome: Chrome | None = None

    def page(self, html_text: str, page_path: str | None) -> str:
        """One rendered page, finished."""
        language = self.languages.get(page_path or "", self.default_language)
        direction = i18n.direction(language)
        html_text = HTML_TAG.sub(f'<html lang="{language}" dir="{direction}"', html_text, 1)
        html_text = BODY_TAG.sub(
            lambda m: (
                "<body"
                + re.sub(r'\sdir="[^"]*"', f' dir="{direction}"', m.group("attributes"))
                + ">"
            ),
            html_text,
            1,
        )
        html_text = MATERIAL_SKIP.sub('<a href="#kb-content" class="md-skip">', html_text, 1)
        if "md-skip" not in html_text:
            html_text = BODY_TAG.sub(lambda m: m.group(0) + SKIP, html_text, 1)
        html_text = html_text.replace(CONTENT, CONTENT[:-1] + ' id="kb-content">', 1)
        if is_french(language):
            html_text = _typeset_content(html_text)
        if self.chrome is not None and page_path is not None:
            url = page_url(page_path)
            html_text = self.chrome.translate(html_text, url, language)
            html_text = self.chrome.switch(html_text, page_path, url, language)
        if not self.material_javascript:
            html_text = MATERIAL_SCRIPT.sub("", html_text, 1)
        if self.stylesheet is not None:
            html_text = self._one_stylesheet(html_text)
        return html_text

    def _one_stylesheet(self, html_text: str) -> str:
        match = MATERIAL_STYLESHEET.search(html_text)
        if match is None:
            return html_text
        link = f'<link rel="stylesheet" href="{match.group("base")}{self.stylesheet}">'
        html_text = KB_STYLESHEET.sub("", html_text, 1)
        html_text = MATERIAL_STYLESHEET.sub("", html_text)
        return html_text[: match.start()] + link + html_text[match.start() :]


def _typeset_content(html_text: str) -> str:
    """French typography in a page's content (its surroundings come from the catalogues)."""
    start = html_text.find(CONTENT[:-1])
    end = html_text.rfind("</article>")
    if start < 0 or end < start:
        return html_text
    return html_text[:start] + french_html(html_text[start:end]) + html_text[end:]


def _rendered_pages(
    site_dir: Path, page_paths: Iterable[str], only: set[str] | None
) -> list[tuple[Path, str | None]]:
    """The HTML files to finish, each with the generated page it came from (None: MkDocs' own)."""
    by_file = {page_url(p) + "index.html": p for p in page_paths}
    found = []
    for path in sorted(site_dir.rglob("*.html")):
        page_path = by_file.get(path.relative_to(site_dir).as_posix())
        if only is None or page_path in only:
            found.append((path, page_path))
    return found


def site_stylesheet(site_dir: Path, used: Used, readers: str) -> str:
    """Write Material's and kb's stylesheets pruned into one; return its address from the root.

    ``readers``: the owner's own stylesheets, whose custom properties are kept.
    kb's own stylesheet is kept whole: it styles what its scripts make too.
    """
    material = site_dir / "assets" / "stylesheets"
    css = [
        path.read_text(encoding="utf-8")
        for name in ("main", "palette")
        for path in sorted(material.glob(f"{name}.*.min.css"))
    ]
    own = (site_dir / "assets" / "kb" / "kb.css").read_text(encoding="utf-8")
    pruned = prune_stylesheet("\n".join(css), used, readers + own)
    text = (pruned + "\n" + own).encode("utf-8")
    name = f"assets/kb/site.{hashlib.sha256(text).hexdigest()[:10]}.css"
    (site_dir / name).write_bytes(text)
    return name


def owner_stylesheets(site_dir: Path, mkdocs: Mapping[str, object]) -> list[str]:
    """The text of the owner's ``extra_css`` files the site has."""
    paths = mkdocs.get("extra_css")
    found = []
    for entry in paths if isinstance(paths, list) else []:
        path = site_dir / str(entry)
        if path.is_file():
            found.append(path.read_text(encoding="utf-8", errors="replace"))
    return found


def finish_site(
    site_dir: Path,
    finish: Finish,
    page_paths: Iterable[str],
    fragments: Mapping[str, Mapping[str, str]],
    *,
    lighten: bool,
    only: set[str] | None = None,
    readers: Iterable[str] = (),
) -> None:
    """Inject fragments into and finish the rendered pages (``only``: these page paths).

    With ``lighten``, every page is read first to learn which classes the
    site uses, and Material's stylesheets are replaced by the pruned one;
    ``readers`` are the owner's stylesheets, whose custom properties stay.
    """
    targets = _rendered_pages(site_dir, page_paths, only)
    if lighten:
        used = Used(classes=set(ADDED_CLASSES))
        for path, _ in targets:
            used.add_page(path.read_text(encoding="utf-8"))
        for parts in fragments.values():
            for fragment in parts.values():
                used.add_page(fragment)
        if finish.material_javascript:
            for script in (site_dir / "assets" / "javascripts").glob("bundle.*.min.js"):
                used.add_script(script.read_text(encoding="utf-8"))
        finish.stylesheet = site_stylesheet(site_dir, used, "\n".join(readers))
    for path, page_path in targets:
        text = path.read_text(encoding="utf-8")
        if page_path is not None and page_path in fragments:
            text = inject(text, fragments[page_path])
        path.write_text(finish.page(text, page_path), encoding="utf-8")
