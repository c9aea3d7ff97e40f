"""Print HTML of a pack or a document: cover, contents, bodies, glossary, colophon.

Each body is rendered once (``printbody``) and placed in the print template
with what paper needs around it: a cover and contents for a pack, the
document's metadata and sources, the glossary of the terms a pack uses, the
licence and how to cite.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from kb import i18n
from kb.config import Settings
from kb.glossary import terms_in_documents
from kb.model import Document, Source, Taxonomy, Term
from kb.problems import Problem
from kb.typography import french_html, french_text, is_french, typeset
from kb.urls import absolute, document_url, pack_pdf_url

from . import references, words
from .printbody import PrintedDocument, PrintRenderer, no_local_paths, resolve_links

__all__ = ["Cover", "PrintJob", "PrintRenderer", "document_job", "newest_date", "pack_job"]

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class PrintJob:
    """Everything WeasyPrint needs to make one PDF; plain data, so it can go to a worker.

    ``images`` lists ``(file URL, document path, line)`` for each embedded
    image, so that a problem WeasyPrint logs about a URL names the document.
    """

    kind: str
    id: str
    html: str
    source: str
    images: tuple[tuple[str, str, int], ...] = ()
    problems: tuple[Problem, ...] = ()
    documents: tuple[tuple[str, str], ...] = ()
    #: The content folder: the only place images are read from (``images`` only).
    allowed_roots: tuple[str, ...] = field(default=(), compare=False)
    #: PDF/A-3b for archives instead of PDF/UA-1 (kb.pdf.engine.render_options).
    archival: bool = False


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


_ENVIRONMENT: jinja2.Environment | None = None


def environment() -> jinja2.Environment:
    """The template environment, made once per process."""
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        _ENVIRONMENT = _environment()
    return _ENVIRONMENT


def template_files() -> list[Path]:
    """The files the print HTML is made from (part of the cache key)."""
    return sorted(p for p in TEMPLATES.rglob("*") if p.is_file())


@dataclass(frozen=True)
class Cover:
    """What a pack's cover and front page say."""

    id: str
    title: str
    subtitle: str = ""
    introduction: str = ""
    #: Each document opens on a right-hand page (blank pages added before).
    right_hand_start: bool = False
    #: For a pack made on the command line: the file it is written to, which its
    #: citation names instead of an address on the site.
    file_name: str = ""


def newest_date(documents: Sequence[Document]) -> dt.date:
    """The date a pack carries: the newest change among its documents."""
    return max(doc.last_changed for doc in documents)


def _source_view(source: Source, language: str) -> dict[str, str]:
    details = ", ".join(p for p in (source.publisher, str(source.year or "")) if p)
    # Written in its own direction when its script differs from the document's.
    own = i18n.text_direction(source.title) or i18n.direction(language)
    return {
        "title": source.title,
        "details": details,
        "url": source.url,
        "dir": own if own != i18n.direction(language) else "",
    }


def _document_view(
    printed: PrintedDocument, body: str, settings: Settings, taxonomy: Taxonomy
) -> dict[str, Any]:
    doc = printed.doc
    said = words.labels(doc.language)
    comma = i18n.list_separator(doc.language)
    meta: list[tuple[str, str]] = []

    def labels_of(ids: Iterable[str], terms: Mapping[str, Term]) -> str:
        return comma.join(terms[i].label_in(doc.language) if i in terms else i for i in ids)

    meta.append((said["themes"], labels_of(doc.themes, taxonomy.themes)))
    ordered_levels = [t.id for t in taxonomy.levels_in_order() if t.id in doc.levels]
    meta.append((said["levels"], labels_of(ordered_levels, taxonomy.levels)))
    if doc.countries:
        names = [words.country_name(c, doc.language) for c in doc.countries]
        meta.append((said["countries"], comma.join(names)))
    if doc.programme:
        programme = taxonomy.programmes.get(doc.programme)
        meta.append((said["programme"], programme.name if programme else doc.programme))
    date = words.long_date(doc.date, doc.language)
    if doc.updated and doc.updated != doc.date:
        date += f" ({said['updated']} {words.long_date(doc.updated, doc.language)})"
    meta.append((said["date"], date))
    if doc.authors:
        meta.append((said["authors"], comma.join(doc.authors)))
    online = absolute(settings.site_url, document_url(doc))
    notes = references.number_web_links(body)
    body = notes.body
    title, summary = doc.title, doc.summary
    if is_french(doc.language):
        title, summary, body = french_text(title), french_text(summary), french_html(body)
    return {
        "id": doc.id,
        "lang": doc.language,
        "dir": i18n.direction(doc.language),
        "type": doc.type,
        "type_label": said[doc.type],
        "title": title,
        "summary": summary,
        "review_notice": (
            i18n.review_notice(doc.language, settings.default_language)
            if doc.review_pending
            else []
        ),
        "meta": meta,
        "body": Markup(body),
        "sources": [_source_view(s, doc.language) for s in doc.sources],
        "link_addresses": notes.addresses,
        "online": online,
        "online_is_link": bool(settings.site_url),
        "words": said,
        "licence": doc.license,
    }


def _citation(
    settings: Settings, title: str, year: int, url: str, language: str, authors: str = ""
) -> dict[str, str]:
    """How to cite: the words, and the address apart (printed without hyphenation)."""
    site_name = settings.site_name_in(language)
    by = authors or site_name
    parts = [f"{by} ({year}). {words.quoted(title, language)}."]
    if authors:
        parts.append(f"{site_name}.")
    if settings.edition_in(language):
        parts.append(f"{settings.edition_in(language)}.")
    return {"text": " ".join(parts), "url": url}


def _licence_view(
    settings: Settings, documents: Sequence[Document], language: str, single: bool = False
) -> dict[str, Any]:
    said = words.labels(language)
    licence = documents[0].license if single else settings.license
    text = said["licence_text"].format(licence=words.licence_name(licence))
    # Only the site's own licence comes with an address we know.
    url = settings.license_url if licence == settings.license else ""
    return {
        "text": text,
        "url": url,
        "plain": said["cc_by"] if licence.upper().startswith("CC-BY-") else "",
        "exceptions": []
        if single
        else [
            (doc.title, words.licence_name(doc.license))
            for doc in documents
            if doc.license != settings.license
        ],
    }


def _metadata(
    title: str,
    author: str,
    subject: str,
    documents: Sequence[Document],
    taxonomy: Taxonomy,
    date: dt.date,
    language: str,
) -> dict[str, Any]:
    keywords: list[str] = []
    for doc in documents:
        for theme in doc.themes:
            term = taxonomy.themes.get(theme)
            label = term.label_in(language) if term else theme
            if label not in keywords:
                keywords.append(label)
    for doc in documents:
        if doc.programme:
            programme = taxonomy.programmes.get(doc.programme)
            name = programme.name if programme else doc.programme
            if name not in keywords:
                keywords.append(name)
    return {
        "title": title,
        "author": author,
        "subject": subject,
        "keywords": ", ".join(keywords),
        "date": date.isoformat(),
    }


def pack_job(
    cover: Cover,
    documents: Sequence[Document],
    printer: PrintRenderer,
    language: str,
    *,
    booklet: bool = False,
) -> PrintJob:
    """The print HTML of a pack: cover, contents, documents, licence and citation.

    With ``booklet``, laid out on A5 pages, which the engine then imposes on
    A4 sheets (kb.pdf.booklet).
    """
    settings = printer.settings
    taxonomy = printer.knowledge_base.taxonomy
    said = words.labels(language)
    # Titles and introductions from packs.yml or the command line, set like the documents.
    cover = dataclasses.replace(
        cover,
        title=typeset(cover.title, language),
        subtitle=typeset(cover.subtitle, language),
        introduction=typeset(cover.introduction, language),
    )
    members = [doc.id for doc in documents]
    printed = [printer.document(doc) for doc in documents]
    views = [
        _document_view(p, resolve_links(p.body, members, printer), settings, taxonomy)
        for p in printed
    ]
    date = newest_date(documents)
    if cover.file_name:
        url = cover.file_name
    else:
        url = absolute(settings.site_url, pack_pdf_url(cover.id)) if settings.site_url else ""
    counts: dict[str, int] = {}
    for doc in documents:
        counts[doc.type] = counts.get(doc.type, 0) + 1
    count_text = ", ".join(
        f"{n} {said[t].lower() if n == 1 else said[t + '/plural']}" for t, n in counts.items()
    )
    images = tuple(i for p in printed for i in p.images)
    # Consecutive documents of one type share a heading in the contents.
    runs: list[tuple[str, list[dict[str, Any]]]] = []
    for doc, view in zip(documents, views, strict=True):
        if runs and runs[-1][0] == doc.type:
            runs[-1][1].append(view)
        else:
            runs.append((doc.type, [view]))
    groups = [
        (said[kind] if len(entries) == 1 else said[kind + "/plural"].capitalize(), entries)
        for kind, entries in runs
    ]
    glossary = [
        term.in_language(language)
        for term in terms_in_documents(documents, printer.knowledge_base.glossary, language)
    ]
    context = {
        "single": False,
        "booklet": booklet,
        "contents": groups,
        "glossary": glossary,
        "lang": language,
        "dir": i18n.direction(language),
        "words": said,
        "site_name": settings.site_name_in(language),
        "site_url": settings.site_url,
        "edition": settings.edition_in(language),
        "date_text": words.long_date(date, language),
        "cover": cover,
        "count_text": count_text,
        "documents": views,
        "licence": _licence_view(settings, documents, language),
        "citation": _citation(settings, cover.title, date.year, url, language),
        "edition_note": said["edition_note"].format(date=words.long_date(date, language)),
        "meta": _metadata(
            cover.title,
            settings.site_name_in(language),
            cover.subtitle,
            documents,
            taxonomy,
            date,
            language,
        ),
    }
    markup = environment().get_template("print.html.j2").render(context)
    markup = no_local_paths(markup, {i[0] for i in images})
    return PrintJob(
        kind="booklet" if booklet else "pack",
        id=cover.id,
        html=markup,
        source=settings.rel(settings.packs_path),
        images=images,
        problems=tuple(p for d in printed for p in d.problems),
        documents=tuple((doc.id, doc.path) for doc in documents),
        allowed_roots=(str(settings.content_dir),),
    )


def document_job(doc: Document, printer: PrintRenderer) -> PrintJob:
    """The print HTML of one document on its own, with a light title block instead of a cover."""
    settings = printer.settings
    taxonomy = printer.knowledge_base.taxonomy
    said = words.labels(doc.language)
    printed = printer.document(doc)
    view = _document_view(
        printed, resolve_links(printed.body, [doc.id], printer), settings, taxonomy
    )
    online = absolute(settings.site_url, document_url(doc)) if settings.site_url else ""
    context = {
        "single": True,
        "booklet": False,
        "lang": doc.language,
        "dir": i18n.direction(doc.language),
        "words": said,
        "site_name": settings.site_name_in(doc.language),
        "site_url": settings.site_url,
        "edition": settings.edition_in(doc.language),
        "date_text": words.long_date(doc.last_changed, doc.language),
        "cover": Cover(id=doc.id, title=doc.title),
        "contents": [],
        "glossary": [],
        "count_text": "",
        "documents": [view],
        "licence": _licence_view(settings, [doc], doc.language, single=True),
        "citation": _citation(
            settings,
            doc.title,
            doc.date.year,
            online,
            doc.language,
            authors=", ".join(doc.authors),
        ),
        "edition_note": "",
        "meta": _metadata(
            doc.title,
            ", ".join(doc.authors) or settings.site_name_in(doc.language),
            doc.summary,
            [doc],
            taxonomy,
            doc.last_changed,
            doc.language,
        ),
    }
    markup = environment().get_template("print.html.j2").render(context)
    markup = no_local_paths(markup, {i[0] for i in printed.images})
    return PrintJob(
        kind="document",
        id=doc.id,
        html=markup,
        source=doc.path,
        images=printed.images,
        problems=printed.problems,
        documents=((doc.id, doc.path),),
        allowed_roots=(str(settings.content_dir),),
    )
