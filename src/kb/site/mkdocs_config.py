"""The effective mkdocs.yml: the site owner's settings plus what kb generates.

It inherits the owner's file (``INHERIT``), so their name, theme, palette,
logo, extra and Markdown extensions all apply, and overrides only what kb
owns: where the pages are, the short navigation, no built-in search (Pagefind
replaces it) and kb's stylesheet.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import yaml

from kb.config import Settings, TaggedScalar
from kb.errors import KbError
from kb.i18n import N_
from kb.render import site_extensions

ASSETS = Path(__file__).parent / "assets"

#: The short navigation; its titles are message ids, translated on pages in other languages.
NAV: list[Any] = [
    {N_("Home"): "index.md"},
    {
        N_("Browse"): [
            {N_("Case studies"): "case-studies/index.md"},
            {N_("Facilitation guidelines"): "guidelines/index.md"},
            {N_("Lessons"): "lessons/index.md"},
            {N_("Tools and templates"): "tools/index.md"},
            {N_("Themes"): "themes/index.md"},
            {N_("Institutional levels"): "levels/index.md"},
            {N_("Themes by level"): "matrix/index.md"},
            {N_("Programmes"): "programmes/index.md"},
            {N_("Countries"): "countries/index.md"},
        ]
    },
    {N_("Downloads"): "downloads/index.md"},
    {N_("Search"): "search/index.md"},
]

#: Pages deliberately left out of the navigation (every document, every cell).
NOT_IN_NAV = "\n".join(
    [
        "/case-studies/",
        "/guidelines/",
        "/lessons/",
        "/tools/",
        "/themes/*/",
        "/levels/*/",
        "/programmes/*/",
        "/countries/*/",
    ]
)


#: What Material ships for its built-in search, which kb replaces: lunr and its
#: languages, and the search worker (1.8 MB, and the costliest files to precompress).
SEARCH_ASSETS = ("assets/javascripts/lunr", "assets/javascripts/workers")


def navigation(settings: Settings) -> list[Any]:
    """The short navigation, with the glossary when the project has one."""
    nav = [dict(entry) for entry in NAV]
    if settings.glossary_path.is_file():
        browse = next(entry for entry in nav if "Browse" in entry)
        browse["Browse"] = [*browse["Browse"], {N_("Glossary"): "glossary/index.md"}]
    return nav


def owner_theme_dir(settings: Settings) -> str | None:
    """The owner's ``custom_dir``, as an absolute path: the effective config lives elsewhere."""
    theme = settings.mkdocs.get("theme")
    owner_dir = theme.get("custom_dir") if isinstance(theme, dict) else None
    return str((settings.root / str(owner_dir)).resolve()) if owner_dir else None


def copy_assets(settings: Settings, docs_dir: Path) -> None:
    """kb's CSS and JavaScript, and the owner's ``assets/`` folder (logo, favicon)."""
    owner_assets = settings.root / "assets"
    if owner_assets.is_dir() or owner_assets.is_symlink():
        links = [owner_assets] if owner_assets.is_symlink() else []
        for folder, folders, files in os.walk(owner_assets):
            links += [Path(folder, n) for n in (*folders, *files) if Path(folder, n).is_symlink()]
        if links:
            raise KbError(
                f"{settings.rel(links[0])}: is a symbolic link; kb does not publish what links "
                "point to, so put the file itself in assets/"
            )
        shutil.copytree(owner_assets, docs_dir / "assets", dirs_exist_ok=True)
    target = docs_dir / "assets" / "kb"
    target.mkdir(parents=True, exist_ok=True)
    for asset in ASSETS.iterdir():
        if asset.is_file():
            data = asset.read_bytes()
            destination = target / asset.name
            if not destination.exists() or destination.read_bytes() != data:
                destination.write_bytes(data)


class _Dumper(yaml.SafeDumper):
    """Writes values read with a tag (``!!python/name:...``, ``!ENV``) with that tag."""


def _tagged(dumper: yaml.SafeDumper, value: TaggedScalar) -> yaml.Node:
    return dumper.represent_scalar(value.tag, str(value))


_Dumper.add_representer(TaggedScalar, _tagged)


def owner_plugins(settings: Settings) -> list[Any]:
    """The MkDocs plugins of the owner's ``mkdocs.yml`` the site keeps (not ``search``)."""
    return [
        p
        for p in settings.mkdocs.get("plugins") or []
        if (next(iter(p)) if isinstance(p, dict) else p) not in ("search",)
    ]


def write_effective_config(
    settings: Settings, build_dir: Path, docs_dir: Path, site_dir: Path
) -> Path:
    """Write ``build_dir/mkdocs.yml`` and return its path."""
    owner = settings.mkdocs
    theme_dir = owner_theme_dir(settings)
    plugins = owner_plugins(settings)
    extra_css = [*(owner.get("extra_css") or []), "assets/kb/kb.css"]
    effective: dict[str, Any] = {
        "INHERIT": str(settings.root / "mkdocs.yml"),
        "docs_dir": str(docs_dir),
        "site_dir": str(site_dir),
        "use_directory_urls": True,
        "nav": navigation(settings),
        "not_in_nav": NOT_IN_NAV,
        "plugins": plugins,
        "extra_css": extra_css,
        "theme": {"custom_dir": theme_dir} if theme_dir else {},
        "validation": {
            "omitted_files": "info",
            "absolute_links": "info",
            "unrecognized_links": "info",
            "anchors": "info",
        },
    }
    if settings.site_url:
        # The address the build was given (KB_SITE_URL wins over the owner's file).
        effective["site_url"] = settings.site_url
    # Written out even when the owner has a list (it replaces theirs), to end it with
    # kb's sanitiser; their tags (!!python/name:...) are written back as they were.
    effective["markdown_extensions"] = site_extensions(settings)
    theme = owner.get("theme")
    if isinstance(theme, dict) and "font" not in theme:
        # Material fetches Google Fonts unless told not to; nothing leaves the site.
        effective["theme"]["font"] = False
    if isinstance(theme, str):
        effective["theme"] = {"name": theme, "font": False}
    path = build_dir / "mkdocs.yml"
    text = yaml.dump(effective, Dumper=_Dumper, allow_unicode=True, sort_keys=False)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path
