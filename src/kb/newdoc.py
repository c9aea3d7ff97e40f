"""``kb new``: a new document from its type's template."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from markdown.extensions.toc import slugify

from kb.config import load_settings, load_taxonomy
from kb.content import document_id
from kb.errors import KbError
from kb.inventory import MAX_NAME, take_inventory
from kb.model import DOCUMENT_TYPES
from kb.rules import FILE_NAME
from kb.schema import DOCUMENT_ID_PATTERN, LANGUAGE_PATTERN
from kb.urls import RESERVED_IDS

#: The status line of a new document, and what it means for the editor.
DRAFT = "draft            # not published until this says: published"
PUBLISHED = "published        # or draft: checked and previewed, not published"

#: Longest id made from a title: long titles make unwieldy addresses.
GENERATED_ID = 60


def _ids(what: str, terms: Mapping[str, object], condition: str = "") -> str:
    """A template comment listing the ids a field takes, shortened past a line's worth."""
    ids = list(terms)
    shown = ", ".join(ids[:8]) + (", ..." if len(ids) > 8 else "")
    where = f"{what} from content/taxonomy.yml{condition}"
    return f"{where}: {shown}" if ids else where


def create_document(
    project: Path,
    doc_type: str,
    title: str,
    *,
    doc_id: str | None,
    language: str | None,
    author: str,
    today: dt.date,
    publish: bool = False,
) -> str:
    """Write the file and return its path relative to the project.

    The document is a draft (checked and previewed, never published) unless
    ``publish``; the status line says how to publish it either way.
    """
    settings = load_settings(project)
    if not title.strip():
        raise KbError("the title is empty; give the document a title")
    if doc_id is None:
        doc_id = slugify(title, "-")
        if not doc_id:
            raise KbError(
                "cannot make a file name from this title; give one with --id, "
                "e.g. --id accra-stormwater"
            )
        if len(doc_id) > GENERATED_ID:
            doc_id = doc_id[: GENERATED_ID + 1].rsplit("-", 1)[0]
    if not DOCUMENT_ID_PATTERN.match(doc_id):
        raise KbError(
            f"'{doc_id}' cannot be a document id; use --id with lowercase letters, digits "
            "and hyphens"
        )
    if doc_id.casefold() in RESERVED_IDS:
        raise KbError(
            f"'{doc_id}' cannot be a document id: the site uses that name for "
            f"{RESERVED_IDS[doc_id.casefold()].format(folder=DOCUMENT_TYPES[doc_type])}; "
            "give another with --id"
        )
    if len(doc_id) + len(".md") > MAX_NAME:
        raise KbError(
            f"the id is {len(doc_id)} characters long; file names in the content folder may "
            f"have at most {MAX_NAME}, so give a shorter one with --id"
        )
    language = language or settings.default_language
    if not LANGUAGE_PATTERN.match(language):
        raise KbError(f"'{language}' is not a BCP 47 language code; write e.g. en, fr or pt-BR")
    for path in take_inventory(settings).documents:
        if document_id(path).casefold() == doc_id.casefold():
            raise KbError(
                f"{settings.rel(path)} already has the id '{document_id(path)}'; "
                "choose another title or pass --id"
            )
    if not FILE_NAME.match(doc_id):
        raise KbError(
            f"'{doc_id}' cannot be a document id; use --id with lowercase letters, digits "
            "and hyphens"
        )
    target = settings.content_dir / DOCUMENT_TYPES[doc_type] / f"{doc_id}.md"
    template = resources.files("kb").joinpath(f"templates/new/{doc_type}.md").read_text("utf-8")
    taxonomy, _problems = load_taxonomy(settings)  # kb check reports them
    text = template.format(
        title=json.dumps(title.strip(), ensure_ascii=False),
        date=today.isoformat(),
        year=today.year,
        author=json.dumps(author.strip() or "TODO: your name", ensure_ascii=False),
        language=language,
        themes=_ids("theme ids", taxonomy.themes),
        levels=_ids("level ids", taxonomy.levels),
        stakeholders=_ids("stakeholder-group ids", taxonomy.stakeholders),
        programmes=_ids("a programme id", taxonomy.programmes, ", if any"),
        programme_example=next(iter(taxonomy.programmes), "TODO"),
        status=PUBLISHED if publish else DRAFT,
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with target.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise KbError(f"{settings.rel(target)} already exists; it was not changed") from None
    return settings.rel(target)
