"""Citations a reference manager can import: CSL-JSON, BibTeX and RIS.

Every published document, and every printable pack, becomes one
``Reference`` (authors, date, title, publisher, address, licence, taken from
its front matter and the site's settings); the three formats are written
from that one record, BibTeX by bibtexparser and RIS by rispy, so special
characters are escaped by the libraries made for each format. The site
offers the files beside each other under ``cite/`` (``cite/<id>.bib``,
``cite/packs/<id>.ris``), links them from the pages and lists them in
``catalogue.json``; ``citation_meta`` gives the ``citation_*`` tags Zotero
and Google Scholar read from a page's head.

An author written ``Family, Given`` is a person; any other name (``kb
editorial team``, ``IRC``) is kept whole, as an organisation, rather than
guessed apart into given and family names.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rispy
from bibtexparser.entrypoint import write_string
from bibtexparser.library import Library
from bibtexparser.middlewares import LatexEncodingMiddleware
from bibtexparser.model import Entry, Field
from pylatexenc.latexencode import UnicodeToLatexEncoder

from kb import urls
from kb.config import Settings
from kb.model import Document
from kb.output import write_or_link
from kb.site.downloads import Download

#: LaTeX for the characters LaTeX has commands for; the others (Arabic script,
#: for one) are kept as they are, which biber and UTF-8 BibTeX read, without
#: a warning per character (887 lines for the three Arabic documents).
_LATEX = UnicodeToLatexEncoder(
    conversion_rules=["defaults"], unknown_char_policy="keep", unknown_char_warning=False
)

#: Where the citation files live on the site, from its root.
FOLDER = "cite"
#: Each format: its file extension and its media type.
FORMATS = {"bibtex": ".bib", "ris": ".ris", "csl_json": ".json"}

#: Per kind of work: its CSL type, BibTeX entry type and RIS type.
KINDS: dict[str, tuple[str, str, str]] = {
    "case-study": ("report", "techreport", "RPRT"),
    "guideline": ("report", "techreport", "RPRT"),
    "lesson": ("article", "misc", "ELEC"),
    "tool": ("document", "misc", "GEN"),
    "pack": ("book", "book", "BOOK"),
}


@dataclass(frozen=True)
class Reference:
    """One citable work of the site: a document or a printable pack."""

    key: str
    kind: str
    title: str
    authors: tuple[str, ...]
    issued: dt.date
    publisher: str
    url: str
    language: str
    license: str
    abstract: str = ""
    pdf_url: str = ""
    #: The files' path from the site root, without extension (``cite/<id>``).
    path: str = ""

    def file(self, fmt: str) -> str:
        """The address of one format's file from the site root (``cite/x.bib``)."""
        return self.path + FORMATS[fmt]


def document_reference(doc: Document, settings: Settings, pdf: Download | None = None) -> Reference:
    """A document as a reference; a document without authors is the site's own work."""
    publisher = settings.site_name_in(doc.language)
    return Reference(
        key=doc.id,
        kind=doc.type,
        title=doc.title,
        authors=doc.authors or (publisher,),
        issued=doc.date,
        publisher=publisher,
        url=urls.absolute(settings.site_url, urls.document_url(doc)),
        language=doc.language,
        license=doc.license,
        abstract=doc.summary,
        pdf_url=urls.absolute(settings.site_url, pdf.url) if pdf else "",
        path=f"{FOLDER}/{doc.id}",
    )


def pack_reference(pack: Download, settings: Settings) -> Reference:
    """A printable pack as a book the site publishes, dated by its newest document."""
    publisher = settings.site_name_in(pack.language)
    title = f"{pack.title}: {pack.subtitle}" if pack.subtitle else pack.title
    pdf_url = urls.absolute(settings.site_url, pack.url)
    return Reference(
        key=pack.id,
        kind="pack",
        title=title,
        authors=(publisher,),
        issued=pack.date,
        publisher=publisher,
        url=pdf_url,
        language=pack.language,
        license=settings.license,
        abstract=pack.description,
        pdf_url=pdf_url,
        path=f"{FOLDER}/packs/{pack.id}",
    )


def site_references(
    settings: Settings, documents: Iterable[Document], downloads: Sequence[Download]
) -> list[Reference]:
    """Every document's reference, then every pack's."""
    own = {i: d for d in downloads if d.kind == "document" for i in d.document_ids}
    found = [document_reference(doc, settings, own.get(doc.id)) for doc in documents]
    found += [pack_reference(d, settings) for d in downloads if d.kind == "pack"]
    return found


def _person(name: str) -> tuple[str, str] | None:
    """``("Smith", "Jane")`` for ``Smith, Jane``; None for a name kept whole."""
    family, comma, given = name.partition(",")
    if not comma or not family.strip() or not given.strip():
        return None
    return family.strip(), given.strip()


def csl_item(ref: Reference) -> dict[str, Any]:
    """The reference as a CSL-JSON item (the format of Zotero, Pandoc and citeproc)."""
    authors: list[dict[str, str]] = []
    for name in ref.authors:
        person = _person(name)
        authors.append({"family": person[0], "given": person[1]} if person else {"literal": name})
    item: dict[str, Any] = {
        "id": ref.key,
        "type": KINDS[ref.kind][0],
        "title": ref.title,
        "author": authors,
        "issued": {"date-parts": [[ref.issued.year, ref.issued.month, ref.issued.day]]},
        "publisher": ref.publisher,
        "URL": ref.url,
        "language": ref.language,
        "license": ref.license,
    }
    if ref.abstract:
        item["abstract"] = ref.abstract
    return item


def csl_json(references: Iterable[Reference]) -> str:
    return json.dumps([csl_item(r) for r in references], ensure_ascii=False, indent=1) + "\n"


def _bibtex_entry(ref: Reference) -> Entry:
    entry_type = KINDS[ref.kind][1]
    organisation = "institution" if entry_type == "techreport" else "publisher"
    # Text goes through LaTeX encoding; the address and numbers are added after it.
    text = Entry(
        entry_type,
        ref.key,
        [
            Field("title", ref.title),
            Field("author", list(ref.authors)),
            Field(organisation, ref.publisher),
            Field("note", f"Licence: {ref.license}"),
        ]
        + ([Field("abstract", ref.abstract)] if ref.abstract else []),
    )
    encoded = LatexEncodingMiddleware(encoder=_LATEX).transform(Library([text]))
    entry = encoded.entries[0]
    names = entry.fields_dict["author"].value
    entry.set_field(
        Field(
            "author",
            " and ".join(
                name if _person(raw) else "{" + name + "}"
                for raw, name in zip(ref.authors, names, strict=True)
            ),
        )
    )
    entry.set_field(Field("year", str(ref.issued.year)))
    entry.set_field(Field("month", str(ref.issued.month)))
    entry.set_field(Field("date", ref.issued.isoformat()))
    entry.set_field(Field("url", ref.url))
    entry.set_field(Field("language", ref.language))
    return entry


def bibtex(references: Iterable[Reference]) -> str:
    """The references as BibTeX entries, keyed by their ids."""
    return write_string(Library([_bibtex_entry(r) for r in references]))


def ris(references: Iterable[Reference]) -> str:
    """The references as RIS records (EndNote, Zotero, Mendeley)."""
    records = []
    for ref in references:
        record: dict[str, Any] = {
            "type_of_reference": KINDS[ref.kind][2],
            "id": ref.key,
            "title": ref.title,
            "authors": list(ref.authors),
            "year": str(ref.issued.year),
            "date": ref.issued.strftime("%Y/%m/%d"),
            "publisher": ref.publisher,
            "urls": [ref.url],
            "language": ref.language,
            "notes": [f"Licence: {ref.license}"],
        }
        if ref.abstract:
            record["abstract"] = ref.abstract
        if ref.pdf_url and ref.pdf_url != ref.url:
            record["file_attachments1"] = ref.pdf_url
        records.append(record)
    text: str = rispy.dumps(records)
    return text


def citation_texts(ref: Reference) -> dict[str, str]:
    """A reference's three files' texts, by file extension."""
    writers = {"bibtex": bibtex, "ris": ris, "csl_json": csl_json}
    return {FORMATS[fmt]: write([ref]) for fmt, write in writers.items()}


def citation_files(
    references: Iterable[Reference], known: Mapping[str, object] | None = None
) -> dict[str, dict[str, str]]:
    """Each reference's three files' texts, by reference (``repr``).

    ``known``: what an earlier build returned (the same code's), whose texts are
    taken again for references that have not changed: writing BibTeX costs
    about 1 ms a reference, most of a rebuild's output stage (a clean build
    makes them in a helper process while MkDocs renders).
    """
    made = {}
    for ref in references:
        key = repr(ref)
        texts = (known or {}).get(key)
        if not (
            isinstance(texts, dict)
            and texts.keys() == set(FORMATS.values())
            and all(isinstance(t, str) for t in texts.values())
        ):
            texts = citation_texts(ref)
        made[key] = texts
    return made


def write_citation_files(
    site_dir: Path,
    references: Iterable[Reference],
    known: Mapping[str, object] | None = None,
    previous: Path | None = None,
) -> dict[str, dict[str, str]]:
    """Each reference's three files under ``cite/``; returns their texts, by reference.

    ``known``: texts made already (``citation_files``); the others are made now.
    ``previous``: the site this one replaces, whose files with the same bytes
    are linked rather than written (``kb.output.write_or_link``).
    """
    references = list(references)
    made = citation_files(references, known)
    for ref in references:
        texts = made[repr(ref)]
        target = site_dir / ref.path
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix, text in texts.items():
            name = f"{ref.path}{suffix}"
            write_or_link(
                site_dir / name, text.encode("utf-8"), previous / name if previous else None
            )
    return made


def catalogue_entry(ref: Reference, site_url: str) -> dict[str, Any]:
    """What ``catalogue.json`` says of a reference: the CSL-JSON item and its files' addresses."""
    return {
        "csl": csl_item(ref),
        **{fmt: urls.absolute(site_url, ref.file(fmt)) for fmt in FORMATS},
    }


def citation_meta(ref: Reference) -> str:
    """The ``citation_*`` tags (Highwire Press) that Zotero's page import reads."""
    tags = [("citation_title", ref.title)]
    tags += [("citation_author", name) for name in ref.authors]
    tags += [
        ("citation_publication_date", ref.issued.strftime("%Y/%m/%d")),
        ("citation_publisher", ref.publisher),
        ("citation_language", ref.language),
        ("citation_public_url", ref.url),
    ]
    if KINDS[ref.kind][0] == "report":
        tags.append(("citation_technical_report_institution", ref.publisher))
    if ref.pdf_url:
        tags.append(("citation_pdf_url", ref.pdf_url))
    return "".join(
        f'<meta name="{name}" content="{html.escape(value, quote=True)}">' for name, value in tags
    )
