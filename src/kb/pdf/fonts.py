"""The fonts the PDFs are set in: which files this machine gives for the stylesheet's names.

The print stylesheet names its fonts ("Noto Serif", then fallbacks); which
file each name resolves to depends on what is installed, and changes the
PDF. The files fontconfig picks, with their sizes, are part of the PDF cache
key, so installing or updating a font renders the PDFs again. The fonts
themselves come with the project's install script (``scripts/install.sh``).
"""

from __future__ import annotations

import functools
import hashlib
import re
import shutil
import subprocess
from pathlib import Path

from .printhtml import TEMPLATES

#: A quoted family name in a ``font-family`` or ``font`` declaration.
_FAMILY = re.compile(r'"([A-Z][A-Za-z0-9 ]+)"')


def stylesheet_families(css: str) -> list[str]:
    """The quoted family names a stylesheet asks for, in the order they first appear."""
    found: list[str] = []
    for declaration in re.findall(r"font(?:-family)?\s*:([^;}]*)", css):
        for name in _FAMILY.findall(declaration):
            if name not in found:
                found.append(name)
    return found


def resolve(family: str) -> str:
    """The font file fontconfig gives for ``family`` ('' without fontconfig)."""
    command = shutil.which("fc-match")
    if command is None:
        return ""
    try:
        done = subprocess.run(
            [command, "--format=%{file}", family],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip()


@functools.lru_cache(maxsize=1)
def fonts_digest() -> str:
    """A digest of each stylesheet family and the file (name and size) it resolves to."""
    css = (TEMPLATES / "print.css").read_text(encoding="utf-8")
    digest = hashlib.sha256()
    for family in stylesheet_families(css):
        path = resolve(family)
        try:
            size = Path(path).stat().st_size if path else -1
        except OSError:
            size = -1
        digest.update(f"{family}\0{path}\0{size}\n".encode())
    return digest.hexdigest()


def missing_families() -> list[str]:
    """The stylesheet's first-choice families that fontconfig replaces by another font."""
    css = (TEMPLATES / "print.css").read_text(encoding="utf-8")
    missing = []
    for family in stylesheet_families(css):
        if not family.startswith("Noto"):
            continue  # the fallbacks may be absent: they are there for other machines
        path = resolve(family)
        squeezed = family.replace(" ", "")
        if squeezed.lower() not in Path(path).name.lower():
            missing.append(family)
    return missing
