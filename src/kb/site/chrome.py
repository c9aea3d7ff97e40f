"""A page's surroundings in the page's language: navigation, header, language switch.

Material renders every page of a build in one language (``theme.language``):
its navigation titles, header and footer labels are the default language's.
kb finishes pages in another language by translating those words (its own
navigation titles from kb's catalogue, Material's labels from Material's
own translation files), pointing the navigation to the browse pages of that
language (``fr/themes/``), and giving every page a switch to the same page in
the site's other languages. Only the surroundings are touched: the page's
content keeps its words and links.
"""

from __future__ import annotations

import html
import importlib.util
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kb import i18n
from kb.config import Settings
from kb.i18n import N_
from kb.site.mkdocs_config import navigation

CONTENT_START = '<div class="md-content"'
TEXT = re.compile(r">(\s*)([^<>]*?\S)(\s*)<")
LABELLED = re.compile(r'\b(aria-label|title|placeholder)="([^"]*)"')
HREF = re.compile(r'\bhref="([^"#?]*)"')
HEADER_END = re.compile(r'(<nav class="md-header__inner[^>]*>.*?)(</nav>)', re.DOTALL)
HEAD_END = "</head>"
MATERIAL_ENTRY = re.compile(r'^\s*"(?P<key>[^"]+)":\s*"(?P<text>(?:[^"\\]|\\.)*)"', re.MULTILINE)


@lru_cache(maxsize=32)
def material_words(language: str) -> Mapping[str, str]:
    """Material's own interface words in ``language`` (its ``partials/languages`` file)."""
    spec = importlib.util.find_spec("material")
    if spec is None or not spec.submodule_search_locations:
        return {}
    folder = Path(spec.submodule_search_locations[0]) / "templates" / "partials" / "languages"
    path = folder / f"{i18n.primary(language)}.html"
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    return {m["key"]: m["text"].replace('\\"', '"') for m in MATERIAL_ENTRY.finditer(text)}


@dataclass
class Chrome:
    """What finishing needs to put one site's pages in their own language."""

    #: The site's languages, the default first.
    languages: Sequence[str]
    #: The site's name in each language.
    site_names: Mapping[str, str]
    #: The navigation's titles (English message ids) and the URLs they lead to.
    nav: Sequence[tuple[str, str]]
    #: Each page's versions in the site's languages (page path → language → URL).
    alternates: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: The footer's line (mkdocs.yml's ``copyright``) in each language.
    copyrights: Mapping[str, str] = field(default_factory=dict)
    _cache: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)

    @property
    def default_language(self) -> str:
        return self.languages[0]

    def translate(self, html_text: str, page_url: str, language: str) -> str:
        """The page with its surroundings in ``language`` and a language switch."""
        if language != self.default_language:
            return self._in_language(html_text, page_url, language)
        # The home page's title is the site's name, which Material adds to every title.
        name = html.escape(self.site_names.get(language, ""))
        return html_text.replace(f"<title>{name} - {name}</title>", f"<title>{name}</title>", 1)

    def switch(self, html_text: str, page_path: str, page_url: str, language: str) -> str:
        versions = self.alternates.get(page_path)
        if not versions or (len(self.languages) < 2 and len(versions) < 2):
            return html_text
        up = "../" * page_url.count("/")
        said = i18n.translations(language).gettext
        links = []
        heads = []
        for lang, url in versions.items():
            name = html.escape(i18n.own_name(lang))
            target = html.escape(up + url or "./")
            if lang == language:
                links.append(
                    f'<span class="kb-language-switch__current" lang="{lang}">{name}</span>'
                )
            else:
                links.append(f'<a href="{target}" hreflang="{lang}" lang="{lang}">{name}</a>')
                heads.append(f'<link rel="alternate" hreflang="{lang}" href="{target}">')
        label = html.escape(said(N_("Languages")))
        switch = f'<div class="kb-language-switch" role="navigation" aria-label="{label}">'
        switch += " ".join(links) + "</div>"
        html_text = HEADER_END.sub(lambda m: m.group(1) + switch + m.group(2), html_text, 1)
        return html_text.replace(HEAD_END, "".join(heads) + HEAD_END, 1)

    def _in_language(self, html_text: str, page_url: str, language: str) -> str:
        words = self._words(language)
        prefix = f"{language}/" if language in self.languages else ""
        nav_urls = {url.rstrip("/") for _title, url in self.nav} | {""}
        here = page_url.rstrip("/")

        def href(match: re.Match[str]) -> str:
            target = match.group(1)
            if not prefix or "://" in target or target.startswith(("/", "mailto:")):
                return match.group(0)
            resolved = posixpath.normpath(posixpath.join(here, target)) if target else here
            resolved = "" if resolved == "." else resolved
            if resolved not in nav_urls:
                return match.group(0)
            new = posixpath.relpath(prefix + resolved, here or ".")
            return f'href="{"./" if new == "." else new + "/"}"'

        def text(match: re.Match[str]) -> str:
            said = words.get(match.group(2))
            if said is None:
                return match.group(0)
            return f">{match.group(1)}{html.escape(said, quote=False)}{match.group(3)}<"

        def attribute(match: re.Match[str]) -> str:
            said = words.get(html.unescape(match.group(2)))
            if said is None:
                return match.group(0)
            return f'{match.group(1)}="{html.escape(said)}"'

        def chrome(part: str) -> str:
            part = TEXT.sub(text, part)
            part = LABELLED.sub(attribute, part)
            return HREF.sub(href, part)

        default_name = html.escape(self.site_names.get(self.default_language, ""))
        name = html.escape(self.site_names.get(language, "") or default_name)
        if default_name:
            html_text = html_text.replace(f" - {default_name}</title>", f" - {name}</title>", 1)
            html_text = html_text.replace(
                f"<title>{name} - {name}</title>", f"<title>{name}</title>"
            )
        start = html_text.find(CONTENT_START)
        end = html_text.rfind("</article>")
        if start < 0 or end < start:
            return chrome(html_text)
        return chrome(html_text[:start]) + html_text[start:end] + chrome(html_text[end:])

    def _words(self, language: str) -> Mapping[str, str]:
        """Default-language words of the surroundings and what they are in ``language``."""
        if language not in self._cache:
            self._cache[language] = self._find_words(language)
        return self._cache[language]

    def _find_words(self, language: str) -> dict[str, str]:
        translated = i18n.translations(language).gettext
        words: dict[str, str] = {}
        material_default = material_words(self.default_language)
        material = material_words(language)
        for key, text in material_default.items():
            if key in material and key != "language":
                words[text] = material[key]
        for title, _url in self.nav:
            words[title] = translated(title)
        words[N_("Skip to content")] = translated("Skip to content")
        default_name = self.site_names.get(self.default_language, "")
        name = self.site_names.get(language) or default_name
        if default_name:
            words[default_name] = name
        default_copyright = self.copyrights.get(self.default_language, "")
        if default_copyright:
            words[default_copyright] = self.copyrights.get(language) or default_copyright
        return {k: v for k, v in words.items() if k != v}


def nav_entries(nav: Iterable[object]) -> list[tuple[str, str]]:
    """``(title, url)`` of every page in an MkDocs ``nav`` (sections' titles with ``""``)."""
    found: list[tuple[str, str]] = []
    for item in nav:
        if not isinstance(item, dict):
            continue
        for title, value in item.items():
            if isinstance(value, str):
                path = value
                url = "" if path == "index.md" else path.removesuffix("index.md")
                found.append((str(title), url))
            elif isinstance(value, list):
                found.append((str(title), "\0"))
                found.extend(nav_entries(value))
    return found


def site_chrome(settings: Settings, alternates: Mapping[str, Mapping[str, str]]) -> Chrome:
    """The chrome of one site: its languages, names in each, navigation and page versions."""
    languages = settings.site_languages
    return Chrome(
        languages=languages,
        site_names={lang: settings.site_name_in(lang) for lang in languages},
        nav=nav_entries(navigation(settings)),
        alternates=alternates,
        copyrights={lang: settings.copyright_in(lang) for lang in languages},
    )
