"""A document's page: its title, summary and key facts, body, relations and citation."""

from __future__ import annotations

import html
import json
import posixpath
import urllib.parse
from typing import Any

from kb import i18n, urls
from kb.links import classify, rewrite_links
from kb.model import Document
from kb.render import document_markdown
from kb.site import cite
from kb.site.generator import SiteBase
from kb.site.kept_panels import PanelMemo
from kb.site.markup import (
    HEAD_META,
    TOC,
    Linker,
    Page,
    country_name,
    fingerprinted,
    front_matter,
    page_url,
    placeholder,
    without_title_heading,
)

RELATED = 5
BACKLINKS = 20


class DocumentPages(SiteBase):
    """Makes the page of each document, in the document's language."""

    def rewrite_target(self, doc: Document, target: str) -> str | None:
        """Where a link in ``doc``'s body must point once the site is generated."""
        kind = classify(target, doc.path, self.content_prefix)
        if kind.kind != "local":
            return None
        page_path = self.output_paths[doc.id]
        linked = self.by_source.get(kind.path) or self.by_source.get(
            kind.path.rstrip("/") + "/index.md"
        )
        if linked is not None:
            relative = posixpath.relpath(self.output_paths[linked.id], posixpath.dirname(page_path))
            return relative + (f"#{kind.anchor}" if kind.anchor else "")
        if kind.path.endswith(".md"):
            return None  # a link to a draft or a missing page: MkDocs reports it
        media = "media/" + kind.path[len(self.content_prefix) + 1 :]
        return posixpath.relpath(media, posixpath.dirname(page_path))

    def document_page(self, doc: Document, fragments: bool = True) -> Page:
        """A document's page; without ``fragments``, only its Markdown (no graph needed)."""
        path = self.output_paths[doc.id]
        body = document_markdown(
            doc,
            rewrite_links(
                without_title_heading(doc.body, doc.title),
                lambda target: self.rewrite_target(doc, target),
            ),
            self.knowledge_base.glossary,
            place_notes=True,
        )
        lang = (
            f' lang="{html.escape(doc.language)}"' if doc.language != self.default_language else ""
        )
        text = front_matter(doc.title, doc.summary)
        text += f'<h1 class="kb-title"{lang}>{html.escape(doc.title)}</h1>\n\n'
        text += placeholder("head") + "\n\n" + placeholder(TOC) + "\n\n"
        text += body.strip("\n") + "\n\n"
        text += placeholder("foot") + "\n"
        language = doc.language if doc.language != self.default_language else None
        alternates = self.document_alternates(doc)
        if not fragments:
            return Page(path, text, language=language, alternates=alternates)
        parts = self.document_fragments(doc)
        return Page(path, fingerprinted(text, parts), parts, language, alternates)

    def document_alternates(self, doc: Document) -> dict[str, str]:
        """Where the language switch of a document's page leads: its translations, else home."""
        found = {lang: self.urls_in(lang).page("") for lang in self.languages}
        for other in self.graph.translations(doc.id):
            if other.id in self.included:
                found[other.language] = urls.document_url(other)
        found[doc.language] = urls.document_url(doc)
        return found

    def document_fragments(self, doc: Document, memo: PanelMemo | None = None) -> dict[str, str]:
        """The metadata panel and the relations of a document's page, in the document's language.

        ``memo``: the panels of the last build, taken again when everything
        they are made from is the same (see ``kb.site.kept_panels.PanelMemo``).
        """
        language = doc.language
        translated = i18n.translations(language)
        linker = Linker(page_url(self.output_paths[doc.id]))
        translations = [t for t in self.graph.translations(doc.id) if t.id in self.included]
        own = self.own_downloads.get(doc.id)
        downloads = [{"url": own.url, "label": translated.gettext("Download PDF")}] if own else []
        reference = cite.document_reference(doc, self.settings, own)
        head: dict[str, Any] = {
            "doc": doc,
            "translations": translations,
            "downloads": downloads,
            "edit_url": self.edit_url(doc),
            "review_notice": (
                i18n.review_notice(language, self.default_language) if doc.review_pending else []
            ),
        }
        backlinks = self.sorted_newest(
            d for d in self.graph.backlinks(doc.id) if d.id in self.included
        )
        foot: dict[str, Any] = {
            "doc": doc,
            "citation": self.citation(doc),
            "reference": reference,
            "related": [
                r
                for r in self.graph.related(doc.id, limit=RELATED)
                if r.document.id in self.included
            ],
            "backlinks": backlinks[:BACKLINKS],
            "more_backlinks": max(0, len(backlinks) - BACKLINKS),
            "same_theme_other_levels": self.other_levels(doc),
            "packs": self.pack_downloads.get(doc.id, []),
            "jsonld": self.jsonld(doc),
        }
        key = memo.key(linker, head, foot) if memo is not None else ""
        kept = memo.panels(doc.id, key) if memo is not None else None
        if kept is not None:
            return kept
        made = {
            "head": self.render_html("document_head.html", linker, language, **head),
            "foot": self.render_html("document_foot.html", linker, language, **foot),
            HEAD_META: cite.citation_meta(reference),
        }
        if memo is not None:
            memo.keep(doc.id, key, made)
        return made

    def edit_url(self, doc: Document) -> str:
        """The address of the document's source in the online editor, if the site has one."""
        if not self.settings.edit_url:
            return ""
        inside = doc.path[len(self.content_prefix) + 1 :]
        return self.settings.edit_url + urllib.parse.quote(inside)

    def other_levels(self, doc: Document) -> list[dict[str, Any]]:
        groups = []
        for cross in self.graph.same_theme_other_levels(doc.id):
            docs = [d for d in cross.documents if d.id in self.included][:3]
            if docs:
                groups.append(
                    {
                        "theme_label": cross.theme.label_in(doc.language),
                        "level_label": cross.level.label_in(doc.language),
                        "documents": docs,
                    }
                )
        return groups

    def citation(self, doc: Document) -> str:
        site_name = self.settings.site_name_in(doc.language)
        authors = ", ".join(doc.authors) or site_name
        url = urls.absolute(self.settings.site_url, urls.document_url(doc))
        return f"{authors} ({doc.date.year}). {doc.title}. {site_name}. {url}"

    def jsonld(self, doc: Document) -> str:
        kind = {
            "case-study": "Report",
            "guideline": "HowTo",
            "lesson": "Article",
            "tool": "DigitalDocument",
        }[doc.type]
        data: dict[str, Any] = {
            "@context": "https://schema.org",
            "@type": kind,
            "headline": doc.title,
            "name": doc.title,
            "description": doc.summary,
            "datePublished": doc.date.isoformat(),
            "inLanguage": doc.language,
            "keywords": [self.taxonomy.themes[t].label_in(doc.language) for t in doc.themes],
            "license": self.settings.license_url or doc.license,
            "isPartOf": {"@type": "WebSite", "name": self.settings.site_name_in(doc.language)},
        }
        if doc.updated:
            data["dateModified"] = doc.updated.isoformat()
        if doc.authors:
            data["author"] = [{"@type": "Person", "name": a} for a in doc.authors]
        if self.settings.site_url:
            data["url"] = urls.absolute(self.settings.site_url, urls.document_url(doc))
            data["isPartOf"]["url"] = self.settings.site_url
        if doc.countries:
            data["spatialCoverage"] = [country_name(c) for c in doc.countries]
        # "</script>" in a value would end the element early; JSON's \u003c cannot.
        return json.dumps(data, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")
