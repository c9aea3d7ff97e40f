"""What the site needs to know about each PDF it offers: the PDF stage's own record."""

from __future__ import annotations

from kb.pdf.build import Download

__all__ = ["Download"]
