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
import html
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kb import i18n
from kb.output import write_or_link
from kb.site import offline
from kb.site.chrome import Chrome
from kb.site.finished import FinishMemo, digest, fragments_text
from kb.site.lighten import Used, prune_stylesheet
from kb.site.pages import TOC, inject, page_url, placeholder
from kb.site.problem_banner import with_notice
from kb.site.rendered import Rendered, RenderedFiles
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
MATERIAL_SKIP = re.compile(r'<a href="[^"]*" class="md-skip">.*?</a>', re.DOTALL)
CONTENT = '<div class="md-content" data-md-component="content">'
HEADER_END = re.compile(r'(<header class="md-header"[^>]*>.*?)(</nav>)', re.DOTALL)
LANGUAGE_SWITCH = '<div class="kb-language-switch"'
BASE = re.compile(r'<link rel="stylesheet" href="(?P<base>[^"]*?)assets/')
#: A table from Markdown (no class), not already in Material's scrolling wrapper.
BARE_TABLE = re.compile(r"(?<!<div class=\"md-typeset__table\">)<table>(.*?)</table>", re.DOTALL)
SCROLLING = (
    '<div class="md-typeset__scrollwrap" tabindex="0" role="region" aria-label="{label}">'
    '<div class="md-typeset__table">{table}</div></div>'
)
SKIP = '<a href="#kb-content" class="md-skip">{label}</a>'
#: Classes kb adds here, so the pruned stylesheet keeps their rules.
ADDED_CLASSES = ("md-skip", "md-typeset__scrollwrap", "md-typeset__table")
HEADER_SEARCH = (
    '<form class="kb-header-search" action="{base}search/" method="get" role="search"'
    ' aria-label="{name}">'
    '<label for="kb-header-q" class="kb-visually-hidden">{label}</label>'
    '<input id="kb-header-q" name="q" type="search" placeholder="{placeholder}" autocomplete="off">'
    "</form>"
)
#: Material's drawer checkbox, and the checkbox and label of each section of its navigation.
DRAWER = re.compile(
    r'<input class="md-toggle" data-md-toggle="drawer" type="checkbox" id="__drawer"[^>]*>\s*'
)
MENU_BUTTON = '<label class="md-header__button md-icon" for="__drawer">'
SECTION_TOGGLE = re.compile(
    r'<input class="md-nav__toggle md-toggle ?" type="checkbox" id="(__nav_[0-9_]+)"'
)
SECTION_LABEL = re.compile(
    r'(<label class="md-nav__link" for="__nav_[0-9_]+" id="[^"]+") tabindex="0"'
)
#: Material's line under the copyright, in English whatever the page's language.
MADE_WITH = re.compile(
    r"Made with\s*(<a href=\"https://squidfunk\.github\.io/mkdocs-material/\"[^>]*>)"
    r"\s*Material for MkDocs\s*</a>"
)
#: Python-Markdown's title on a note's way back, in English whatever the page's language.
NOTE_BACKLINK = re.compile(r'title="Jump back to footnote (\d+) in the text"')
SIDEBAR_SCROLL = '<div class="md-sidebar__scrollwrap">'
SEARCH_PAGE = "search/index.md"
SECONDARY_NAV = '<nav class="md-nav md-nav--secondary" aria-label="Table of contents">'
NAV_TAG = re.compile(r"<(/?)nav\b[^>]*>")
TOC_NOISE = re.compile(
    r'\s(?:class|data-[a-z-]+)(?:="[^"]*")?(?=[\s>])|<span class="md-ellipsis">|</span>'
)


def phone_contents(html_text: str, title: str) -> str:
    """The page's table of contents as a collapsed list, from Material's sidebar one.

    Material shows the table of contents beside the text on wide screens
    only, and on phones inside the drawer only for pages in the navigation,
    which documents are not. Empty when the page has fewer than two headings.
    """
    start = html_text.find(SECONDARY_NAV)
    if start < 0:
        return ""
    depth, end = 0, -1
    for match in NAV_TAG.finditer(html_text, start):
        depth += -1 if match.group(1) else 1
        if depth == 0:
            end = match.start()
            break
    inner = html_text[start + len(SECONDARY_NAV) : end]
    listing = inner[inner.find("<ul") :]
    if listing.count("<a ") < 2:
        return ""
    listing = NAV_TAG.sub("", TOC_NOISE.sub("", listing))
    listing = re.sub(r"\s*\n\s*", "", listing)
    return f'<details class="kb-toc"><summary>{html.escape(title)}</summary>{listing}</details>'


def keyboard_menu(html_text: str, label: str) -> str:
    """The menu and its sections opened by their checkboxes, which Tab reaches (see kb.css).

    Without Material's script, a label made focusable (``tabindex="0"``)
    takes the focus and ignores Enter and Space; the checkbox it names,
    named after it, answers the Space bar. The menu's checkbox moves into the
    header, before its button. The sidebars' scrolling boxes,
    which Chromium puts in the Tab order when they hold no link (and which
    are then empty or out of sight), are left out of it.
    """
    html_text = html_text.replace(SIDEBAR_SCROLL, SIDEBAR_SCROLL[:-1] + ' tabindex="-1">')
    if MENU_BUTTON in html_text and DRAWER.search(html_text):
        # Beside its button, inside the header: a control outside every landmark is lost
        # to screen readers' landmark navigation (kb.css opens the drawer with :has()).
        html_text = DRAWER.sub("", html_text, 1)
        drawer = (
            '<input class="md-toggle kb-keyboard" data-md-toggle="drawer" type="checkbox"'
            f' id="__drawer" aria-label="{html.escape(label)}" autocomplete="off">'
        )
        html_text = html_text.replace(MENU_BUTTON, drawer + MENU_BUTTON, 1)
    html_text = SECTION_TOGGLE.sub(
        r'<input class="md-nav__toggle md-toggle kb-keyboard" type="checkbox" id="\1"'
        r' aria-labelledby="\1_label"',
        html_text,
    )
    return SECTION_LABEL.sub(r"\1", html_text)


@dataclass
class Finish:
    """How to finish every page of one site."""

    default_language: str
    #: Page paths (``lessons/x.md``) of pages in another language.
    languages: Mapping[str, str] = field(default_factory=dict)
    #: The pruned stylesheet's address from the site root, or None to keep Material's.
    stylesheet: str | None = None
    #: The owner's stylesheets (``extra_css``) folded into it, by address from the root.
    folded: tuple[str, ...] = ()
    material_javascript: bool = False
    #: The surroundings in each page's language and the language switch (multilingual sites).
    chrome: Chrome | None = None
    #: Whether pages register the service worker that keeps them for reading offline.
    offline: bool = False
    #: A preview built despite errors: the errors notice for a page's address, put first.
    notice: Callable[[str], str] | None = None

    def settings_key(self, page_path: str | None) -> str:
        """What ``page`` takes from these settings for ``page_path`` (not ``notice``)."""
        chrome = self.chrome
        return repr(
            (
                self.default_language,
                self.languages.get(page_path or ""),
                self.stylesheet,
                self.folded,
                self.material_javascript,
                self.offline,
                None
                if chrome is None
                else (
                    tuple(chrome.languages),
                    sorted(chrome.site_names.items()),
                    tuple(chrome.nav),
                    sorted(chrome.copyrights.items()),
                    sorted(chrome.alternates.get(page_path or "", {}).items()),
                ),
            )
        )

    def page(self, html_text: str, page_path: str | None) -> str:
        """One rendered page, finished."""
        language = self.languages.get(page_path or "", self.default_language)
        direction = i18n.direction(language)
        _ = i18n.translations(language).gettext
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
        # The skip link first of all, before the menu's checkbox (Material puts its own after).
        html_text = MATERIAL_SKIP.sub("", html_text, 1)
        skip = SKIP.format(label=html.escape(_("Skip to content")))
        html_text = BODY_TAG.sub(lambda m: m.group(0) + skip, html_text, 1)
        html_text = html_text.replace(CONTENT, CONTENT[:-1] + ' id="kb-content">', 1)
        # Before the surroundings are translated: Material's contents are found by their label.
        if placeholder(TOC) in html_text:
            contents = phone_contents(html_text, _("On this page"))
            html_text = html_text.replace(placeholder(TOC), contents, 1)
        if is_french(language):
            html_text = _typeset_content(html_text)
        if self.chrome is not None and page_path is not None:
            url = page_url(page_path)
            html_text = self.chrome.translate(html_text, url, language)
            html_text = self.chrome.switch(html_text, page_path, url, language)
        base = BASE.search(html_text)
        if page_path != SEARCH_PAGE and base is not None:
            search = HEADER_SEARCH.format(
                base=base.group("base"),
                name=html.escape(_("Site search")),
                label=html.escape(_("Search the knowledge base")),
                placeholder=html.escape(_("Search")),
            )
            if LANGUAGE_SWITCH in html_text:
                # Before the other languages' links: the search box stays within 3 Tabs.
                html_text = html_text.replace(LANGUAGE_SWITCH, search + LANGUAGE_SWITCH, 1)
            else:
                html_text = HEADER_END.sub(lambda m: m.group(1) + search + m.group(2), html_text, 1)
        html_text = BARE_TABLE.sub(
            lambda m: SCROLLING.format(
                label=html.escape(_("Table, scrolls sideways")),
                table=f"<table>{m.group(1)}</table>",
            ),
            html_text,
        )
        if self.offline and base is not None and "</body>" in html_text:
            banner, script = offline.registration(
                base.group("base"),
                _("You are offline: the pages you opened or kept, and search, still work."),
            )
            html_text = html_text.replace('id="kb-content">', 'id="kb-content">' + banner, 1)
            html_text = html_text.replace("</body>", script + "</body>", 1)
        backlink = html.escape(_("Jump back to footnote %(number)s in the text"))
        html_text = NOTE_BACKLINK.sub(
            lambda m: f'title="{backlink % {"number": m.group(1)}}"', html_text
        )
        html_text = MADE_WITH.sub(
            lambda m: (
                html.escape(_("Made with %(tool)s"), quote=False)
                % {"tool": f"{m.group(1)}Material for MkDocs</a>"}
            ),
            html_text,
            1,
        )
        if not self.material_javascript:
            html_text = MATERIAL_SCRIPT.sub("", html_text, 1)
            html_text = keyboard_menu(html_text, _("Menu"))
        if self.stylesheet is not None:
            html_text = self._one_stylesheet(html_text)
        if self.notice is not None and page_path is not None:
            html_text = with_notice(html_text, self.notice("/" + page_url(page_path)))
        return html_text

    def _one_stylesheet(self, html_text: str) -> str:
        match = MATERIAL_STYLESHEET.search(html_text)
        if match is None:
            return html_text
        base = match.group("base")
        link = f'<link rel="stylesheet" href="{base}{self.stylesheet}">'
        html_text = KB_STYLESHEET.sub("", html_text, 1)
        for folded in self.folded:
            html_text = html_text.replace(f'<link rel="stylesheet" href="{base}{folded}">', "", 1)
        start = MATERIAL_STYLESHEET.search(html_text)
        assert start is not None
        html_text = MATERIAL_STYLESHEET.sub("", html_text)
        return html_text[: start.start()] + link + html_text[start.start() :]


def _typeset_content(html_text: str) -> str:
    """French typography in a page's content (its surroundings come from the catalogues)."""
    start = html_text.find(CONTENT[:-1])
    end = html_text.rfind("</article>")
    if start < 0 or end < start:
        return html_text
    return html_text[:start] + french_html(html_text[start:end]) + html_text[end:]


@dataclass(frozen=True)
class OwnerStylesheet:
    """One of the owner's ``extra_css`` files: its address from the site root and its text."""

    address: str
    text: str

    @property
    def foldable(self) -> bool:
        """Whether it means the same inside kb's stylesheet: nothing in it is relative to it."""
        return "url(" not in self.text and "@import" not in self.text


def owner_stylesheets(site_dir: Path, mkdocs: Mapping[str, object]) -> list[OwnerStylesheet]:
    """The owner's ``extra_css`` files the site has."""
    entries = mkdocs.get("extra_css")
    found = []
    for entry in entries if isinstance(entries, list) else []:
        path = site_dir / str(entry)
        if path.is_file():
            found.append(OwnerStylesheet(str(entry), path.read_text(encoding="utf-8")))
    return found


def site_stylesheet(
    site_dir: Path, used: Used, owner: Sequence[OwnerStylesheet], memo: FinishMemo | None = None
) -> str:
    """Write one stylesheet for the site and return its address from the root.

    Material's stylesheets pruned to what the pages use, then the owner's
    (those that can move: see ``foldable``) and kb's whole, in the order
    MkDocs links them, so the cascade is the same. Custom properties the
    owner's or kb's rules read are kept.
    """
    material = site_dir / "assets" / "stylesheets"
    css = [
        path.read_text(encoding="utf-8")
        for name in ("main", "palette")
        for path in sorted(material.glob(f"{name}.*.min.css"))
    ]
    own = (site_dir / "assets" / "kb" / "kb.css").read_text(encoding="utf-8")
    readers = "\n".join([*(s.text for s in owner), own])
    key = digest(
        json.dumps([sorted(used.classes), {k: sorted(v) for k, v in sorted(used.colours.items())}]),
        *css,
        *(f"{s.foldable}{s.text}" for s in owner),
        own,
    )
    kept = memo.stylesheet(key) if memo is not None else None
    if kept is None:
        parts = [prune_stylesheet("\n".join(css), used, readers)]
        parts += [s.text for s in owner if s.foldable]
        parts.append(own)
        kept = "\n".join(parts)
        if memo is not None:
            memo.keep_stylesheet(key, kept)
    text = kept.encode("utf-8")
    name = f"assets/kb/site.{hashlib.sha256(text).hexdigest()[:10]}.css"
    (site_dir / name).write_bytes(text)
    return name


def finish_site(
    site_dir: Path,
    finish: Finish,
    page_paths: Iterable[str],
    fragments: Mapping[str, Mapping[str, str]],
    *,
    lighten: bool,
    only: set[str] | None = None,
    owner: Sequence[OwnerStylesheet] = (),
    rendered: Rendered | None = None,
    memo: FinishMemo | None = None,
) -> int:
    """Inject fragments into and finish the rendered pages (``only``: these page paths).

    With ``lighten``, every page is read first to learn which classes the
    site uses, and Material's stylesheets are replaced by the pruned one;
    ``owner``: the owner's stylesheets, folded in when they can be.
    ``rendered``: where the rendered pages are read from, when they are not
    finished in place in ``site_dir``: ``site_dir`` is then a new site, where
    a page the site being replaced has as it is becomes a link to it.
    ``memo``: the last build's finishing, to take unchanged pages from
    (``kb.site.finished``; not with a ``notice``, which it does not know).
    Returns how many pages were finished (the others were taken from the memo).
    """
    source = rendered or RenderedFiles(site_dir)
    targets = source.pages(page_paths, only)
    if finish.notice is not None:
        memo = None
    keys: dict[str, str] = {}
    if memo is not None or lighten:
        used = Used(classes=set(ADDED_CLASSES))
        for name, page_path in targets:
            parts = fragments.get(page_path or "") if page_path is not None else None
            key = keys[name] = (
                memo.page_key(source.digest(name), page_path, fragments_text(parts)) if memo else ""
            )
            page_used = memo.classes(key) if memo is not None else None
            if page_used is None:
                page_used = Used()
                page_used.add_page(source.read(name).decode("utf-8"))
                for fragment in (parts or {}).values():
                    page_used.add_page(fragment)
                if memo is not None:
                    memo.keep_classes(key, page_used)
            used.merge(page_used)
        among = {p for _, p in targets if p is not None}
        for page_path, parts in fragments.items():
            if page_path not in among:
                for fragment in parts.values():
                    used.add_page(fragment)
    if lighten:
        if finish.material_javascript:
            for script in (site_dir / "assets" / "javascripts").glob("bundle.*.min.js"):
                used.add_script(script.read_text(encoding="utf-8"))
        finish.stylesheet = site_stylesheet(site_dir, used, owner, memo)
        finish.folded = tuple(s.address for s in owner if s.foldable)
    finished = 0
    for name, page_path in targets:
        target = site_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        result_key = digest(keys[name], finish.settings_key(page_path)) if memo else ""
        data = kept = memo.finished(name, result_key) if memo is not None else None
        if data is None:
            text = source.read(name).decode("utf-8")
            if page_path is not None and page_path in fragments:
                text = inject(text, fragments[page_path])
            data = finish.page(text, page_path).encode("utf-8")
            finished += 1
            if memo is not None:
                memo.keep_finished(name, result_key, data)
        if rendered is not None and memo is not None:
            # Into a new site: a page the site being replaced has as it is becomes a link to
            # it (MkDocs' rendering of it, if there, is replaced).
            target.unlink(missing_ok=True)
            previous = memo.previous / name if memo.previous else None
            write_or_link(target, data, previous, same=kept is not None)
        else:
            target.write_bytes(data)
    return finished


def drop_folded_material(site_dir: Path, *, keep_javascript: bool) -> list[str]:
    """Delete Material's files no finished page links; returns their addresses.

    After a lightened finish, Material's stylesheets live on only inside the
    site's one stylesheet, and its JavaScript only when the owner keeps it.
    Published anyway, they and their source maps (1.3 MB in all) would cost
    every build their compression, and sit in the offline manifest's list of
    files and in the zipped bundle for nothing.
    """
    assets = site_dir / "assets"
    patterns = [("stylesheets", "main.*.min.css"), ("stylesheets", "palette.*.min.css")]
    if not keep_javascript:
        patterns.append(("javascripts", "bundle.*.min.js"))
    dropped = []
    for folder, pattern in patterns:
        for path in sorted((assets / folder).glob(pattern)):
            for each in (path, path.with_name(path.name + ".map")):
                if each.is_file():
                    each.unlink()
                    dropped.append(each.relative_to(site_dir).as_posix())
        if (assets / folder).is_dir() and not any((assets / folder).iterdir()):
            (assets / folder).rmdir()
    return dropped
