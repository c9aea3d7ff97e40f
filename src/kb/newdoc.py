"""``kb new``: a new document from its type's template."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path

from markdown.extensions.toc import slugify

from kb.config import load_settings
from kb.content import document_files, document_id
from kb.errors import KbError
from kb.model import DOCUMENT_TYPES
from kb.schema import DOCUMENT_ID_PATTERN


def create_document(
    project: Path,
    doc_type: str,
    title: str,
    *,
    doc_id: str | None,
    language: str | None,
    author: str,
    today: dt.date,
) -> str:
    """Write the file and return its path relative to the project."""
    settings = load_settings(project)
    if not title.strip():
        raise KbError("the title is empty; give the document a title")
    doc_id = doc_id or slugify(title, "-")
    if not doc_id or not DOCUMENT_ID_PATTERN.match(doc_id):
        raise KbError(
            f"'{doc_id}' cannot be a document id; use --id with letters, digits and hyphens"
        )
    for path in document_files(settings.content_dir):
        if document_id(path) == doc_id:
            raise KbError(
                f"{settings.rel(path)} already has the id '{doc_id}'; "
                "choose another title or pass --id"
            )
    target = settings.content_dir / DOCUMENT_TYPES[doc_type] / f"{doc_id}.md"
    template = resources.files("kb").joinpath(f"templates/new/{doc_type}.md").read_text("utf-8")
    text = template.format(
        title=json.dumps(title.strip(), ensure_ascii=False),
        date=today.isoformat(),
        year=today.year,
        author=author.replace('"', "'") or "TODO: your name",
        language=language or settings.default_language,
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise KbError(f"{settings.rel(target)} already exists; it was not changed") from None
    return settings.rel(target)
