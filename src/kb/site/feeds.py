"""Machine-readable outputs: ``catalogue.json`` for partner platforms and an Atom feed."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from kb import urls
from kb.config import Settings
from kb.graph import KnowledgeGraph
from kb.model import Document, KnowledgeBase
from kb.site import cite
from kb.site.downloads import Download

FEED_ENTRIES = 50
ATOM = "http://www.w3.org/2005/Atom"


def catalogue(
    settings: Settings,
    knowledge_base: KnowledgeBase,
    graph: KnowledgeGraph,
    documents: Sequence[Document],
    downloads: Sequence[Download],
) -> dict[str, Any]:
    """Every published document's metadata, URL and relations."""
    included = {d.id for d in documents}
    own = {i: d.url for d in downloads if d.kind == "document" for i in d.document_ids}
    packs: dict[str, list[str]] = {}
    for download in downloads:
        if download.kind == "pack":
            for doc_id in download.document_ids:
                packs.setdefault(doc_id, []).append(download.id)
    taxonomy = knowledge_base.taxonomy
    references = {r.path: r for r in cite.site_references(settings, documents, downloads)}
    entries = []
    for doc in documents:
        reference = references[f"{cite.FOLDER}/{doc.id}"]
        entries.append(
            {
                "id": doc.id,
                "type": doc.type,
                "title": doc.title,
                "summary": doc.summary,
                "url": urls.absolute(settings.site_url, urls.document_url(doc)),
                "pdf": urls.absolute(settings.site_url, own[doc.id]) if doc.id in own else None,
                "themes": list(doc.themes),
                "levels": list(doc.levels),
                "countries": list(doc.countries),
                "programme": doc.programme,
                "stakeholders": list(doc.stakeholders),
                "language": doc.language,
                "date": doc.date.isoformat(),
                "updated": doc.updated.isoformat() if doc.updated else None,
                "authors": list(doc.authors),
                "license": doc.license,
                "sources": [
                    {k: v for k, v in vars(s).items() if v not in ("", None)} for s in doc.sources
                ],
                "facets": {k: list(v) for k, v in doc.facets.items() if v},
                "relations": {
                    "translation_of": doc.translation_of,
                    "translations": [t.id for t in graph.translations(doc.id) if t.id in included],
                    "links_to": [d.id for d in graph.links_from(doc.id) if d.id in included],
                    "backlinks": [d.id for d in graph.backlinks(doc.id) if d.id in included],
                    "related": [
                        r.document.id
                        for r in graph.related(doc.id, limit=5)
                        if r.document.id in included
                    ],
                    "packs": sorted(packs.get(doc.id, [])),
                },
                "citation": cite.catalogue_entry(reference, settings.site_url),
            }
        )
    return {
        "site": settings.site_name,
        "url": settings.site_url,
        "license": settings.license,
        "taxonomy": {
            "themes": {k: v.label for k, v in taxonomy.themes.items()},
            "levels": {k: v.label for k, v in taxonomy.levels.items()},
            "stakeholders": {k: v.label for k, v in taxonomy.stakeholders.items()},
            "programmes": {k: v.name for k, v in taxonomy.programmes.items()},
        },
        "documents": entries,
        "packs": [
            {
                "id": d.id,
                "title": d.title,
                "pdf": urls.absolute(settings.site_url, d.url),
                "documents": list(d.document_ids),
                "citation": cite.catalogue_entry(
                    references[f"{cite.FOLDER}/packs/{d.id}"], settings.site_url
                ),
            }
            for d in downloads
            if d.kind == "pack"
        ],
    }


def write_catalogue(site_dir: Path, data: dict[str, Any]) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=False)
    (site_dir / "catalogue.json").write_text(text + "\n", encoding="utf-8")


def _timestamp(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def write_feed(
    site_dir: Path, settings: Settings, knowledge_base: KnowledgeBase, documents: Sequence[Document]
) -> None:
    """An Atom feed of the newest and most recently updated documents."""
    ET.register_namespace("", ATOM)
    newest = sorted(documents, key=lambda d: (d.last_changed, d.id), reverse=True)[:FEED_ENTRIES]
    feed = ET.Element(f"{{{ATOM}}}feed")
    base = settings.site_url or "./"
    ET.SubElement(feed, f"{{{ATOM}}}title").text = settings.site_name
    ET.SubElement(feed, f"{{{ATOM}}}id").text = base
    ET.SubElement(feed, f"{{{ATOM}}}link", href=base)
    ET.SubElement(
        feed, f"{{{ATOM}}}link", rel="self", href=urls.absolute(settings.site_url, "feed.xml")
    )
    updated = newest[0].last_changed if newest else dt.date(2000, 1, 1)
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _timestamp(updated)
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = settings.site_name
    for doc in newest:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        url = urls.absolute(settings.site_url, urls.document_url(doc))
        ET.SubElement(entry, f"{{{ATOM}}}title").text = doc.title
        ET.SubElement(entry, f"{{{ATOM}}}id").text = url
        ET.SubElement(entry, f"{{{ATOM}}}link", href=url)
        ET.SubElement(entry, f"{{{ATOM}}}published").text = _timestamp(doc.date)
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _timestamp(doc.last_changed)
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = doc.summary
        for name in doc.authors:
            person = ET.SubElement(entry, f"{{{ATOM}}}author")
            ET.SubElement(person, f"{{{ATOM}}}name").text = name
        for theme in doc.themes:
            ET.SubElement(
                entry,
                f"{{{ATOM}}}category",
                term=theme,
                label=knowledge_base.taxonomy.themes[theme].label,
            )
    tree = ET.ElementTree(feed)
    ET.indent(tree)
    tree.write(site_dir / "feed.xml", encoding="utf-8", xml_declaration=True)
