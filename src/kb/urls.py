"""Where things live on the published site, relative to its root.

One place decides the URL scheme, so the site pages, the catalogue, the PDF
links to online pages and the search results all agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from kb.model import DOCUMENT_TYPES, Document

#: The site's own pages in each document type's folder, which a document of
#: that name would replace: the listing (``lessons/index.md``) and the
#: listing's further pages (``lessons/page/2/``).
LISTING_INDEX = "index"
LISTING_PAGES = "page"
RESERVED_IDS: Mapping[str, str] = MappingProxyType(
    {
        LISTING_INDEX: "the listing of its document type ({folder}/)",
        LISTING_PAGES: "the further pages of its type's listing ({folder}/page/2/)",
    }
)


def document_url(doc: Document) -> str:
    """``case-studies/accra-stormwater/``."""
    return f"{DOCUMENT_TYPES[doc.type]}/{doc.id}/"


def type_url(doc_type: str) -> str:
    return f"{DOCUMENT_TYPES[doc_type]}/"


def listing_url(base: str, number: int) -> str:
    """Page ``number`` of the listing at ``base``: ``lessons/``, ``lessons/page/2/``."""
    return base if number == 1 else f"{base}{LISTING_PAGES}/{number}/"


def theme_url(theme_id: str) -> str:
    return f"themes/{theme_id}/"


def level_url(level_id: str) -> str:
    return f"levels/{level_id}/"


def programme_url(programme_id: str) -> str:
    return f"programmes/{programme_id}/"


def country_url(code: str) -> str:
    return f"countries/{code.lower()}/"


def document_pdf_url(doc: Document) -> str:
    return f"downloads/documents/{doc.id}.pdf"


#: A pack's A5 booklet is ``<pack id>-booklet.pdf``, beside the pack (pack ids never end so).
BOOKLET_SUFFIX = "-booklet"


def pack_pdf_url(pack_id: str, *, booklet: bool = False) -> str:
    """Where a pack's PDF is on the site (its A5 booklet beside it, ``<id>-booklet.pdf``)."""
    return f"downloads/packs/{pack_id}{BOOKLET_SUFFIX if booklet else ''}.pdf"


def absolute(site_url: str, relative: str) -> str:
    """The full address of a page, or the relative one when the site has no ``site_url``."""
    return f"{site_url}{relative}" if site_url else relative


@dataclass(frozen=True)
class BrowseUrls:
    """The browse pages' URLs in one language, under its prefix (``fr/``) unless the default.

    Documents and downloads have one URL whatever the language they are
    reached from, so only the site's own pages (home, listings, taxonomy,
    search, downloads) are prefixed.
    """

    prefix: str = ""

    def page(self, url: str) -> str:
        return self.prefix + url

    def type_url(self, doc_type: str) -> str:
        return self.prefix + type_url(doc_type)

    def theme_url(self, theme_id: str) -> str:
        return self.prefix + theme_url(theme_id)

    def level_url(self, level_id: str) -> str:
        return self.prefix + level_url(level_id)

    def programme_url(self, programme_id: str) -> str:
        return self.prefix + programme_url(programme_id)

    def country_url(self, code: str) -> str:
        return self.prefix + country_url(code)

    @staticmethod
    def document_url(doc: Document) -> str:
        return document_url(doc)


def language_prefix(language: str, languages: Sequence[str]) -> str:
    """``fr/`` for French pages of a site whose default is English; ``""`` for the default.

    A language the site is not published in (a lone Arabic document) has no
    browse pages of its own: its links lead to the default language's.
    """
    if not languages or language == languages[0] or language not in languages:
        return ""
    return f"{language}/"
