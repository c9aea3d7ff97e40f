"""What the site needs to know about each PDF it offers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class Download:
    """A PDF on the downloads page: a pack or one document's digest."""

    kind: str  # "pack" or "document"
    id: str
    title: str
    description: str
    url: str  # relative to the site root
    pages: int
    size: int
    date: dt.date | None
    document_ids: tuple[str, ...]
