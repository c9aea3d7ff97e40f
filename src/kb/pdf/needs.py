"""What PDFs need from the system, and how to get it on each one.

Everything in kb installs with pip except the text-layout library WeasyPrint
draws PDFs with, Pango (and GLib under it), which comes from the system. When
WeasyPrint cannot load it, kb says which library is missing and how to
install it on the system in use, instead of WeasyPrint's loader error, and
the rest of kb (check, site, search) works without it. The package names
follow WeasyPrint's installation guide,
https://doc.courtbouillon.org/weasyprint/stable/first_steps.html .
"""

from __future__ import annotations

import platform
import re
from types import ModuleType

from kb.errors import KbError

#: How to install Pango, by system.
INSTALL = {
    "Linux": (
        "Debian or Ubuntu: sudo apt install libpango-1.0-0 libpangoft2-1.0-0; "
        "Fedora: sudo dnf install pango; Alpine: apk add pango"
    ),
    "Darwin": "macOS: brew install pango (with Homebrew, https://brew.sh/)",
    "Windows": (
        "Windows: install MSYS2 (https://www.msys2.org/), run 'pacman -S "
        "mingw-w64-x86_64-pango' in its terminal, then set WEASYPRINT_DLL_DIRECTORIES to "
        r"C:\msys64\mingw64\bin"
    ),
}


def load_engine() -> ModuleType:
    """``kb.pdf.engine``, or a KbError naming the missing library and how to install it."""
    try:
        from kb.pdf import engine
    except OSError as exc:  # cffi could not open a shared library WeasyPrint needs
        raise KbError(missing_library_message(str(exc))) from None
    return engine


def missing_library_message(error: str, system: str | None = None) -> str:
    """The message for WeasyPrint's loader error ``error`` on ``system`` (this one if None)."""
    system = system or platform.system()
    found = re.search(r"cannot load library '([^']+)'", error)
    library = found.group(1) if found else "the Pango text-layout library"
    how = INSTALL.get(system) or "; ".join(INSTALL.values())
    return (
        f"PDFs need {library} (from Pango and GLib, the text-layout libraries WeasyPrint "
        f"draws with), which is not installed on this computer. Install it, then run the command "
        f"again: {how}. Everything else works without it: kb build --no-pdf builds the site "
        "without PDFs"
    )
